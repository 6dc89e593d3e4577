import { GlassboxError } from '../errors.js';
import { checkConfigMatches, MAX_CONFIG_BYTES, parseImageConfig } from '../oci/config.js';
import type { Descriptor } from '../oci/descriptor.js';
import { checkImageManifest } from '../oci/manifest.js';
import { formatReference, parseReference } from '../oci/reference.js';
import { importDockerSave, type ImageToName } from './archive-docker.js';
import { readArchive, refused } from './archive-read.js';
import { readSmallBlob } from './blobs.js';
import type { GcResult } from './gc.js';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, parseLayoutIndex } from './index-file.js';
import { readManifestBlob } from './read-image.js';
import { withLock } from './lock.js';
import { layoutEntryFor } from './oci-entry.js';
import { putRef } from './refs.js';
import type { ImageStore } from './store.js';
import { nameImage } from './write-image.js';

/**
`glassbox load`: reads an archive (archive-read.ts), then names what it holds. An OCI archive
(index.json: glassbox save, docker save ≥ 25, skopeo oci-archive) keeps its manifests; a classic
docker-save archive (manifest.json only) is imported (archive-docker.ts). Every image is
checked complete before any is named, and blobs the archive brought that no image uses are
swept at the end; after a refusal, everything it brought is swept.
*/
export interface LoadedImage {
  /** Full references; empty for an image that came without a name. */
  names: string[];
  manifest: Descriptor;
  /** The config digest: Docker's image ID. */
  id: string;
}

export interface LoadResult {
  format: 'oci' | 'docker';
  images: LoadedImage[];
  gc: GcResult;
}

export async function loadArchive(store: ImageStore, source: AsyncIterable<Uint8Array>): Promise<LoadResult> {
  let images: ImageToName[];
  let format: LoadResult['format'];
  try {
    const contents = await readArchive(store, source);
    const index = contents.metadata.get('index.json');
    const dockerManifest = contents.metadata.get('manifest.json');
    if (index !== undefined) {
      format = 'oci';
      images = ociImages(store, index);
    } else if (dockerManifest !== undefined) {
      format = 'docker';
      images = await importDockerSave(store, contents, dockerManifest);
    } else {
      throw refused('it has neither index.json (OCI) nor manifest.json (docker save)');
    }
    const loaded: LoadedImage[] = [];
    for (const image of images) {
      for (const name of image.names) await nameImage(store, name, image.manifest);
      if (image.names.length === 0) await keepUnnamed(store, image.manifest);
      loaded.push({ names: image.names, manifest: image.manifest, id: imageId(store, image.manifest) });
    }
    store.releaseLease();
    return { format, images: loaded, gc: await store.collectGarbage() };
  } catch (error) {
    store.releaseLease();
    await store.collectGarbage().catch(() => undefined);
    throw error;
  }
}

function ociImages(store: ImageStore, indexBytes: Buffer): ImageToName[] {
  const index = parseLayoutIndex(indexBytes.toString('utf8'), 'the archive index.json');
  if (index.manifests.length === 0) throw refused('index.json lists no image');
  return index.manifests.map((entry) => {
    checkComplete(store, entry);
    return { manifest: entry, names: entryNames(entry) };
  });
}

/** A full reference in the annotations; a bare tag (`latest`, as skopeo writes) names nothing. */
function entryNames(entry: Descriptor): string[] {
  for (const key of [ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME]) {
    const value = entry.annotations?.[key];
    if (value === undefined || !/[/:@]/.test(value)) continue;
    try {
      return [formatReference(parseReference(value))];
    } catch {
      continue;
    }
  }
  return [];
}

/** The entry's manifest (or, for an index, at least one platform's) with config and layers present. */
function checkComplete(store: ImageStore, entry: Descriptor): void {
  const doc = readManifestBlob(store.paths, entry);
  if (doc.kind === 'index') {
    const complete = doc.index.manifests.filter((child) => {
      try {
        checkComplete(store, child);
        return true;
      } catch {
        return false;
      }
    });
    if (complete.length === 0) throw refused(`index ${entry.digest} has no complete image in the archive`);
    return;
  }
  checkImageManifest(doc.manifest);
  const config = parseImageConfig(readSmallBlob(store.paths, doc.manifest.config.digest, MAX_CONFIG_BYTES, 'config'));
  checkConfigMatches(config, doc.manifest);
  for (const layer of doc.manifest.layers) {
    if (!store.hasBlob(layer.digest)) throw refused(`layer ${layer.digest} of ${entry.digest} is not in the archive`);
  }
}

async function keepUnnamed(store: ImageStore, manifest: Descriptor): Promise<void> {
  const converted = await layoutEntryFor(store, manifest);
  const annotations = { ...converted.annotations };
  delete annotations[ANNOTATION_REF_NAME];
  delete annotations[ANNOTATION_IMAGE_NAME];
  const entry: Descriptor = { ...converted, annotations };
  await withLock(store.paths.lockFile, () => {
    const present = store.readIndex().manifests.some((other) => other.digest === entry.digest && other.annotations?.[ANNOTATION_REF_NAME] === undefined);
    if (!present) putRef(store.paths, entry);
  });
}

function imageId(store: ImageStore, manifest: Descriptor): string {
  const doc = readManifestBlob(store.paths, manifest);
  if (doc.kind === 'manifest') return doc.manifest.config.digest;
  const first = doc.index.manifests.find((child) => store.hasBlob(child.digest));
  if (first === undefined) throw new GlassboxError('GB_INTERNAL', 'loaded index has no stored manifest', { kind: 'bug' });
  return imageId(store, first);
}
