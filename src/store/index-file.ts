import fs from 'node:fs';
import { GlassboxError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { checkDescriptor, checkObject } from '../oci/descriptor-check.js';
import { MEDIA } from '../oci/media-types.js';
import type { StorePaths } from './layout.js';
import { fsyncDir, writeFileAtomic } from './temp-files.js';

/**
index.json: the store's table of contents. Each entry is a descriptor of an image manifest
(or index) with the reference that names it:

- `org.opencontainers.image.ref.name`: the full normalized reference, e.g.
  `docker.io/library/busybox:latest`. The spec's ref grammar allows `/`, `:` and `@`, and a
  full name keeps two repositories' `latest` apart, so `skopeo copy oci:<store>:<ref>` works.
- `io.containerd.image.name`: the same name, as containerd and `docker load` read it.
- `io.glassbox.image.index`: when the reference resolved to an index (multi-platform), that
  index's digest; its blob is kept so that `inspect` can show the path tag → index → manifest.
- `io.glassbox.image.manifest`: on the OCI rendition of a Docker schema2 manifest, the
  original's digest (see oci-entry.ts: skopeo reads only OCI-typed entries).

The file is rewritten whole (temp + rename) under the store lock, so a reader sees the old
table or the new one and two writers cannot lose each other's entries.
*/
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
export const ANNOTATION_INDEX = 'io.glassbox.image.index';
export const ANNOTATION_SOURCE_MANIFEST = 'io.glassbox.image.manifest';
/** When the image was put into this store (RFC 3339), for `glassbox images`. */
export const ANNOTATION_STORED = 'io.glassbox.image.stored';

export interface LayoutIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
}

export function emptyIndex(): LayoutIndex {
  return { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] };
}

export function readLayoutIndex(paths: StorePaths): LayoutIndex {
  let text: string;
  try {
    text = fs.readFileSync(paths.indexFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
    throw error;
  }
  return parseLayoutIndex(text, paths.indexFile);
}

export function parseLayoutIndex(text: string, where: string): LayoutIndex {
  try {
    const body = checkObject(JSON.parse(text), 'index.json');
    if (body.schemaVersion !== 2) throw new Error(`schemaVersion ${JSON.stringify(body.schemaVersion)} is not 2`);
    if (!Array.isArray(body.manifests)) throw new Error('"manifests" is not a list');
    const manifests = body.manifests.map((entry, i) => checkDescriptor(entry, `entry ${i}`));
    return { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests };
  } catch (error) {
    throw new GlassboxError('STORE_INDEX_INVALID', `${where} is not a valid OCI index: ${(error as Error).message}`, {
      kind: 'environment',
      hint: 'the store was changed by hand or by another tool; move it away and pull again',
      cause: error,
    });
  }
}

/**
Call with the store lock held. Blob commits rename without fsyncing the directory; this one
fsync makes every name in `blobs/sha256` durable before the index can point at it.
*/
export function writeLayoutIndex(paths: StorePaths, index: LayoutIndex): void {
  fsyncDir(paths.sha256Dir);
  writeFileAtomic(paths.indexFile, `${JSON.stringify(index, null, 2)}\n`);
}

export function refNameOf(entry: Descriptor): string | undefined {
  return entry.annotations?.[ANNOTATION_REF_NAME] ?? entry.annotations?.[ANNOTATION_IMAGE_NAME];
}
