/**
save and load: the round trip between two stores, archives written by skopeo (OCI and classic
docker-save), a hand-made legacy docker-save with a symlinked layer and a gzip layer, and
archives that lie (a blob that is not what its name says, a layer that is not its diff_id,
a truncated tar): refused, with nothing left in the store.
*/
import fs from 'node:fs';
import path from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadArchive } from '../../src/store/archive-load.js';
import { saveImages } from '../../src/store/archive-save.js';
import { openStore, type ImageStore } from '../../src/store/store.js';
import { tarToBuffer } from '../../src/unpack/tar-archive.js';
import { buildTestImage, expectValidStore, fileEntry, hasTool, listFiles, makeScratchDir, run, tarBytes, type ScratchDir } from '../helpers/store-fixture.js';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let dir: ScratchDir | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

async function twoStores(): Promise<{ from: ImageStore; to: ImageStore; file: (name: string) => string }> {
  dir = makeScratchDir('archive');
  const from = (await openStore({ root: path.join(dir.path, 'from') })).store;
  const to = (await openStore({ root: path.join(dir.path, 'to') })).store;
  return { from, to, file: (name) => path.join(dir!.path, name) };
}

const LAYERS = [
  [{ name: 'etc/', type: 'directory' as const }, fileEntry('etc/keep', 'keep\n'), fileEntry('etc/gone', 'gone\n')],
  [fileEntry('etc/.wh.gone', '')],
];

async function saveTo(store: ImageStore, inputs: string[], file: string): Promise<void> {
  await pipeline(saveImages(store, inputs).stream, fs.createWriteStream(file));
}

function snapshot(store: ImageStore): { index: string; blobs: string[]; tmp: string[] } {
  return { index: fs.readFileSync(store.paths.indexFile, 'utf8'), blobs: listFiles(store.paths.sha256Dir), tmp: listFiles(store.paths.tmpDir) };
}

describe('save and load', () => {
  it('round-trips images between stores, byte for byte, and saves reproducibly', async () => {
    const { from, to, file } = await twoStores();
    const a = await buildTestImage(from, { name: 'docker.io/library/alpha:1', layers: LAYERS });
    const b = await buildTestImage(from, { name: 'example.com/team/beta:2', format: 'docker', layers: [LAYERS[0]!, [fileEntry('b', 'b')]] });
    await saveTo(from, ['alpha:1', 'example.com/team/beta:2'], file('one.tar'));
    await saveTo(from, ['alpha:1', 'example.com/team/beta:2'], file('two.tar'));
    expect(sha(fs.readFileSync(file('one.tar')))).toBe(sha(fs.readFileSync(file('two.tar'))));

    const result = await loadArchive(to, fs.createReadStream(file('one.tar')));
    expect(result.format).toBe('oci');
    expect(result.images.map((image) => [image.names, image.id])).toEqual([
      [['docker.io/library/alpha:1'], a.config.digest],
      [['example.com/team/beta:2'], b.config.digest],
    ]);
    expect(to.resolveImage('alpha:1').manifestDescriptor.digest).toBe(a.manifest.digest);
    // The Docker manifest travels as it was: same digest on the other side.
    expect(to.resolveImage('example.com/team/beta:2').manifestDescriptor.digest).toBe(b.manifest.digest);
    expect(listFiles(to.paths.sha256Dir)).toEqual(listFiles(from.paths.sha256Dir));
    expect(await expectValidStore(to.root)).toEqual(['docker.io/library/alpha:1', 'example.com/team/beta:2']);
  });

  it('loads a gzip-compressed archive (save | gzip)', async () => {
    const { from, to, file } = await twoStores();
    await buildTestImage(from, { name: 'docker.io/library/alpha:1', layers: LAYERS });
    await pipeline(saveImages(from, ['alpha:1']).stream, createGzip(), fs.createWriteStream(file('a.tar.gz')));
    const result = await loadArchive(to, fs.createReadStream(file('a.tar.gz')));
    expect(result.images[0]!.names).toEqual(['docker.io/library/alpha:1']);
  });

  it('refuses a blob whose bytes are not what its name says, and keeps nothing', async () => {
    const { from, to, file } = await twoStores();
    await buildTestImage(to, { name: 'docker.io/library/already:1', layers: [[fileEntry('x', 'x')]] });
    const built = await buildTestImage(from, { name: 'docker.io/library/alpha:1', layers: LAYERS });
    await saveTo(from, ['alpha:1'], file('good.tar'));
    const before = snapshot(to);
    // Flip one byte inside the second layer's content in the tar (its data follows its header).
    const tar = fs.readFileSync(file('good.tar'));
    const hex = built.layers[1]!.descriptor.digest.slice(7);
    let at = -1;
    do at = tar.indexOf(Buffer.from(`blobs/sha256/${hex}\0`), at + 1);
    while (at % 512 !== 0); // the entry's header, not a mention in index.json
    tar[at + 532] = tar[at + 532]! ^ 0xff;
    await expect(loadArchive(to, Readable.from([tar]))).rejects.toMatchObject({ code: 'STORE_DIGEST_MISMATCH', message: new RegExp(hex) });
    expect(snapshot(to)).toEqual(before);
  });

  it('refuses a truncated archive and keeps nothing', async () => {
    const { from, to, file } = await twoStores();
    await buildTestImage(from, { name: 'docker.io/library/alpha:1', layers: LAYERS });
    await saveTo(from, ['alpha:1'], file('good.tar'));
    const tar = fs.readFileSync(file('good.tar'));
    const before = snapshot(to);
    await expect(loadArchive(to, Readable.from([tar.subarray(0, tar.length - 3000)]))).rejects.toThrow();
    expect(snapshot(to)).toEqual(before);
  });
});

describe('load of classic docker-save archives', () => {
  async function legacyArchive(options: { corruptLayer?: boolean } = {}): Promise<Buffer> {
    const layerOne = await tarBytes([fileEntry('hello.txt', 'hello\n')]);
    const layerTwo = await tarBytes([fileEntry('second.txt', 'two\n')]);
    const diffIds = [layerOne, layerTwo, layerOne].map((layer) => `sha256:${sha(layer)}`);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/hello'] }, rootfs: { type: 'layers', diff_ids: diffIds }, history: [{ created_by: 'one' }, { created_by: 'two' }, { created_by: 'one again' }] }));
    const configName = `${sha(config)}.json`;
    const second = options.corruptLayer === true ? await tarBytes([fileEntry('second.txt', 'evil\n')]) : layerTwo;
    return tarToBuffer(
      (await import('../../src/unpack/tar-archive.js')).packTar([
        { name: 'aaaa/', type: 'directory' },
        fileEntry('aaaa/VERSION', '1.0'),
        fileEntry('aaaa/json', '{}'),
        fileEntry('aaaa/layer.tar', layerOne),
        { name: 'bbbb/', type: 'directory' },
        fileEntry('bbbb/layer.tar', gzipSync(second)),
        { name: 'cccc/', type: 'directory' },
        // Docker links a repeated layer to its first copy.
        { name: 'cccc/layer.tar', type: 'symlink', linkname: '../aaaa/layer.tar' },
        fileEntry(configName, config),
        fileEntry('repositories', JSON.stringify({ 'example.com/legacy': { v1: 'cccc' } })),
        fileEntry('manifest.json', JSON.stringify([{ Config: configName, RepoTags: ['example.com/legacy:v1', 'legacy:latest'], Layers: ['aaaa/layer.tar', 'bbbb/layer.tar', 'cccc/layer.tar'] }])),
      ]),
    );
  }

  it('imports it as an OCI image, checking every layer against its diff_id', async () => {
    const { to } = await twoStores();
    const result = await loadArchive(to, Readable.from([await legacyArchive()]));
    expect(result.format).toBe('docker');
    expect(result.images[0]!.names).toEqual(['example.com/legacy:v1', 'docker.io/library/legacy:latest']);
    const image = to.resolveImage('legacy');
    expect(image.layers.map((layer) => layer.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar',
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar',
    ]);
    expect(image.config.config?.Cmd).toEqual(['/hello']);
    // VERSION and json files are not blobs; the legacy layer files are all used.
    expect(result.gc.removed).toEqual([]);
    expect(await expectValidStore(to.root)).toEqual(['docker.io/library/legacy:latest', 'example.com/legacy:v1']);
  });

  it('refuses a layer that does not match its diff_id, and keeps nothing', async () => {
    const { to } = await twoStores();
    const before = snapshot(to);
    await expect(loadArchive(to, Readable.from([await legacyArchive({ corruptLayer: true })]))).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
      message: /layer bbbb\/layer.tar hashes to .* but the config expects diff_id/,
    });
    expect(snapshot(to)).toEqual(before);
  });

  it('refuses entries that point outside the archive', async () => {
    const { to } = await twoStores();
    const tar = await tarBytes([fileEntry('../escape.json', '{}')]);
    await expect(loadArchive(to, Readable.from([tar]))).rejects.toThrow(/points outside the archive/);
  });
});

describe.runIf(hasTool('skopeo'))('archives and skopeo', () => {
  it('skopeo reads what save wrote', async () => {
    const { from, file } = await twoStores();
    const built = await buildTestImage(from, { name: 'docker.io/library/alpha:1', layers: LAYERS });
    await saveTo(from, ['alpha:1'], file('a.tar'));
    const inspected = JSON.parse(run('skopeo', ['inspect', `oci-archive:${file('a.tar')}:docker.io/library/alpha:1`])) as { Layers: string[] };
    expect(inspected.Layers).toEqual(built.layers.map((layer) => layer.descriptor.digest));
  });

  for (const transport of ['oci-archive', 'docker-archive'] as const) {
    it(`load takes what skopeo wrote as ${transport}`, async () => {
      const { from, to, file } = await twoStores();
      const built = await buildTestImage(from, { name: 'docker.io/library/alpha:1', layers: LAYERS });
      run('skopeo', ['copy', `oci:${from.root}:docker.io/library/alpha:1`, `${transport}:${file('s.tar')}:example.com/from/skopeo:1`]);
      const result = await loadArchive(to, fs.createReadStream(file('s.tar')));
      expect(result.images[0]!.names).toEqual(['example.com/from/skopeo:1']);
      const image = to.resolveImage('example.com/from/skopeo:1');
      expect(image.id).toBe(built.config.digest);
      expect(image.config.rootfs.diff_ids).toEqual(built.layers.map((layer) => layer.diffId));
      await expectValidStore(to.root);
    });
  }
});
