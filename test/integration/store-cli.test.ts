/**
The image commands end to end through runCli, on a store in a scratch GLASSBOX_HOME: what a
user sees (Docker's tables and messages) and what --json gives, and serve answering while it
runs until its stop signal.
*/
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runServe } from '../../src/cli/commands/serve.js';
import { runRmi } from '../../src/cli/commands/rmi.js';
import { runLoad } from '../../src/cli/commands/load.js';
import { runCli, type GlobalOptions } from '../../src/cli/run.js';
import { formatBytes } from '../../src/cli/commands/image-format.js';
import type { RunningRegistry } from '../../src/serve/start-server.js';
import { openStore, type ImageStore } from '../../src/store/store.js';
import { buildTestImage, fileEntry, makeScratchDir, type ScratchDir } from '../helpers/store-fixture.js';

const GLOBAL: GlobalOptions = { json: false, lang: 'en', kernel: 'auto', plain: false };

let home: ScratchDir;
let savedHome: string | undefined;
let store: ImageStore;
let alpha: Awaited<ReturnType<typeof buildTestImage>>;

beforeEach(async () => {
  home = makeScratchDir('cli');
  savedHome = process.env.GLASSBOX_HOME;
  process.env.GLASSBOX_HOME = home.path;
  store = (await openStore()).store;
  alpha = await buildTestImage(store, {
    name: 'docker.io/library/alpha:1',
    created: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    layers: [[fileEntry('a', 'a'.repeat(2000))], [fileEntry('.wh.a', '')]],
  });
  await buildTestImage(store, { name: 'ghcr.io/team/beta:2', layers: [[fileEntry('b', 'b')]] });
  await store.close();
});

afterEach(() => {
  if (savedHome === undefined) delete process.env.GLASSBOX_HOME;
  else process.env.GLASSBOX_HOME = savedHome;
  home.remove();
});

function capture(): { io: { stdout: PassThrough & { isTTY?: boolean }; stderr: PassThrough }; out: () => string; err: () => string } {
  const stdout: PassThrough & { isTTY?: boolean } = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await runCli(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('images, inspect, history', () => {
  it('lists images like docker images, and as JSON', async () => {
    const { code, out } = await cli('images');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s{3,}TAG\s{3,}IMAGE ID\s{3,}CREATED\s{3,}SIZE$/);
    expect(lines).toHaveLength(3);
    const size = formatBytes(alpha.config.size + alpha.layers.reduce((sum, layer) => sum + layer.descriptor.size, 0));
    expect(lines.find((line) => line.startsWith('alpha '))).toMatch(new RegExp(`^alpha\\s+1\\s+${alpha.config.digest.slice(7, 19)}\\s+3 days ago\\s+${size}$`));
    expect(lines.find((line) => line.startsWith('ghcr.io/team/beta '))).toMatch(/^ghcr\.io\/team\/beta\s+2\s/);
    expect((await cli('images', 'alpha')).out.trimEnd().split('\n')).toHaveLength(2);
    expect((await cli('images', '-q', '--no-trunc', 'alpha:1')).out).toBe(`${alpha.config.digest}\n`);
    const json = JSON.parse((await cli('images', '--json')).out) as { name: string; id: string; size: number }[];
    expect(json.find((row) => row.name === 'docker.io/library/alpha:1')).toMatchObject({ id: alpha.config.digest });
  });

  it('inspects an image as a JSON array with the manifest and layers', async () => {
    const { code, out } = await cli('inspect', 'alpha:1');
    expect(code).toBe(0);
    const [image] = JSON.parse(out) as { Id: string; RepoTags: string[]; RepoDigests: string[]; Manifest: { digest: string }; Layers: { digest: string; diffId: string }[] }[];
    expect(image).toMatchObject({ Id: alpha.config.digest, RepoTags: ['alpha:1'], RepoDigests: [`alpha@${alpha.manifest.digest}`], Manifest: { digest: alpha.manifest.digest } });
    expect(image!.Layers.map((layer) => [layer.digest, layer.diffId])).toEqual(alpha.layers.map((layer) => [layer.descriptor.digest, layer.diffId]));
    const missing = await cli('inspect', 'alpha:1', 'nope');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out)).toHaveLength(1);
    expect(missing.err).toMatch(/no such image: nope/);
  });

  it('shows the history newest first, with <missing> below the image', async () => {
    const { out } = await cli('history', 'alpha:1');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(lines[1]).toMatch(new RegExp(`^${alpha.config.digest.slice(7, 19)}\\s+3 days ago\\s+CMD \\["/bin/sh"\\]\\s+0B$`));
    expect(lines[2]).toMatch(/^<missing>\s+3 days ago\s+test layer 1\s+\d+B$/);
    expect(lines[3]).toMatch(/^<missing>\s+3 days ago\s+test layer 0\s+\d+B$/);
    const json = JSON.parse((await cli('history', '--json', 'alpha:1')).out) as { history: { layer?: { diffId: string } }[] };
    expect(json.history.map((step) => step.layer?.diffId)).toEqual([undefined, alpha.layers[1]!.diffId, alpha.layers[0]!.diffId]);
  });
});

describe('rmi', () => {
  it('untags and deletes like docker rmi, and refuses an image in use', async () => {
    const inUse = capture();
    expect(await runRmi(GLOBAL, ['ghcr.io/team/beta:2'], inUse.io, { imageUsers: () => ['web-1'] })).toBe(1);
    expect(inUse.err()).toMatch(/image ghcr.io\/team\/beta:2 is used by container web-1/);

    const { code, out } = await cli('rmi', 'alpha:1', 'nope');
    expect(code).toBe(1);
    expect(out).toMatch(/^Untagged: alpha:1\n/);
    expect(out).toContain(`Deleted: ${alpha.manifest.digest}`);
    expect(out).toContain(`Deleted: ${alpha.layers[0]!.descriptor.digest}`);
    expect((await cli('images', '-q')).out.trim().split('\n')).toHaveLength(1);
  });
});

describe('save and load', () => {
  it('saves to a file and loads it into another home, printing what it loaded', async () => {
    const archive = path.join(home.path, 'images.tar');
    const saved = await cli('save', '-o', archive, 'alpha:1', 'ghcr.io/team/beta:2');
    expect(saved.code).toBe(0);
    expect(saved.err).toMatch(/saved alpha:1, ghcr.io\/team\/beta:2 to .*images\.tar/);
    expect(fs.readdirSync(home.path).filter((name) => name.includes('.part'))).toEqual([]);

    process.env.GLASSBOX_HOME = path.join(home.path, 'other');
    const loaded = await cli('load', '-i', archive);
    expect(loaded).toMatchObject({ code: 0, out: 'Loaded image: alpha:1\nLoaded image: ghcr.io/team/beta:2\n' });
    const stdin = Object.assign(fs.createReadStream(archive), { isTTY: false });
    const again = capture();
    expect(await runLoad({ ...GLOBAL, json: true }, [], again.io, { stdin })).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ format: 'oci', images: [{ id: alpha.config.digest }, {}] });
  });

  it('refuses to write an archive to a terminal or read one from it', async () => {
    const tty = capture();
    tty.io.stdout.isTTY = true;
    expect(await runCli(['save', 'alpha:1'], tty.io)).toBe(2);
    expect(tty.err()).toMatch(/refusing to write an archive to a terminal/);
    const fromTty = capture();
    expect(await runLoad(GLOBAL, [], fromTty.io, { stdin: Object.assign(new PassThrough(), { isTTY: true }) }).catch((error: Error) => error.message)).toMatch(/standard input, but it is a terminal/);
  });
});

describe('serve', () => {
  it('serves until stopped, logging each request', async () => {
    const signals = new EventEmitter();
    const out = capture();
    let registry: RunningRegistry | undefined;
    const running = runServe(GLOBAL, ['127.0.0.1:0'], out.io, {
      signals: signals as unknown as NodeJS.Process,
      onListening: (r) => (registry = r),
    });
    while (registry === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    try {
      const res = await fetch(`${registry.url}/v2/alpha/manifests/1`);
      expect(res.status).toBe(200);
      expect(res.headers.get('docker-content-digest')).toBe(alpha.manifest.digest);
      await res.arrayBuffer();
    } finally {
      signals.emit('SIGINT');
    }
    expect(await running).toBe(0);
    expect(out.out()).toMatch(/serving .* read-only on http:\/\/127\.0\.0\.1:\d+/);
    expect(out.out()).toMatch(/images: alpha:1, team\/beta:2/);
    expect(out.out()).toMatch(/GET \/v2\/alpha\/manifests\/1 200 \d+B/);
    expect(out.err()).toBe('stopped\n');
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
  });

  it('refuses a bad address', async () => {
    const { code, err } = await cli('serve', 'no:where:at-all');
    expect(code).toBe(2);
    expect(err).toMatch(/invalid address/);
  });
});
