import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findBrowser, findMermaidCli, killStragglers, renderMermaid } from '../../src/report/render-mermaid.js';

/** What renderMermaid does when it cannot draw; drawing itself is test/integration/report.test.ts. */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-report-render-'));
  dirs.push(dir);
  return dir;
}

const job = (dir: string) => ({ source: 'flowchart LR\n  a["x"] --> b["y"]', output: path.join(dir, 'x.svg') });

describe('report: rendering mermaid', () => {
  it('uses GLASSBOX_CHROMIUM, else Debian’s Chromium', () => {
    expect(findBrowser({ GLASSBOX_CHROMIUM: '/opt/chromium/chrome' })).toBe('/opt/chromium/chrome');
    expect(findBrowser({})).toBe('/usr/bin/chromium');
  });

  it('finds mermaid-cli in node_modules, and says so when a package root has none', () => {
    expect(findMermaidCli()).toMatch(/node_modules\/@mermaid-js\/mermaid-cli\/.+\.js$/);
    expect(findMermaidCli(scratch())).toBeNull();
  });

  it('draws nothing and says why without a browser, or with one that is not executable', async () => {
    const dir = scratch();
    const missing = path.join(dir, 'chromium');
    expect(await renderMermaid([job(dir)], { browser: missing })).toEqual({ rendered: false, reason: `no browser at ${missing}` });
    fs.writeFileSync(missing, '#!/bin/sh\n', { mode: 0o644 });
    expect(await renderMermaid([job(dir)], { browser: missing })).toEqual({ rendered: false, reason: `no browser at ${missing}` });
    expect(fs.readdirSync(dir)).toEqual(['chromium']);
  });

  it('draws nothing without mermaid-cli', async () => {
    const dir = scratch();
    expect(await renderMermaid([job(dir)], { cli: null, browser: process.execPath })).toEqual({ rendered: false, reason: 'mermaid-cli is not installed (npm install)' });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('has nothing to do without diagrams, and starts no browser for it', async () => {
    expect(await renderMermaid([], { browser: '/nonexistent' })).toEqual({ rendered: true, ms: 0 });
  });
});

describe('report: processes a render leaves behind', () => {
  it('kills those carrying this render’s scratch dir as TMPDIR, by pid, and no other', async () => {
    const dir = scratch();
    const other = scratch();
    const spawnSleeper = (tmp: string) => spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { ...process.env, TMPDIR: tmp } });
    // Like Chromium: in a process group of its own, so killing mmdc would not take it along.
    const straggler = spawnSleeper(dir);
    const bystander = spawnSleeper(other);
    const gone = new Promise<NodeJS.Signals | null>((resolve) => straggler.on('exit', (_code, signal) => resolve(signal)));
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      killStragglers(dir);
      expect(await gone).toBe('SIGKILL');
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
    } finally {
      for (const child of [straggler, bystander]) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
