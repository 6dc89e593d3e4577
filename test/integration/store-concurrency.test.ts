/**
The store used by several processes at once, and by processes that die mid-write: two
writers end with one valid store; a writer killed by SIGKILL or Ctrl-C leaves nothing that
a reader could mistake for a blob, and its temp file is removed on the next open.
*/
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { expectValidStore, listFiles, makeScratchDir, type ScratchDir } from '../helpers/store-fixture.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const viteNode = path.join(root, 'node_modules', 'vite-node', 'vite-node.mjs');
const childScript = path.join(root, 'test', 'helpers', 'store-child.ts');

let dir: ScratchDir | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  dir?.remove();
  dir = undefined;
});

function startChild(...args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | string> } {
  const child = spawn(process.execPath, [viteNode, childScript, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, output: () => output, exited };
}

async function waitForOutput(get: () => string, pattern: RegExp, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(get())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output:\n${get()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('two processes writing the same image', () => {
  it('end with one valid store holding both sets of names', async () => {
    dir = makeScratchDir('concurrent');
    const store = path.join(dir.path, 'store');
    await openStore({ root: store });
    const rounds = '6';
    const a = startChild('writer', store, 'a', rounds);
    const b = startChild('writer', store, 'b', rounds);
    const [codeA, codeB] = await Promise.all([a.exited, b.exited]);
    expect({ codeA, codeB, out: a.output() + b.output() }).toMatchObject({ codeA: 0, codeB: 0 });
    expect(await expectValidStore(store)).toEqual([
      'example.com/shared/image:a-5',
      'example.com/shared/image:b-5',
      'example.com/shared/image:latest',
    ]);
    // 3 layers + config + manifest, each stored once.
    expect(listFiles(path.join(store, 'blobs', 'sha256'))).toHaveLength(5);
  }, 120_000);
});

describe('a writer that dies mid-blob', () => {
  for (const signal of ['SIGKILL', 'SIGINT'] as const) {
    it(`leaves no blob after ${signal}, and its temp file goes on the next open`, async () => {
      dir = makeScratchDir('crash');
      const store = path.join(dir.path, 'store');
      const { paths } = (await openStore({ root: store })).store;
      const holder = startChild('hold', store);
      await waitForOutput(holder.output, /ready/);
      expect(fs.readdirSync(paths.tmpDir)).toHaveLength(1);
      const temp = path.join(paths.tmpDir, fs.readdirSync(paths.tmpDir)[0]!);
      // The writer keeps one 1 MiB batch in flight (store/blob-writer.ts): when "ready" is printed
      // the second may still be on its way to the file.
      await waitForOutput(() => String(fs.statSync(temp).size), /^[2-9]\d{6}$/, 5_000);
      const partial = fs.statSync(temp).size;
      expect(partial).toBeGreaterThan(2_000_000);
      expect(partial).toBeLessThanOrEqual(3_000_000);
      holder.child.kill(signal);
      expect(await holder.exited).toBe(signal);
      expect(listFiles(paths.sha256Dir)).toEqual([]);
      const { cleaned } = await openStore({ root: store });
      expect(cleaned).toHaveLength(2); // the temp blob and the lease
      expect(await expectValidStore(store)).toEqual([]);
    }, 60_000);
  }
});
