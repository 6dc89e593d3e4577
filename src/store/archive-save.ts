import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { Descriptor } from '../oci/descriptor.js';
import { digestHex } from '../oci/digest.js';
import { familiarReference, formatReference, parseReference } from '../oci/reference.js';
import { packTar, type TarEntrySpec } from '../unpack/tar-archive.js';
import { markReachable } from './gc.js';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, type LayoutIndex } from './index-file.js';
import { IMAGE_LAYOUT_VERSION } from './layout.js';
import type { ResolvedImage } from './read-image.js';
import type { ImageStore } from './store.js';

/**
`glassbox save`: images as one tar, for a USB stick. The tar is an OCI image layout
(`oci-layout`, `index.json`, `blobs/sha256/…`), the format `docker save` writes since
Docker 25, plus the older `manifest.json` so that any `docker load` takes it too:

  oci-layout  index.json  manifest.json  blobs/sha256/<hex>…

Blobs go in as they are in the store (still compressed). Entries have fixed times and a
fixed order, so saving the same images twice gives the same bytes.
*/
export interface SavePlan {
  /** The index.json of the archive: one entry per name (ref.name = the full reference). */
  index: LayoutIndex;
  /** Docker's manifest.json: config and layer paths per image, with familiar RepoTags. */
  dockerManifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[];
  /** Every blob to include, sorted by digest. */
  blobs: { digest: string; size: number }[];
}

export function planSave(store: ImageStore, images: ResolvedImage[], requested: string[]): SavePlan {
  const entries: Descriptor[] = [];
  const dockerManifest: SavePlan['dockerManifest'] = [];
  images.forEach((image, i) => {
    // The names to carry: the one asked for when it is a name, else all the image has.
    const asked = image.names.find((name) => matchesName(name, requested[i]!));
    const names = asked !== undefined ? [asked] : image.names;
    const base: Descriptor = { ...image.entry, annotations: { ...image.entry.annotations } };
    for (const key of [ANNOTATION_REF_NAME, ANNOTATION_IMAGE_NAME]) delete base.annotations![key];
    if (names.length === 0) entries.push(base);
    for (const name of names) entries.push({ ...base, annotations: { ...base.annotations, [ANNOTATION_REF_NAME]: name, [ANNOTATION_IMAGE_NAME]: name } });
    dockerManifest.push({
      Config: blobName(image.id),
      RepoTags: names.length === 0 ? null : names.map(familiarName),
      Layers: image.layers.map((layer) => blobName(layer.digest)),
    });
  });
  const index: LayoutIndex = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries };
  const digests = [...markReachable(store.paths, index)].filter((digest) => store.hasBlob(digest)).sort();
  return { index, dockerManifest, blobs: digests.map((digest) => ({ digest, size: store.blobSize(digest)! })) };
}

/** The archive as a tar stream; blobs are read from the store as the stream is consumed. */
export function streamSave(store: ImageStore, plan: SavePlan): Readable {
  const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value)}\n`);
  async function* entries(): AsyncGenerator<TarEntrySpec> {
    yield { name: 'blobs/', type: 'directory' };
    yield { name: 'blobs/sha256/', type: 'directory' };
    yield { name: 'oci-layout', type: 'file', body: json({ imageLayoutVersion: IMAGE_LAYOUT_VERSION }) };
    yield { name: 'index.json', type: 'file', body: json(plan.index) };
    yield { name: 'manifest.json', type: 'file', body: json(plan.dockerManifest) };
    for (const blob of plan.blobs) {
      const file = store.blobPath(blob.digest);
      yield { name: blobName(blob.digest), type: 'file', body: { size: blob.size, open: () => fs.createReadStream(file) } };
    }
  }
  return packTar(entries());
}

/** `glassbox save IMAGE…`: resolves each input and streams the archive. */
export function saveImages(store: ImageStore, inputs: string[]): { plan: SavePlan; stream: Readable } {
  const plan = planSave(store, inputs.map((input) => store.resolveImage(input)), inputs);
  return { plan, stream: streamSave(store, plan) };
}

function familiarName(name: string): string {
  try {
    return familiarReference(parseReference(name));
  } catch {
    return name; // a bare tag from a layout another tool wrote
  }
}

function blobName(digest: string): string {
  return `blobs/sha256/${digestHex(digest)}`;
}

function matchesName(name: string, input: string): boolean {
  if (name === input) return true;
  try {
    return name === formatReference(parseReference(input));
  } catch {
    return false;
  }
}
