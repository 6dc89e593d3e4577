import type { Descriptor } from '../oci/descriptor.js';
import type { ImageManifest } from '../oci/manifest.js';
import { MEDIA } from '../oci/media-types.js';
import { ANNOTATION_SOURCE_MANIFEST } from './index-file.js';
import { readManifestBlob } from './read-image.js';
import type { ImageStore } from './store.js';

/**
skopeo's and podman's `oci:` reader looks for a name only among index.json entries of the OCI
types (image manifest or index): an entry of Docker's schema2 type is invisible to them. But a
pulled Docker manifest must stay byte for byte what the registry sent, since its digest is its
identity (`name@sha256:…`, what `serve` gives back). So both are kept:

- the original manifest blob, untouched, noted as `io.glassbox.image.manifest` on the entry;
- an OCI rendition of it as the index.json entry: the same config and layer blobs, with
  the OCI media types (what `skopeo copy docker://… oci:…` writes too).

Docker's config is the OCI config (the image spec was made from it), and Docker's gzip layer
is an OCI gzip layer, so no blob but the manifest changes.
*/
const LAYER_TYPES: Record<string, string> = {
  [MEDIA.dockerLayer]: MEDIA.ociLayerGzip,
  [MEDIA.dockerForeignLayer]: MEDIA.ociLayerNondistributableGzip,
};

export function toOciManifest(manifest: ImageManifest): ImageManifest {
  const oci: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { ...manifest.config, mediaType: manifest.config.mediaType === MEDIA.dockerConfig ? MEDIA.ociConfig : manifest.config.mediaType },
    layers: manifest.layers.map((layer) => ({ ...layer, mediaType: LAYER_TYPES[layer.mediaType] ?? layer.mediaType })),
  };
  if (manifest.annotations !== undefined) oci.annotations = manifest.annotations;
  return oci;
}

/**
The descriptor to put into index.json for `manifest`: itself when it is OCI (or an index),
else its OCI rendition, stored first, pointing back at the original.
*/
export async function layoutEntryFor(store: ImageStore, manifest: Descriptor): Promise<Descriptor> {
  if (manifest.mediaType !== MEDIA.dockerManifest) return manifest;
  const doc = readManifestBlob(store.paths, manifest);
  if (doc.kind !== 'manifest') return manifest;
  const rendition = await store.putBlob(Buffer.from(JSON.stringify(toOciManifest(doc.manifest))), MEDIA.ociManifest);
  const entry: Descriptor = { ...manifest, mediaType: rendition.mediaType, digest: rendition.digest, size: rendition.size };
  entry.annotations = { ...manifest.annotations, [ANNOTATION_SOURCE_MANIFEST]: manifest.digest };
  return entry;
}
