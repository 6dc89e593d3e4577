/**
`glassbox pull` end to end: the real registry, the real store (src/store) in a temp dir, and
what the user sees: plain lines, a redrawn terminal, --quiet, --json, and Ctrl-C.
*/
import { execFileSync, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { runPull } from '../../src/cli/commands/pull.js';
import { runCli } from '../../src/cli/run.js';
import type { GlobalOptions } from '../../src/cli/run.js';
import { openStore } from '../../src/store/store.js';
import { describeWithRegistry, processAlive, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushFixtures, type Fixtures } from '../helpers/fixture-images.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';

const hasTool = (name: string): boolean => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
const GLOBAL: GlobalOptions = { json: false, lang: 'en', kernel: 'auto', plain: false };

interface Captured {
  code: number;
  out: string;
  err: string;
}

function capture(tty = false): { io: { stdout: PassThrough & { isTTY?: boolean }; stderr: PassThrough }; text: () => { out: string; err: string } } {
  const stdout: PassThrough & { isTTY?: boolean } = new PassThrough();
  if (tty) stdout.isTTY = true;
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  return { io: { stdout, stderr }, text: () => ({ out, err }) };
}

describeWithRegistry('glassbox pull (the command)', 'none', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let fixtures: Fixtures;
  let home: string;
  const root = () => join(home, 'images');
  const openSink = () => openStore({ root: root() });

  beforeAll(async () => {
    registry = await startRegistry();
    fixtures = await pushFixtures(registry);
    proxy = await startFaultProxy(registry.origin);
  });
  afterAll(async () => {
    await proxy?.stop();
    const pid = registry?.pid;
    await registry?.stop();
    if (pid !== undefined) expect(processAlive(pid)).toBe(false);
  });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'glassbox-home-'));
  });
  afterEach(() => {
    proxy.clearRules();
    rmSync(home, { recursive: true, force: true });
  });

  async function pull(args: string[], options: { tty?: boolean; json?: boolean; signals?: EventEmitter } = {}): Promise<Captured> {
    const { io, text } = capture(options.tty);
    const code = await runPull({ ...GLOBAL, json: options.json ?? false }, args, io, {
      openSink,
      ...(options.signals ? { signals: options.signals as unknown as NodeJS.Process } : {}),
    });
    return { code, ...text() };
  }

  const ref = (name: Parameters<Fixtures['repo']>[0]) => `${registry.host}/${fixtures.repo(name)}:v1`;

  it('prints Docker-like plain lines and stores the image', async () => {
    const { code, out } = await pull([ref('oci')]);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe(`Pulling ${ref('oci')} from ${registry.origin}`);
    for (const layer of fixtures.oci.layers) expect(lines).toContain(`${layer.descriptor.digest.slice(7, 19)}: Download complete`);
    expect(lines).toContain(`Digest: ${fixtures.oci.manifest.descriptor.digest}`);
    expect(lines.at(-1)).toBe(ref('oci'));
    const { store } = await openSink();
    try {
      const stored = store.resolveImage(ref('oci'));
      expect(stored.manifestDescriptor.digest).toBe(fixtures.oci.manifest.descriptor.digest);
      expect(stored.names).toContain(ref('oci'));
      for (const blob of [fixtures.oci.config, ...fixtures.oci.layers]) expect(store.hasBlob(blob.descriptor.digest)).toBe(true);
    } finally {
      await store.close();
    }

    const again = await pull([ref('oci')]);
    expect(again.out).toContain(`${fixtures.oci.layers[0]!.descriptor.digest.slice(7, 19)}: Already exists`);
    expect(again.out).toContain(`Status: Image is up to date for ${ref('oci')}`);
  });

  it('redraws one line per layer on a terminal', async () => {
    const { code, out } = await pull([ref('big')], { tty: true });
    expect(code).toBe(0);
    expect(out).toMatch(/\x1b\[\d+A/);
    // Every redraw moves up over exactly the lines the previous frame drew.
    const frames = out.split(/\x1b\[(\d+)A/);
    for (let i = 1; i < frames.length; i += 2) expect(Number(frames[i])).toBe(frames[i - 1]!.split('\n').length - 1);
    // The last frame (after the last cursor-up): header, a line per layer, footer; then the name.
    const lastFrame = out.slice(out.lastIndexOf('A\x1b[2K') + 1).split('\x1b[2K').join('').trimEnd().split('\n');
    expect(lastFrame).toEqual([
      `Pulling ${ref('big')} from ${registry.origin}`,
      `Image ${fixtures.big.manifest.descriptor.digest.slice(7, 19)}`,
      ...fixtures.big.layers.map((layer) => `${layer.descriptor.digest.slice(7, 19)}: Download complete`),
      `Digest: ${fixtures.big.manifest.descriptor.digest}`,
      expect.stringMatching(new RegExp(`^Status: Downloaded 4\\.\\d+MB in \\d+\\.\\d s for ${ref('big')}$`)),
      ref('big'),
    ]);
  });

  it('--quiet prints only the name; --json prints events and the result', async () => {
    expect((await pull(['-q', '--platform', 'linux/arm64', ref('multi')])).out).toBe(`${ref('multi')}\n`);
    const { out } = await pull(['--platform', 'linux/amd64', ref('multi')], { json: true });
    const events = out.trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
    expect(events[0]?.type).toBe('resolving');
    expect(events.some((e) => e.type === 'layer' && e.state === 'done')).toBe(true);
    expect(events.at(-1)).toMatchObject({
      type: 'pulled',
      digest: fixtures.multi.amd64.manifest.descriptor.digest,
      index: fixtures.multi.index.descriptor.digest,
      platform: 'linux/amd64',
    });
  });

  it('refuses bad input before touching the network', async () => {
    const from = proxy.requests.length;
    await expect(pull(['Bad/Name:x:y'])).rejects.toMatchObject({ code: 'OCI_REFERENCE_INVALID' });
    await expect(pull(['--platform', 'linux', ref('oci')])).rejects.toMatchObject({ code: 'OCI_PLATFORM_INVALID' });
    await expect(pull([])).rejects.toMatchObject({ code: 'CLI_USAGE' });
    await expect(pull(['--stall-timeout', 'soon', ref('oci')])).rejects.toMatchObject({ code: 'CLI_USAGE' });
    expect(proxy.requests.length).toBe(from);
  });

  it('stops on Ctrl-C with exit 130, leaving no temp file and no name in the store', async () => {
    const big = fixtures.big.layers[0]!.descriptor.digest;
    proxy.addRule({ path: new RegExp(`/blobs/${big}$`), action: { kind: 'stall', afterBytes: 300_000 } });
    const signals = new EventEmitter();
    const pulling = pull([`${proxy.host}/${fixtures.repo('big')}:v1`], { signals });
    await new Promise((resolve) => setTimeout(resolve, 500));
    signals.emit('SIGINT');
    const { code, err } = await pulling;
    expect(code).toBe(130);
    expect(err).toContain('pull interrupted');
    expect(signals.listenerCount('SIGINT')).toBe(0);
    const { store } = await openSink();
    try {
      expect(store.readIndex().manifests).toHaveLength(0);
      expect(store.hasBlob(big)).toBe(false);
      expect(readdirSync(store.paths.tmpDir)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('leaves an OCI layout that skopeo reads: Docker, OCI and index-pulled images', async (context) => {
    if (!hasTool('skopeo')) {
      if (process.env.GLASSBOX_REQUIRE_REAL === '1') throw new Error('GLASSBOX_REQUIRE_REAL=1 but skopeo is not installed');
      context.skip('skopeo is not installed (apt-get install skopeo)');
    }
    for (const [name, args] of [['docker', []], ['oci', []], ['multi', ['--platform', 'linux/arm64']]] as const) {
      expect((await pull(['-q', ...args, ref(name)])).code).toBe(0);
    }
    const inspect = (name: Parameters<Fixtures['repo']>[0]) =>
      JSON.parse(execFileSync('skopeo', ['inspect', `oci:${root()}:${ref(name)}`], { encoding: 'utf8' })) as { Layers: string[]; Architecture: string };
    expect(inspect('oci').Layers).toEqual(fixtures.oci.layers.map((l) => l.descriptor.digest));
    expect(inspect('docker').Layers).toEqual(fixtures.docker.layers.map((l) => l.descriptor.digest));
    expect(inspect('multi')).toMatchObject({ Architecture: 'arm64', Layers: fixtures.multi.arm64.layers.map((l) => l.descriptor.digest) });
  });

  it('from the CLI bundle, reads its bytecode cache on the next pull instead of writing it again', () => {
    // pull turns a V8 flag on as it runs (skipWasmTierUp), and V8 refuses a cache made under other
    // flags than the next run starts with: pull turns it off at exit, before the bundle's entry
    // takes the cache (src/pull/http.ts, scripts/bundle-entry.cjs).
    const repoRoot = join(import.meta.dirname, '..', '..');
    const bundleDir = join(repoRoot, 'dist', 'bundle');
    if (!existsSync(join(bundleDir, 'main.cjs'))) throw new Error('no CLI bundle: run npm run build first');
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-pull-bundle-'));
    try {
      mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
      for (const file of ['main.cjs', 'glassbox.cjs']) copyFileSync(join(bundleDir, file), join(dir, 'dist', 'bundle', file));
      copyFileSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
      symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
      const node = existsSync(join(repoRoot, 'node_modules', '.bin', 'node')) ? join(repoRoot, 'node_modules', '.bin', 'node') : process.execPath;
      const cacheDir = join(dir, 'dist', 'bundle', 'code-cache');
      const pullOnce = (): void => {
        const result = spawnSync(node, [join(dir, 'dist', 'bundle', 'main.cjs'), 'pull', '-q', ref('oci')], { encoding: 'utf8', env: { ...process.env, GLASSBOX_HOME: join(dir, 'home') } });
        expect(result.status, result.stderr).toBe(0);
      };
      pullOnce();
      const [cache, ...others] = readdirSync(cacheDir);
      expect(others).toEqual([]);
      expect(cache).toMatch(/-pull\.v8$/);
      const first = statSync(join(cacheDir, cache!)).ino;
      pullOnce();
      expect(statSync(join(cacheDir, cache!)).ino).toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is wired into the CLI as `glassbox pull`', async () => {
    const saved = process.env.GLASSBOX_HOME;
    process.env.GLASSBOX_HOME = home;
    try {
      const { io, text } = capture();
      expect(await runCli(['pull', ref('docker')], io)).toBe(0);
      expect(text().out.trimEnd().split('\n').at(-1)).toBe(ref('docker'));
      const help = capture();
      await runCli(['help'], help.io);
      expect(help.text().out).toMatch(/pull REF/);
    } finally {
      if (saved === undefined) delete process.env.GLASSBOX_HOME;
      else process.env.GLASSBOX_HOME = saved;
    }
  });
});
