import { GlassboxError } from '../errors.js';
import type { Descriptor } from './descriptor.js';
import { checkAnnotations, checkDescriptor, checkObject, malformed } from './descriptor-check.js';
import { baseMediaType, CONFIG_TYPES, INDEX_TYPES, LAYER_TYPES, MANIFEST_TYPES, MEDIA, SCHEMA1_TYPES } from './media-types.js';

/**
Manifests and indexes as they arrive from a registry, checked before anything follows them.
Refused: documents over the size cap (a registry could otherwise make us buffer gigabytes),
Docker schema 1 (unsigned content addressing, removed from Docker), and documents that are both
an index and a manifest: the same bytes could then be read two ways (CVE-2021-41190).
*/
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  artifactType?: string;
  subject?: Descriptor;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export type ManifestDocument = { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest };

function schema1(): GlassboxError {
  return new GlassboxError('OCI_MANIFEST_SCHEMA1', 'the registry sent a Docker schema 1 manifest, which glassbox does not support', {
    kind: 'user',
    hint: 'schema 1 is deprecated and no longer pulled by Docker: push the image again with a current tool, or pick another tag',
  });
}

/** Parses and checks a manifest or index; `contentType` is the response's Content-Type. */
export function parseManifest(bytes: Uint8Array, contentType?: string): ManifestDocument {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new GlassboxError('OCI_MANIFEST_TOO_LARGE', `manifest is ${bytes.length} bytes, more than the ${MAX_MANIFEST_BYTES} allowed`, {
      kind: 'user',
      hint: 'real manifests are a few kilobytes; the registry may be broken or hostile',
    });
  }
  const header = baseMediaType(contentType);
  if (SCHEMA1_TYPES.includes(header)) throw schema1();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw malformed('manifest is not valid JSON');
  }
  const body = checkObject(json, 'manifest');
  if (body.schemaVersion === 1 || (typeof body.mediaType === 'string' && SCHEMA1_TYPES.includes(body.mediaType))) throw schema1();
  if (body.schemaVersion !== 2) throw malformed(`manifest schemaVersion ${JSON.stringify(body.schemaVersion)} is not 2`);
  const looksIndex = 'manifests' in body;
  const looksManifest = 'config' in body || 'layers' in body;
  if (looksIndex && looksManifest) {
    throw new GlassboxError('OCI_MANIFEST_AMBIGUOUS', 'document has both "manifests" and "layers"/"config": it is an index and a manifest at once', {
      kind: 'user',
      hint: 'such documents can be read two ways (CVE-2021-41190) and are refused',
    });
  }
  const mediaType = documentMediaType(body.mediaType, header, looksIndex);
  if (INDEX_TYPES.includes(mediaType)) return { kind: 'index', index: checkIndex(body, mediaType) };
  return { kind: 'manifest', manifest: checkManifest(body, mediaType) };
}

function documentMediaType(declared: unknown, header: string, looksIndex: boolean): string {
  const known = [...INDEX_TYPES, ...MANIFEST_TYPES];
  if (declared !== undefined && typeof declared !== 'string') throw malformed('manifest mediaType is not a string');
  if (declared !== undefined && !known.includes(declared)) throw malformed(`manifest mediaType ${JSON.stringify(declared)} is not an index or image manifest`);
  if (declared !== undefined && known.includes(header) && declared !== header) {
    throw new GlassboxError('OCI_MANIFEST_AMBIGUOUS', `manifest says it is ${declared} but was served as ${header}`, {
      kind: 'user',
      hint: 'a document must declare the same type it is served as (CVE-2021-41190)',
    });
  }
  const chosen = declared ?? (known.includes(header) ? header : looksIndex ? MEDIA.ociIndex : MEDIA.ociManifest);
  if (INDEX_TYPES.includes(chosen) !== looksIndex) throw malformed(`manifest of type ${chosen} has the wrong fields for it`);
  return chosen;
}

function checkIndex(body: Record<string, unknown>, mediaType: string): ImageIndex {
  if (!Array.isArray(body.manifests)) throw malformed('index "manifests" is not a list');
  const manifests = body.manifests.map((entry, i) => checkDescriptor(entry, `index entry ${i}`));
  const index: ImageIndex = { schemaVersion: 2, mediaType, manifests };
  if (body.annotations !== undefined) index.annotations = checkAnnotations(body.annotations, 'index annotations');
  return index;
}

function checkManifest(body: Record<string, unknown>, mediaType: string): ImageManifest {
  if (!Array.isArray(body.layers)) throw malformed('manifest "layers" is not a list');
  const config = checkDescriptor(body.config, 'manifest config');
  const layers = body.layers.map((entry, i) => checkDescriptor(entry, `layer ${i}`));
  const manifest: ImageManifest = { schemaVersion: 2, mediaType, config, layers };
  if (body.annotations !== undefined) manifest.annotations = checkAnnotations(body.annotations, 'manifest annotations');
  if (typeof body.artifactType === 'string') manifest.artifactType = body.artifactType;
  if (body.subject !== undefined) manifest.subject = checkDescriptor(body.subject, 'manifest subject');
  return manifest;
}

/**
A manifest can describe any artifact (signatures, SBOMs, Helm charts); only those with an
image config and tar layers are container images that glassbox can run.
*/
export function checkImageManifest(manifest: ImageManifest): void {
  const notImage = (what: string): GlassboxError =>
    new GlassboxError('OCI_NOT_AN_IMAGE', `manifest is not a container image: ${what}`, {
      kind: 'user',
      hint: 'the reference points to an artifact (a signature, an attestation, a chart), not an image',
    });
  if (!CONFIG_TYPES.includes(manifest.config.mediaType)) throw notImage(`config type ${manifest.config.mediaType}`);
  manifest.layers.forEach((layer, i) => {
    if (!LAYER_TYPES.includes(layer.mediaType)) throw notImage(`layer ${i} has type ${layer.mediaType}`);
  });
}
