/**
The store is a plain OCI image layout: what glassbox writes, skopeo and umoci read (and unpack
with the whiteouts applied); what skopeo writes, glassbox reads.
*/
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MEDIA } from '../../src/oci/media-types.js';
import { openStore, type ImageStore } from '../../src/store/store.js';
import { buildTestImage, fileEntry, hasTool, openScratchStore, run, type ScratchDir } from '../helpers/store-fixture.js';

const tools = hasTool('skopeo') && hasTool('umoci');

let dir: ScratchDir | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

async function scratch(): Promise<ImageStore> {
  const opened = await openScratchStore('interop');
  dir = opened.dir;
  return opened.store;
}

// Base layer, a layer deleting a file (whiteout), a layer replacing a directory (opaque).
const LAYERS = [
  [{ name: 'etc/', type: 'directory' as const }, fileEntry('etc/keep', 'keep\n'), fileEntry('etc/gone', 'gone\n'), { name: 'data/', type: 'directory' as const }, fileEntry('data/old', 'old\n')],
  [fileEntry('etc/.wh.gone', '')],
  [{ name: 'data/', type: 'directory' as const }, fileEntry('data/.wh..wh..opq', ''), fileEntry('data/new', 'new\n')],
];

describe.runIf(tools)('skopeo and umoci read the store', () => {
  for (const format of ['oci', 'docker'] as const) {
    it(`inspects and unpacks a ${format} image by its full reference`, async () => {
      const store = await scratch();
      const built = await buildTestImage(store, { name: `example.com/team/app:${format}`, format, layers: LAYERS });
      const inspected = JSON.parse(run('skopeo', ['inspect', `oci:${store.root}:example.com/team/app:${format}`])) as { Layers: string[]; Os: string };
      expect(inspected.Layers).toEqual(built.layers.map((layer) => layer.descriptor.digest));
      expect(inspected.Os).toBe('linux');
      expect(run('umoci', ['ls', '--layout', store.root]).trim().split('\n')).toEqual([`example.com/team/app:${format}`]);

      const bundle = path.join(dir!.path, 'bundle');
      run('umoci', ['unpack', '--image', `${store.root}:example.com/team/app:${format}`, bundle]);
      const rootfs = path.join(bundle, 'rootfs');
      expect(fs.readdirSync(path.join(rootfs, 'etc')).sort()).toEqual(['keep']);
      expect(fs.readdirSync(path.join(rootfs, 'data')).sort()).toEqual(['new']);
      expect(fs.readFileSync(path.join(rootfs, 'data', 'new'), 'utf8')).toBe('new\n');
    });
  }

  it('keeps a Docker manifest byte for byte and shows skopeo its OCI rendition', async () => {
    const store = await scratch();
    const built = await buildTestImage(store, { name: 'example.com/team/app:docker', format: 'docker', layers: LAYERS });
    expect(built.manifest.mediaType).toBe(MEDIA.dockerManifest);
    const raw = JSON.parse(run('skopeo', ['inspect', '--raw', `oci:${store.root}:example.com/team/app:docker`])) as { mediaType: string; layers: { digest: string }[] };
    expect(raw.mediaType).toBe(MEDIA.ociManifest);
    expect(raw.layers.map((layer) => layer.digest)).toEqual(built.layers.map((layer) => layer.descriptor.digest));
    const image = store.resolveImage('example.com/team/app:docker');
    expect(image.manifestDescriptor).toMatchObject({ digest: built.manifest.digest, mediaType: MEDIA.dockerManifest });
    expect(store.resolveImage(`example.com/team/app@${built.manifest.digest}`).id).toBe(built.config.digest);
    expect((await store.collectGarbage()).removed).toEqual([]);
  });

  it('reads a layout that skopeo wrote, and skopeo reads the store after rmi and gc', async () => {
    const store = await scratch();
    const kept = await buildTestImage(store, { name: 'example.com/team/app:1', layers: LAYERS });
    await buildTestImage(store, { name: 'example.com/team/other:1', layers: [[fileEntry('x', 'x')]] });
    await store.removeImage('example.com/team/other:1');
    run('skopeo', ['inspect', `oci:${store.root}:example.com/team/app:1`]);

    const copy = path.join(dir!.path, 'copy');
    run('skopeo', ['copy', `oci:${store.root}:example.com/team/app:1`, `oci:${copy}:v1`]);
    const { store: theirs } = await openStore({ root: copy });
    const image = theirs.resolveImage('v1');
    expect(image.layers.map((layer) => layer.digest)).toEqual(kept.layers.map((layer) => layer.descriptor.digest));
    expect(image.config.rootfs.diff_ids).toEqual(kept.layers.map((layer) => layer.diffId));
  });
});
