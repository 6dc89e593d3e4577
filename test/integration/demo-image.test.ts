/**
The embedded demo image: built from this machine's busybox and gbx-probe, reproducibly, with
a whiteout layer and an opaque directory; umoci applies them as a runtime would; and the
tour's offline registry serves it to a real pull.
*/
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDemoImage } from '../../src/demo/build-demo.js';
import { readDemoRecord, writeDemoRecord } from '../../src/demo/demo-cache.js';
import { startDemoRegistry } from '../../src/demo/demo-registry.js';
import { DEMO_REFERENCE, findDemoSources, isStaticExecutable } from '../../src/demo/demo-plan.js';
import { pullImage } from '../../src/pull/pull-image.js';
import { pairHistory } from '../../src/store/history.js';
import { openStore, type ImageStore } from '../../src/store/store.js';
import { readTarEntries } from '../../src/unpack/tar-archive.js';
import { expectValidStore, hasTool, makeScratchDir, run, type ScratchDir } from '../helpers/store-fixture.js';

const sources = findDemoSources();
const requireAll = process.env.GLASSBOX_REQUIRE_REAL === '1';

let dir: ScratchDir | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

async function scratchStore(name: string): Promise<ImageStore> {
  dir ??= makeScratchDir('demo');
  return (await openStore({ root: path.join(dir.path, name) })).store;
}

async function layerNames(store: ImageStore, digest: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const tar = gunzipSync(fs.readFileSync(store.blobPath(digest)));
  for await (const entry of readTarEntries(Readable.from([tar]))) names.set(entry.header.name, entry.header.type);
  return names;
}

describe('the demo image', () => {
  it('uses what this machine has: a static busybox and the built probe', () => {
    if (requireAll || fs.existsSync('/bin/busybox')) expect(sources.busybox).toBe('/bin/busybox');
    if (sources.probe !== undefined) expect(isStaticExecutable(sources.probe)).toBe(true);
    // A dynamic executable is not taken: it could not run in the image's empty root.
    expect(isStaticExecutable(process.execPath)).toBe(false);
    expect(isStaticExecutable('/etc/passwd')).toBe(false);
  });

  it('has a base layer, a whiteout layer and an opaque directory, each named in the history', async () => {
    const store = await scratchStore('one');
    const demo = await buildDemoImage(store, sources);
    const image = store.resolveImage(DEMO_REFERENCE);
    expect(image.manifestDescriptor.digest).toBe(demo.manifest.digest);
    expect(demo.layers.map((layer) => layer.name)).toEqual(sources.probe ? ['base', 'probe', 'delete', 'replace'] : ['base', 'delete', 'replace']);

    const base = await layerNames(store, demo.layers[0]!.descriptor.digest);
    expect(base.get('etc/motd')).toBe('file');
    expect(base.get('var/www/old.html')).toBe('file');
    if (sources.busybox) {
      expect(base.get('bin/busybox')).toBe('file');
      expect(base.get('bin/sh')).toBe('symlink');
    }
    const deleting = await layerNames(store, demo.layers.find((l) => l.name === 'delete')!.descriptor.digest);
    expect([...deleting.keys()]).toEqual(['etc/', 'etc/.wh.motd']);
    const replacing = await layerNames(store, demo.layers.find((l) => l.name === 'replace')!.descriptor.digest);
    expect([...replacing.keys()]).toEqual(['var/', 'var/www/', 'var/www/.wh..wh..opq', 'var/www/index.html']);

    const rows = pairHistory(image.config, image.layers).filter((row) => row.layer !== undefined);
    expect(rows.map((row) => row.layer!.digest)).toEqual(demo.layers.map((layer) => layer.descriptor.digest));
    expect(rows.map((row) => row.step.created_by)).toEqual(demo.layers.map((layer) => layer.createdBy));
    expect(rows.find((row) => row.step.created_by === 'RUN rm /etc/motd')).toBeDefined();
    expect(image.config.config?.Cmd).toEqual(sources.busybox ? ['/bin/sh'] : expect.any(Array));
  });

  it('is reproducible: two builds give the same digests, and a rebuild changes nothing', async () => {
    const first = await buildDemoImage(await scratchStore('a'), sources);
    const secondStore = await scratchStore('b');
    const second = await buildDemoImage(secondStore, sources);
    expect(second.manifest.digest).toBe(first.manifest.digest);
    expect(second.layers.map((layer) => layer.descriptor.digest)).toEqual(first.layers.map((layer) => layer.descriptor.digest));
    expect(second.changed).toBe(true);
    const index = fs.readFileSync(secondStore.paths.indexFile, 'utf8');
    expect((await buildDemoImage(secondStore, sources)).changed).toBe(false);
    expect(fs.readFileSync(secondStore.paths.indexFile, 'utf8')).toBe(index);
  });

  it.runIf(sources.probe !== undefined || sources.busybox !== undefined)('is built once per store: a second build finds it, a changed source or a removed image builds it again', async () => {
    const store = await scratchStore('cache');
    // A copy of the probe (or of busybox) whose mtime the test may change.
    const own = path.join(dir!.path, 'own-probe');
    fs.copyFileSync((sources.probe ?? sources.busybox)!, own);
    fs.chmodSync(own, 0o755);
    const mine = sources.probe !== undefined ? { ...sources, probe: own } : { ...sources, busybox: own };
    const first = await buildDemoImage(store, mine);
    expect(first.changed).toBe(true);
    const record = path.join(store.paths.privateDir, 'demo-build.json');
    const recorded = fs.readFileSync(record, 'utf8');
    expect(JSON.parse(recorded)).toEqual({ fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), manifest: first.manifest.digest });
    expect(fs.readdirSync(store.paths.tmpDir)).toEqual([]);

    const blobs = (): string[] => fs.readdirSync(store.paths.sha256Dir).map((name) => `${name} ${fs.statSync(path.join(store.paths.sha256Dir, name)).mtimeMs}`).sort();
    const before = blobs();
    const index = fs.readFileSync(store.paths.indexFile, 'utf8');
    const again = await buildDemoImage(store, mine);
    expect(again).toEqual({ ...first, changed: false });
    expect(blobs()).toEqual(before);
    expect(fs.readFileSync(store.paths.indexFile, 'utf8')).toBe(index);
    expect(fs.readFileSync(record, 'utf8')).toBe(recorded);

    // Same bytes, newer file: built again (to the same digests), and the record follows.
    fs.utimesSync(own, new Date(), new Date(Date.now() + 5000));
    const touched = await buildDemoImage(store, mine);
    expect(touched.manifest.digest).toBe(first.manifest.digest);
    expect(fs.readFileSync(record, 'utf8')).not.toBe(recorded);

    // rmi takes the blobs: the record alone does not make an image.
    await store.removeImage(DEMO_REFERENCE);
    const rebuilt = await buildDemoImage(store, mine);
    expect(rebuilt.changed).toBe(true);
    expect(store.resolveImage(DEMO_REFERENCE).manifestDescriptor.digest).toBe(first.manifest.digest);
    await store.close();
    expect(await expectValidStore(store.root)).toEqual([DEMO_REFERENCE]);

    // A record's temp file left by a writer that died (pid above any pid_max) goes when the store opens.
    const crashed = path.join(store.paths.tmpDir, '4194305-1-0123456789ab.json');
    fs.writeFileSync(crashed, '{"fingerprint":');
    const reopened = (await openStore({ root: store.root })).store;
    expect(fs.existsSync(crashed)).toBe(false);
    expect(readDemoRecord(reopened)).toEqual(JSON.parse(fs.readFileSync(record, 'utf8')));
    // A write that fails at the rename (the record's name taken by a directory) leaves no temp file.
    fs.rmSync(record);
    fs.mkdirSync(record);
    fs.writeFileSync(path.join(record, 'x'), '');
    await expect(writeDemoRecord(reopened, { fingerprint: 'f', manifest: first.manifest.digest })).rejects.toThrow();
    expect(fs.readdirSync(reopened.paths.tmpDir)).toEqual([]);
    expect(fs.readdirSync(reopened.paths.privateDir).filter((name) => name.startsWith('demo-build'))).toEqual(['demo-build.json']);
    fs.rmSync(record, { recursive: true });
    await reopened.close();
  });

  it.runIf(hasTool('umoci'))('unpacks with the file deleted and the directory replaced', async () => {
    const store = await scratchStore('unpack');
    await buildDemoImage(store, sources);
    const bundle = path.join(dir!.path, 'bundle');
    run('umoci', ['unpack', '--image', `${store.root}:${DEMO_REFERENCE}`, bundle]);
    const rootfs = path.join(bundle, 'rootfs');
    expect(fs.existsSync(path.join(rootfs, 'etc', 'motd'))).toBe(false);
    expect(fs.existsSync(path.join(rootfs, 'etc', 'os-release'))).toBe(true);
    expect(fs.readdirSync(path.join(rootfs, 'var', 'www'))).toEqual(['index.html']);
    expect(fs.readFileSync(path.join(rootfs, 'var', 'www', 'index.html'), 'utf8')).toBe('<h1>top layer</h1>\n');
    if (sources.busybox) {
      // Static, so it runs from the unpacked root as it is.
      const echo = spawnSync(path.join(rootfs, 'bin', 'busybox'), ['echo', 'from the demo image'], { encoding: 'utf8' });
      expect(echo.stdout).toBe('from the demo image\n');
    }
    if (sources.probe) expect(fs.statSync(path.join(rootfs, 'usr', 'local', 'bin', 'gbx-probe')).mode & 0o111).not.toBe(0);
  });
});

describe('the demo registry', () => {
  it('serves the demo on loopback, and a pull into another store downloads every layer', async () => {
    dir = makeScratchDir('demo-registry');
    const demo = await startDemoRegistry({ root: path.join(dir.path, 'source'), sources });
    try {
      expect(demo.reference).toMatch(/^127\.0\.0\.1:\d+\/demo:latest$/);
      expect(demo.registry.warning).toBeUndefined();
      const target = (await openStore({ root: path.join(dir.path, 'learner') })).store;
      const pulled = await pullImage(demo.reference, target);
      expect(pulled.manifest.digest).toBe(demo.demo.manifest.digest);
      expect(pulled.reused).toBe(0);
      expect(pulled.downloaded).toBe(demo.demo.layers.reduce((sum, layer) => sum + layer.descriptor.size, 0));
      expect(await expectValidStore(target.root)).toEqual([demo.reference]);
    } finally {
      await demo.close();
    }
  });
});
