import type { Descriptor } from '../oci/descriptor.js';
import type { ImageRecord } from '../pull/blob-sink.js';
import {
  ANNOTATION_IMAGE_NAME,
  ANNOTATION_INDEX,
  ANNOTATION_REF_NAME,
  ANNOTATION_STORED,
  readLayoutIndex,
  refNameOf,
  writeLayoutIndex,
} from './index-file.js';
import type { StorePaths } from './layout.js';

/**
References in index.json. One entry per name: naming an image again (a newer `latest`)
replaces the entry in place, and the old manifest becomes garbage unless another name
keeps it. All functions here run with the store lock held.
*/

/**
The index.json entry for a pulled image: `entry` is the platform manifest (or its OCI
rendition, oci-entry.ts), named, with the index it was pulled through noted.
*/
export function recordToEntry(image: ImageRecord, entry: Descriptor, storedAt: Date = new Date()): Descriptor {
  const annotations: Record<string, string> = {
    ...entry.annotations,
    [ANNOTATION_REF_NAME]: image.name,
    [ANNOTATION_IMAGE_NAME]: image.name,
    [ANNOTATION_STORED]: storedAt.toISOString(),
  };
  if (image.index !== undefined) annotations[ANNOTATION_INDEX] = image.index.digest;
  return { ...entry, annotations };
}

/** A copy of `entry` naming `name` (for `load` and `tag`). */
export function namedEntry(entry: Descriptor, name: string, storedAt: Date = new Date()): Descriptor {
  return {
    ...entry,
    annotations: { ...entry.annotations, [ANNOTATION_REF_NAME]: name, [ANNOTATION_IMAGE_NAME]: name, [ANNOTATION_STORED]: storedAt.toISOString() },
  };
}

/** Adds or replaces the entry with the same name; returns the entry it replaced, if any. */
export function putRef(paths: StorePaths, entry: Descriptor): Descriptor | undefined {
  const name = refNameOf(entry);
  const index = readLayoutIndex(paths);
  const at = index.manifests.findIndex((other) => name !== undefined && refNameOf(other) === name);
  const replaced = at === -1 ? undefined : index.manifests[at];
  if (at === -1) index.manifests.push(entry);
  else index.manifests[at] = entry;
  writeLayoutIndex(paths, index);
  return replaced;
}

/** Removes the entries whose name is in `names`; returns how many went. */
export function dropRefs(paths: StorePaths, names: ReadonlySet<string>): number {
  const index = readLayoutIndex(paths);
  const kept = index.manifests.filter((entry) => {
    const name = refNameOf(entry);
    return name === undefined || !names.has(name);
  });
  const dropped = index.manifests.length - kept.length;
  if (dropped > 0) writeLayoutIndex(paths, { ...index, manifests: kept });
  return dropped;
}

/** Removes unnamed entries by manifest digest (an image loaded without a name). */
export function dropDigests(paths: StorePaths, digests: ReadonlySet<string>): number {
  const index = readLayoutIndex(paths);
  const kept = index.manifests.filter((entry) => refNameOf(entry) !== undefined || !digests.has(entry.digest));
  const dropped = index.manifests.length - kept.length;
  if (dropped > 0) writeLayoutIndex(paths, { ...index, manifests: kept });
  return dropped;
}
