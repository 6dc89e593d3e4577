/**
The media types a pull meets. Docker's are the v2 schema2 family; OCI's are the image spec's.
The registry answers with the type it stored, but only if the client listed it in Accept:
the distribution registry returns 404 for an OCI manifest whose type was not accepted, and
converts to schema1 when no Accept is sent at all. So every request lists all of them.
*/
export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export const INDEX_TYPES: readonly string[] = [MEDIA.ociIndex, MEDIA.dockerList];
export const MANIFEST_TYPES: readonly string[] = [MEDIA.ociManifest, MEDIA.dockerManifest];
export const SCHEMA1_TYPES: readonly string[] = [MEDIA.dockerSchema1, MEDIA.dockerSchema1Signed];
export const CONFIG_TYPES: readonly string[] = [MEDIA.ociConfig, MEDIA.dockerConfig];

/** Layers glassbox can pull and unpack: plain, gzip and zstd tar, OCI and Docker. */
export const LAYER_TYPES: readonly string[] = [
  MEDIA.ociLayer,
  MEDIA.ociLayerGzip,
  MEDIA.ociLayerZstd,
  MEDIA.ociLayerNondistributable,
  MEDIA.ociLayerNondistributableGzip,
  MEDIA.ociLayerNondistributableZstd,
  MEDIA.dockerLayer,
  MEDIA.dockerForeignLayer,
];

/** Foreign (non-distributable) layers live at `urls`, not in the registry; Linux images never need them. */
export const FOREIGN_LAYER_TYPES: readonly string[] = [
  MEDIA.ociLayerNondistributable,
  MEDIA.ociLayerNondistributableGzip,
  MEDIA.ociLayerNondistributableZstd,
  MEDIA.dockerForeignLayer,
];

/** The Accept header of every manifest request: indexes first, then manifests. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

/** `application/json; charset=utf-8` → `application/json` */
export function baseMediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export type LayerCompression = 'none' | 'gzip' | 'zstd';

export function layerCompression(mediaType: string): LayerCompression | undefined {
  if (!LAYER_TYPES.includes(mediaType)) return undefined;
  if (mediaType.endsWith('+zstd')) return 'zstd';
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip')) return 'gzip';
  return 'none';
}
