import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../package-root.js';

/**
Mermaid sources to SVG files through mermaid-cli (`mmdc`) on Debian's Chromium: no browser
download and no network, as scripts/render-docs.mjs does for the docs. All the diagrams of a
run go to one mmdc call (a scratch Markdown file with one block each), so Chromium starts once,
not once per diagram. Without a browser or mermaid-cli nothing is drawn and the caller keeps the
sources: a report must still be written on a laptop without Chromium.
*/
export interface MermaidJob {
  source: string;
  /** Where the SVG goes (absolute). */
  output: string;
}

export type RenderOutcome = { rendered: true; ms: number } | { rendered: false; reason: string };

export interface RenderSpec {
  env?: NodeJS.ProcessEnv;
  /** Chromium; default GLASSBOX_CHROMIUM, else /usr/bin/chromium (Debian's). */
  browser?: string;
  /** mmdc's cli.js; default the one in node_modules (a devDependency). */
  cli?: string | null;
  timeoutMs?: number;
  /** Stops mmdc (and so its browser); the outcome then says it was interrupted. */
  signal?: AbortSignal;
}

// The docs' look (docs/diagrams/mermaid.config.json): Korean labels need a CJK font first, and
// deterministic ids keep a report byte-identical when rendered again from the same progress.
const MERMAID_CONFIG = {
  theme: 'neutral',
  themeVariables: { fontFamily: '"Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif', fontSize: '15px' },
  htmlLabels: false,
  flowchart: { htmlLabels: false, curve: 'basis', padding: 12, wrappingWidth: 360 },
  deterministicIds: true,
  deterministicIDSeed: 'glassbox',
};

export function findBrowser(env: NodeJS.ProcessEnv = process.env): string {
  return env.GLASSBOX_CHROMIUM || '/usr/bin/chromium';
}

/** mermaid-cli's entry script, or null when it is not installed (it is a devDependency). */
export function findMermaidCli(root: string = packageRoot()): string | null {
  const dir = path.join(root, 'node_modules', '@mermaid-js', 'mermaid-cli');
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { bin?: { mmdc?: string } };
    const cli = path.join(dir, manifest.bin?.mmdc ?? 'src/cli.js');
    return fs.existsSync(cli) ? cli : null;
  } catch {
    return null;
  }
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** What mmdc said, without the browser-side stack trace that follows the message. */
function summarize(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at '));
  return lines.slice(0, 3).join(' ').slice(0, 400) || 'no message';
}

/** Renders every job, or none: on any failure no SVG is left at a job's output. */
export async function renderMermaid(jobs: MermaidJob[], spec: RenderSpec = {}): Promise<RenderOutcome> {
  const env = spec.env ?? process.env;
  const browser = spec.browser ?? findBrowser(env);
  const cli = spec.cli === undefined ? findMermaidCli() : spec.cli;
  if (jobs.length === 0) return { rendered: true, ms: 0 };
  if (cli === null) return { rendered: false, reason: 'mermaid-cli is not installed (npm install)' };
  if (!executable(browser)) return { rendered: false, reason: `no browser at ${browser}` };
  const started = performance.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-report-'));
  try {
    const input = path.join(scratch, 'diagrams.md');
    fs.writeFileSync(input, jobs.map((job) => `\`\`\`mermaid\n${job.source}\n\`\`\`\n`).join('\n'));
    const config = path.join(scratch, 'mermaid.json');
    fs.writeFileSync(config, JSON.stringify(MERMAID_CONFIG));
    const puppeteer = path.join(scratch, 'puppeteer.json');
    // Chromium refuses to start as root unless its sandbox is off.
    const root = process.getuid?.() === 0;
    const args = [...(root ? ['--no-sandbox'] : []), '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
    fs.writeFileSync(puppeteer, JSON.stringify({ executablePath: browser, headless: true, args }));
    // With Markdown input and an .svg output, mmdc writes d-1.svg, d-2.svg, … in block order.
    const stem = path.join(scratch, 'd.svg');
    const result = await runMmdc(cli, ['--quiet', '-i', input, '-o', stem, '-c', config, '-p', puppeteer, '-b', 'white'], scratch, env, spec.timeoutMs ?? 120_000, spec.signal);
    if (spec.signal?.aborted) return { rendered: false, reason: 'interrupted' };
    if (result.code !== 0) return { rendered: false, reason: `mmdc failed (${result.code}): ${summarize(result.output)}` };
    const outputs = jobs.map((_, index) => path.join(scratch, `d-${index + 1}.svg`));
    const missing = outputs.find((file) => !fs.existsSync(file));
    if (missing !== undefined) return { rendered: false, reason: `mmdc wrote no ${path.basename(missing)}` };
    jobs.forEach((job, index) => fs.copyFileSync(outputs[index]!, job.output));
    return { rendered: true, ms: performance.now() - started };
  } finally {
    killStragglers(scratch);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
A browser whose mmdc was killed (SIGKILL after a timeout) outlives it in its own process group.
Every process of this render carries the scratch dir as TMPDIR, so those, and only those, are
found by it and killed by pid. Normally there are none.
*/
export function killStragglers(scratch: string): void {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return;
  }
  const mark = `\0TMPDIR=${scratch}\0`;
  for (const pid of pids) {
    try {
      if (`\0${fs.readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(mark)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
}

/**
mmdc, stopped with SIGINT on a timeout or an abort: puppeteer (which starts Chromium in a process
group of its own) kills the browser on SIGINT and exits, and a Ctrl-C in the terminal reaches mmdc
too, since it stays in our process group. SIGKILL only if it does not go.
*/
function runMmdc(cli: string, args: string[], scratch: string, env: NodeJS.ProcessEnv, timeoutMs: number, signal?: AbortSignal): Promise<{ code: number | string; output: string }> {
  return new Promise((resolve) => {
    // process.execPath: the Node 22 running glassbox, not whatever `node` the mmdc shim finds.
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Chromium's throwaway profile and caches go into the scratch dir, removed afterwards.
      env: { ...env, PUPPETEER_SKIP_DOWNLOAD: 'true', HOME: scratch, XDG_CONFIG_HOME: scratch, XDG_CACHE_HOME: scratch, TMPDIR: scratch },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let killer: NodeJS.Timeout | undefined;
    const stop = (why: string): void => {
      output += `\n${why}`;
      child.kill('SIGINT');
      killer ??= setTimeout(() => child.kill('SIGKILL'), 5000);
    };
    const timer = setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = (): void => stop('interrupted');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const done = (code: number | string): void => {
      clearTimeout(timer);
      clearTimeout(killer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ code, output });
    };
    child.on('error', (error) => {
      output += error.message;
      done('spawn');
    });
    child.on('close', (code, sig) => done(code ?? sig ?? 'unknown'));
  });
}
