import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { GlassboxError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { ImageManifest } from '../oci/manifest.js';
import { MEDIA } from '../oci/media-types.js';
import type { ImageConfig } from '../oci/config.js';
import { putRef, namedEntry } from './refs.js';
import type { ImageStore } from './store.js';
import { withLock } from './lock.js';
import { layoutEntryFor } from './oci-entry.js';

// On the libuv pool: a multi-megabyte layer at level 9 takes ~300 ms, which would freeze the tour's screen.
const gzipAsync = promisify(gzip);

/**
Writing an image made locally (the demo image, a loaded docker-save archive, test fixtures):
layers in, then the config, then the manifest, then the name — the same order as a pull, so
a name never points at something incomplete. JSON is written compactly with keys in the
order given, so the same input always gives the same digests.
*/
export interface StoredLayer {
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar: what the config's rootfs.diff_ids lists */
  diffId: string;
}

export function sha256Of(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Stores a layer tar, gzip-compressed unless `compress` is false. */
export async function putLayer(store: ImageStore, tar: Uint8Array, options: { compress?: boolean } = {}): Promise<StoredLayer> {
  const compress = options.compress ?? true;
  // level 9 and no name/mtime in the gzip header (Node writes none): reproducible bytes.
  const blob = compress ? await gzipAsync(tar, { level: 9 }) : tar;
  const descriptor = await store.putBlob(blob, compress ? MEDIA.ociLayerGzip : MEDIA.ociLayer);
  return { descriptor, diffId: sha256Of(tar) };
}

export interface ImageSpec {
  /** The full reference to name the image by; left out, the image is stored unnamed. */
  name?: string;
  /** rootfs is filled in from `layers`; everything else is written as given. */
  config: Pick<ImageConfig, 'architecture' | 'os'> & Partial<Pick<ImageConfig, 'variant' | 'created' | 'author' | 'config' | 'history'>>;
  layers: StoredLayer[];
  /** OCI (default) or Docker schema2 media types for manifest and config. */
  format?: 'oci' | 'docker';
  annotations?: Record<string, string>;
}

export interface WrittenImage {
  manifest: Descriptor;
  config: Descriptor;
}

export async function writeImage(store: ImageStore, spec: ImageSpec): Promise<WrittenImage> {
  const docker = spec.format === 'docker';
  const config: ImageConfig = { ...spec.config, rootfs: { type: 'layers', diff_ids: spec.layers.map((layer) => layer.diffId) } };
  const configDescriptor = await store.putBlob(Buffer.from(JSON.stringify(config)), docker ? MEDIA.dockerConfig : MEDIA.ociConfig);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: docker ? MEDIA.dockerManifest : MEDIA.ociManifest,
    config: configDescriptor,
    layers: spec.layers.map((layer) => (docker ? dockerLayer(layer.descriptor) : layer.descriptor)),
  };
  if (spec.annotations !== undefined) manifest.annotations = spec.annotations;
  const manifestDescriptor = await store.putBlob(Buffer.from(JSON.stringify(manifest)), manifest.mediaType);
  const entry: Descriptor = { ...manifestDescriptor, platform: { os: config.os, architecture: config.architecture } };
  if (spec.name !== undefined) await nameImage(store, spec.name, entry);
  return { manifest: entry, config: configDescriptor };
}

/** Docker's schema2 knows only gzip layers (skopeo refuses an OCI layer type inside one). */
function dockerLayer(layer: Descriptor): Descriptor {
  if (layer.mediaType === MEDIA.ociLayerGzip || layer.mediaType === MEDIA.dockerLayer) return { ...layer, mediaType: MEDIA.dockerLayer };
  throw new GlassboxError('STORE_LAYER_TYPE', `a Docker schema2 image cannot hold a ${layer.mediaType} layer`, {
    kind: 'bug',
    hint: 'write Docker-format images with gzip layers, or use the OCI format',
  });
}

/** Names a stored manifest (or index): adds or replaces the index.json entry for `name`. */
export async function nameImage(store: ImageStore, name: string, manifest: Descriptor, storedAt?: Date): Promise<void> {
  const entry = await layoutEntryFor(store, manifest);
  await withLock(store.paths.lockFile, () => putRef(store.paths, namedEntry(entry, name, storedAt)));
}
