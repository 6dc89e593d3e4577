/**
A second glassbox process for the store's multi-process tests, run with vite-node:

  store-child.ts writer <root> <label> <rounds>   ingest the shared fixture image and name it,
                                                   rounds times, removing old names (rmi + gc)
  store-child.ts hold <root>                       start a blob, write half, print "ready", wait
                                                   (the test kills it with SIGKILL or SIGINT)
*/
import { createHash } from 'node:crypto';
import { MEDIA } from '../../src/oci/media-types.js';
import { openStore, type ImageStore } from '../../src/store/store.js';

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The same image in every process: three layers of a few hundred KB, a config, a manifest. */
function fixtureImage(): { blobs: { mediaType: string; bytes: Buffer }[]; manifest: Buffer } {
  const layers = [1, 2, 3].map((n) => Buffer.alloc(200_000 + n * 50_000, n));
  const layerDescs = layers.map((bytes) => ({ mediaType: MEDIA.ociLayer, digest: digestOf(bytes), size: bytes.length }));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layerDescs.map((d) => d.digest) } }));
  const configDesc = { mediaType: MEDIA.ociConfig, digest: digestOf(config), size: config.length };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: configDesc, layers: layerDescs }));
  return {
    blobs: [...layers.map((bytes) => ({ mediaType: MEDIA.ociLayer, bytes })), { mediaType: MEDIA.ociConfig, bytes: config }, { mediaType: MEDIA.ociManifest, bytes: manifest }],
    manifest,
  };
}

async function ingest(store: ImageStore, mediaType: string, bytes: Buffer): Promise<{ mediaType: string; digest: string; size: number }> {
  const descriptor = { mediaType, digest: digestOf(bytes), size: bytes.length };
  if (await store.has(descriptor.digest)) return descriptor;
  const writer = await store.begin(descriptor);
  try {
    // Uneven chunks, yielding in between, so the two processes interleave.
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + Math.floor(Math.random() * 65_536);
      await writer.write(bytes.subarray(at, at + n));
      at += n;
    }
    await writer.commit();
  } finally {
    await writer.abort();
  }
  return descriptor;
}

async function writer(root: string, label: string, rounds: number): Promise<void> {
  const { store } = await openStore({ root, lockTimeoutMs: 60_000 });
  const image = fixtureImage();
  for (let round = 0; round < rounds; round++) {
    let manifest;
    for (const blob of image.blobs) manifest = await ingest(store, blob.mediaType, blob.bytes);
    await store.setRef({ name: `example.com/shared/image:${label}-${round}`, manifest: manifest! });
    await store.setRef({ name: 'example.com/shared/image:latest', manifest: manifest! });
    if (round > 0) await store.removeImage(`example.com/shared/image:${label}-${round - 1}`);
  }
  await store.close();
}

async function hold(root: string): Promise<void> {
  const { store } = await openStore({ root });
  const bytes = Buffer.alloc(4_000_000, 9);
  const blob = await store.begin({ mediaType: MEDIA.ociLayer, digest: digestOf(bytes), size: bytes.length });
  // In 64 KB chunks, as from the network: the writer batches them, so most reach the file.
  for (let at = 0; at < 3_000_000; at += 65_536) await blob.write(bytes.subarray(at, Math.min(at + 65_536, 3_000_000)));
  process.stdout.write('ready\n');
  setInterval(() => undefined, 1000);
}

const [command, root, ...rest] = process.argv.slice(2);
if (command === 'writer') await writer(root!, rest[0]!, Number(rest[1]));
else if (command === 'hold') await hold(root!);
else if (command !== undefined) throw new Error(`unknown command ${command}`);
