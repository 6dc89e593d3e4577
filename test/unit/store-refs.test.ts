import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { MEDIA } from '../../src/oci/media-types.js';
import { readStartTime } from '../../src/store/process-alive.js';
import { pairHistory } from '../../src/store/history.js';
import { ANNOTATION_INDEX, ANNOTATION_REF_NAME } from '../../src/store/index-file.js';
import type { ImageStore } from '../../src/store/store.js';
import { nameImage } from '../../src/store/write-image.js';
import { buildTestImage, fileEntry, listFiles, openScratchStore, type ScratchDir } from '../helpers/store-fixture.js';

let dir: ScratchDir | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

async function scratch(options: Parameters<typeof openScratchStore>[1] = {}): Promise<ImageStore> {
  const opened = await openScratchStore('refs', options);
  dir = opened.dir;
  return opened.store;
}

const base = [fileEntry('etc/os-release', 'NAME=test\n'), fileEntry('bin/tool', 'x'.repeat(1000), 0o755)];

describe('references', () => {
  it('names an image by its full reference and resolves the forms a user types', async () => {
    const store = await scratch();
    const built = await buildTestImage(store, { name: 'docker.io/library/demo:1', layers: [base, [fileEntry('a', 'a')]] });
    const index = store.readIndex();
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]!.annotations?.[ANNOTATION_REF_NAME]).toBe('docker.io/library/demo:1');
    for (const input of ['demo:1', 'library/demo:1', 'docker.io/library/demo:1', built.config.digest.slice(7, 19), built.config.digest, `demo@${built.manifest.digest}`]) {
      const image = store.resolveImage(input);
      expect(image.id).toBe(built.config.digest);
      expect(image.layers.map((layer) => layer.digest)).toEqual(built.layers.map((layer) => layer.descriptor.digest));
      expect(image.config.rootfs.diff_ids).toEqual(built.layers.map((layer) => layer.diffId));
    }
    expect(() => store.resolveImage('demo:2')).toThrow(/no such image: demo:2/);
    expect(() => store.resolveImage('demo')).toThrow(/no such image/);
  });

  it('finds an image made on this machine by its short name, after Docker Hub names', async () => {
    const store = await scratch();
    const local = await buildTestImage(store, { name: 'glassbox.local/demo:latest', layers: [base] });
    expect(store.resolveImage('demo').id).toBe(local.config.digest);
    expect(() => store.resolveImage('docker.io/library/demo')).toThrow(/no such image/);
    const hub = await buildTestImage(store, { name: 'docker.io/library/demo:latest', layers: [[fileEntry('hub', 'h')]] });
    expect(store.resolveImage('demo').id).toBe(hub.config.digest);
    // rmi by the short name removes that one name, as any name.
    await nameImage(store, 'glassbox.local/demo:other', local.manifest);
    await store.removeImage('demo');
    expect(store.resolveImage('demo').id).toBe(local.config.digest);
    expect((await store.removeImage('demo')).untagged).toEqual(['glassbox.local/demo:latest']);
    expect(store.resolveImage('demo:other').id).toBe(local.config.digest);
  });

  it('pairs history steps with layers, skipping empty ones', async () => {
    const store = await scratch();
    await buildTestImage(store, { name: 'docker.io/library/demo:1', layers: [base, [fileEntry('a', 'a')]] });
    const image = store.resolveImage('demo:1');
    const rows = pairHistory(image.config, image.layers);
    expect(rows.map((row) => [row.step.created_by, row.layer?.digest])).toEqual([
      ['test layer 0', image.layers[0]!.digest],
      ['test layer 1', image.layers[1]!.digest],
      ['CMD ["/bin/sh"]', undefined],
    ]);
  });

  it('replaces a name in place when it is given to another image', async () => {
    const store = await scratch();
    await buildTestImage(store, { name: 'docker.io/library/demo:latest', layers: [base] });
    const second = await buildTestImage(store, { name: 'docker.io/library/demo:latest', layers: [[fileEntry('new', 'n')]] });
    expect(store.readIndex().manifests.map((entry) => entry.digest)).toEqual([second.manifest.digest]);
    const gc = await store.collectGarbage();
    expect(gc.removed.length).toBe(3); // the old manifest, config and layer
    expect(store.resolveImage('demo').id).toBe(second.config.digest);
  });
});

describe('pull into the store (BlobSink)', () => {
  async function pushBlob(store: ImageStore, bytes: Buffer, mediaType: string): Promise<{ mediaType: string; digest: string; size: number }> {
    const { createHash } = await import('node:crypto');
    const descriptor = { mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };
    if (await store.has(descriptor.digest)) return descriptor;
    const writer = await store.begin(descriptor);
    await writer.write(bytes);
    await writer.commit();
    return descriptor;
  }

  it('names the image only when every blob is there, and keeps the index it came through', async () => {
    const store = await scratch();
    const layer = await pushBlob(store, Buffer.from('layer bytes'), MEDIA.ociLayer);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }));
    const configDescriptor = { mediaType: MEDIA.ociConfig, digest: '', size: 0 };
    Object.assign(configDescriptor, await pushBlob(store, config, MEDIA.ociConfig));
    const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: configDescriptor, layers: [layer] }));
    const missingLayer = { ...layer, digest: `sha256:${'0'.repeat(64)}` };
    const badManifest = await pushBlob(store, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: configDescriptor, layers: [missingLayer] })), MEDIA.ociManifest);
    await expect(store.setRef({ name: 'example.com/r:bad', manifest: badManifest })).rejects.toMatchObject({ code: 'STORE_BLOB_MISSING' });
    expect(store.readIndex().manifests).toEqual([]);

    const manifest = { ...(await pushBlob(store, manifestBytes, MEDIA.ociManifest)), platform: { os: 'linux', architecture: 'amd64' } };
    const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [manifest, { ...manifest, digest: `sha256:${'1'.repeat(64)}`, platform: { os: 'linux', architecture: 'arm64' } }] }));
    const index = await pushBlob(store, indexBytes, MEDIA.ociIndex);
    await store.setRef({ name: 'example.com/r:1', manifest, index });
    const entry = store.readIndex().manifests[0]!;
    expect(entry).toMatchObject({ digest: manifest.digest, platform: { os: 'linux', architecture: 'amd64' } });
    expect(entry.annotations?.[ANNOTATION_INDEX]).toBe(index.digest);
    const image = store.resolveImage(`example.com/r@${index.digest}`);
    expect(image.index?.descriptor.digest).toBe(index.digest);
    expect(image.manifestDescriptor.digest).toBe(manifest.digest);
    // The bad manifest is garbage, the index is not.
    const gc = await store.collectGarbage();
    expect(gc.removed.map((blob) => blob.digest)).toEqual([badManifest.digest]);
    expect(fs.readdirSync(store.paths.leasesDir)).toEqual([]);
  });
});

describe('rmi and garbage collection', () => {
  it('untags one name, then deletes the image and only its own blobs', async () => {
    const store = await scratch();
    const shared = await buildTestImage(store, { name: 'docker.io/library/one:1', layers: [base, [fileEntry('one', '1')]] });
    const other = await buildTestImage(store, { name: 'docker.io/library/two:1', layers: [base, [fileEntry('two', '2')]] });
    await nameImage(store, 'docker.io/library/one:alias', shared.manifest);

    const untag = await store.removeImage('one:alias');
    expect(untag).toMatchObject({ untagged: ['docker.io/library/one:alias'] });
    expect(untag.deleted).toBeUndefined();
    expect(untag.gc?.removed).toEqual([]);

    await nameImage(store, 'docker.io/library/one:alias', shared.manifest);
    await expect(store.removeImage(shared.config.digest.slice(7, 19))).rejects.toMatchObject({ code: 'STORE_IMAGE_MULTIPLE_NAMES' });
    const removed = await store.removeImage(shared.config.digest.slice(7, 19), { force: true });
    expect(removed.untagged.sort()).toEqual(['docker.io/library/one:1', 'docker.io/library/one:alias']);
    expect(removed.deleted?.id).toBe(shared.config.digest);
    const gone = removed.gc!.removed.map((blob) => blob.digest).sort();
    expect(gone).toEqual([shared.manifest.digest, shared.config.digest, shared.layers[1]!.descriptor.digest].sort());
    // The shared base layer is still used by the other image.
    expect(store.hasBlob(shared.layers[0]!.descriptor.digest)).toBe(true);
    expect(store.resolveImage('two:1').id).toBe(other.config.digest);
  });

  it('refuses to remove an image a container uses, and changes nothing', async () => {
    const seen: string[] = [];
    const store = await scratch({ imageUsers: (image) => (seen.push(image.id), ['c0ffee']) });
    const built = await buildTestImage(store, { name: 'docker.io/library/busy:1', layers: [base] });
    const before = fs.readFileSync(store.paths.indexFile, 'utf8');
    await expect(store.removeImage('busy:1')).rejects.toMatchObject({ code: 'STORE_IMAGE_IN_USE', message: /used by container c0ffee/ });
    expect(seen).toEqual([built.config.digest]);
    expect(fs.readFileSync(store.paths.indexFile, 'utf8')).toBe(before);
    expect(listFiles(store.paths.sha256Dir)).toHaveLength(3);
  });

  it('does not sweep while another live process holds a lease', async () => {
    const store = await scratch();
    await buildTestImage(store, { name: 'docker.io/library/gone:1', layers: [base] });
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      fs.writeFileSync(path.join(store.paths.leasesDir, `${child.pid}-${readStartTime(child.pid!)}-abc123`), '');
      const kept = await store.removeImage('gone:1');
      expect(kept.gc).toMatchObject({ removed: [], skipped: '1 pull or load in progress' });
      expect(listFiles(store.paths.sha256Dir)).toHaveLength(3);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    const swept = await store.collectGarbage();
    expect(swept.removed).toHaveLength(3);
    expect(listFiles(store.paths.sha256Dir)).toEqual([]);
    // The dead child's lease went with the sweep; ours (from writing the image) goes with close().
    expect(fs.readdirSync(store.paths.leasesDir)).toHaveLength(1);
    await store.close();
    expect(fs.readdirSync(store.paths.leasesDir)).toEqual([]);
  });

  it('says so when index.json is damaged', async () => {
    const store = await scratch();
    fs.writeFileSync(store.paths.indexFile, '{"schemaVersion":2,"manifests":[{"digest":"sha256:nope"}]}');
    expect(() => store.readIndex()).toThrow(/index.json is not a valid OCI index/);
  });
});
