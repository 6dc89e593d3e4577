// Renders every docs/**/*.mmd to an SVG beside it, and to a PNG when a page links one, with
// mermaid-cli on Debian's Chromium (no browser download, no network). Records each source's
// sha256 in docs/diagrams.json: test/unit/docs-diagrams.test.ts recomputes it, since git keeps
// no mtimes and "older than its source" can only be told by content.
//
//   npm run docs            render everything, rewrite docs/diagrams.json
//   npm run docs -- --check say which renders are stale or missing, render nothing
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const docsDir = path.join(root, 'docs');
const manifestFile = path.join(docsDir, 'diagrams.json');
const mermaidConfig = path.join(docsDir, 'diagrams', 'mermaid.config.json');
const puppeteerConfig = path.join(docsDir, 'diagrams', 'puppeteer.config.json');
const cliPackage = path.join(root, 'node_modules', '@mermaid-js', 'mermaid-cli');

/** Thrown, not exited on: the scratch directory must still be removed on the way out. */
class RenderError extends Error {
  constructor(message, hint) {
    super(message);
    this.hint = hint;
  }
}

function fail(message, hint) {
  throw new RenderError(message, hint);
}

function report(error) {
  if (!(error instanceof RenderError)) throw error;
  console.error(`render-docs: ${error.message}`);
  if (error.hint) console.error(`  hint: ${error.hint}`);
  process.exitCode = 1;
}

const rel = (file) => path.relative(root, file).split(path.sep).join('/');
const sha256 = (file) => `sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;

function walk(dir, keep) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...walk(full, keep));
    else if (keep(entry.name)) found.push(full);
  }
  return found.sort();
}

/** PNGs some page links (`![…](diagrams/x.png)`), as absolute paths: only those get rendered. */
function linkedPngs() {
  const pages = [...walk(docsDir, (name) => name.endsWith('.md')), path.join(root, 'README.md')];
  const wanted = new Set();
  for (const page of pages) {
    for (const match of fs.readFileSync(page, 'utf8').matchAll(/\]\(([^)\s#]+\.png)\)/g)) {
      if (!/^[a-z]+:/i.test(match[1])) wanted.add(path.resolve(path.dirname(page), match[1]));
    }
  }
  return wanted;
}

function outputsOf(source, pngs) {
  const base = source.slice(0, -'.mmd'.length);
  return [`${base}.svg`, ...(pngs.has(`${base}.png`) ? [`${base}.png`] : [])];
}

function readManifest() {
  try {
    return JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch {
    return { diagrams: {} };
  }
}

/** What is stale: a source whose hash or config changed, an output missing or changed since. */
function staleness(sources, pngs, manifest) {
  const problems = [];
  const config = sha256(mermaidConfig);
  for (const source of sources) {
    const entry = manifest.diagrams?.[rel(source)];
    if (entry === undefined) problems.push(`${rel(source)}: never rendered`);
    else if (entry.source !== sha256(source)) problems.push(`${rel(source)}: changed since it was rendered`);
    else if (manifest.config !== config) problems.push(`${rel(source)}: mermaid.config.json changed since it was rendered`);
    for (const output of outputsOf(source, pngs)) {
      if (!fs.existsSync(output)) problems.push(`${rel(output)}: missing`);
      else if (entry?.outputs?.[rel(output)] !== sha256(output)) problems.push(`${rel(output)}: not the recorded render`);
    }
  }
  return problems;
}

/** The puppeteer config, with GLASSBOX_CHROMIUM as the browser when set (not Debian). */
function browserConfig(scratch) {
  const config = JSON.parse(fs.readFileSync(puppeteerConfig, 'utf8'));
  if (process.env.GLASSBOX_CHROMIUM) config.executablePath = process.env.GLASSBOX_CHROMIUM;
  if (!fs.existsSync(config.executablePath)) {
    fail(`no browser at ${config.executablePath}`, 'apt-get install chromium (as root), or set GLASSBOX_CHROMIUM to a Chromium binary');
  }
  const file = path.join(scratch, 'puppeteer.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

function render(cli, browser, source, output, scratch) {
  const args = [cli, '--quiet', '-i', source, '-o', output, '-c', mermaidConfig, '-p', browser, '-b', 'white'];
  // PNGs at twice the CSS size, so they stay sharp on a high-density screen.
  if (output.endsWith('.png')) args.push('-s', '2');
  // process.execPath is npm's Node 22, not whatever `node` the mmdc shim would find.
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    // TMPDIR: Chromium's throwaway profile goes into our scratch dir, removed at the end.
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: 'true', HOME: scratch, XDG_CONFIG_HOME: scratch, TMPDIR: scratch },
    timeout: 120_000,
  });
  if (result.status !== 0) {
    // The message, without the browser-side stack trace that follows it.
    const said = [result.stderr, result.stdout, result.error?.message]
      .filter(Boolean)
      .join('\n')
      .split('\n')
      .filter((line) => !/^\s+at /.test(line))
      .join('\n')
      .trim();
    fail(
      `rendering ${rel(source)} failed (mmdc exit ${result.status ?? result.signal}): ${said || 'no message'}`,
      // mmdc reports a browser that would not start or answer as "[object Object]".
      'unless that is a mermaid parse error, check that the browser starts: chromium --headless --no-sandbox --dump-dom about:blank (puppeteer reaches it over loopback)',
    );
  }
}

const sources = walk(docsDir, (name) => name.endsWith('.mmd'));
const pngs = linkedPngs();
const previous = readManifest();

function checkOnly() {
  const problems = staleness(sources, pngs, previous);
  for (const problem of problems) console.error(`render-docs: ${problem}`);
  if (problems.length > 0) fail('diagrams are stale', 'npm run docs');
  console.log(`render-docs: ${sources.length} diagrams up to date`);
}

function renderAll() {
  if (!fs.existsSync(cliPackage)) fail('mermaid-cli is not installed', 'npm install');
  const cliJson = JSON.parse(fs.readFileSync(path.join(cliPackage, 'package.json'), 'utf8'));
  const cli = path.join(cliPackage, cliJson.bin.mmdc);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-docs-'));
  try {
    renderInto(cli, cliJson.version, scratch);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function renderInto(cli, version, scratch) {
  const browser = browserConfig(scratch);
  const diagrams = {};
  for (const source of sources) {
    const outputs = {};
    for (const output of outputsOf(source, pngs)) {
      const started = performance.now();
      render(cli, browser, source, output, scratch);
      console.log(`render-docs: ${rel(output)} (${Math.round(performance.now() - started)} ms)`);
      outputs[rel(output)] = sha256(output);
    }
    diagrams[rel(source)] = { source: sha256(source), outputs };
  }
  // Renders nothing asks for any more (a source removed, a PNG no page links) go too: they are
  // ours, and nothing would keep them up to date.
  const kept = new Set(Object.values(diagrams).flatMap((entry) => Object.keys(entry.outputs)));
  for (const entry of Object.values(previous.diagrams ?? {})) {
    for (const output of Object.keys(entry.outputs ?? {})) {
      if (!kept.has(output)) fs.rmSync(path.join(root, output), { force: true });
    }
  }
  const manifest = {
    comment: 'written by npm run docs (scripts/render-docs.mjs); checked by test/unit/docs-diagrams.test.ts',
    renderer: `@mermaid-js/mermaid-cli ${version}`,
    config: sha256(mermaidConfig),
    diagrams,
  };
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`render-docs: ${sources.length} diagrams, manifest ${rel(manifestFile)}`);
}

try {
  if (process.argv.includes('--check')) checkOnly();
  else renderAll();
} catch (error) {
  report(error);
}
