import { GlassboxError } from '../errors.js';
import { shortDigest } from '../oci/digest.js';
import type { GcResult } from './gc.js';
import { readLayoutIndex, refNameOf } from './index-file.js';
import type { StorePaths } from './layout.js';
import { imageIdOf, matchEntries } from './read-image.js';
import { dropDigests, dropRefs } from './refs.js';

/**
`rmi` in Docker's terms: a name is untagged; when an image loses its last name, its blobs
become garbage and are swept (gc.ts). An image ID with several names needs `force`. An
image some container uses is never removed: who uses what is not the store's business, so
the check is a function passed in (containers plug theirs in when they exist).
*/
export interface ImageIdentity {
  /** the config digest (Docker's image ID) */
  id: string;
  manifestDigest: string;
  names: string[];
}

/** Returns the users (container IDs or names) of an image; empty when none. */
export type ImageUsers = (image: ImageIdentity) => Promise<string[]> | string[];

export interface RemoveImageResult {
  untagged: string[];
  /** The image that lost its last name, if one did. */
  deleted?: ImageIdentity;
  gc?: GcResult;
}

export async function removeImageRefs(
  paths: StorePaths,
  input: string,
  users: ImageUsers,
  options: { force?: boolean },
): Promise<RemoveImageResult> {
  const index = readLayoutIndex(paths);
  const { entries, by } = matchEntries(paths, index, input);
  if (entries.length === 0) {
    throw new GlassboxError('STORE_IMAGE_NOT_FOUND', `no such image: ${input}`, { kind: 'user', hint: 'list the stored images with: glassbox images' });
  }
  const digests = new Set(entries.map((entry) => entry.digest));
  if (digests.size > 1) {
    throw new GlassboxError('STORE_IMAGE_AMBIGUOUS', `${JSON.stringify(input)} matches ${digests.size} images`, {
      kind: 'user',
      hint: 'give more digits of the image ID, or the full reference',
    });
  }
  const manifestDigest = entries[0]!.digest;
  const allNames = index.manifests.filter((entry) => entry.digest === manifestDigest).map(refNameOf).filter((n): n is string => n !== undefined);
  const byName = by === 'name';
  const removing = byName ? entries.map(refNameOf).filter((n): n is string => n !== undefined) : allNames;
  if (!byName && allNames.length > 1 && options.force !== true) {
    throw new GlassboxError('STORE_IMAGE_MULTIPLE_NAMES', `image ${shortDigest(imageIdOf(paths, entries[0]!) ?? manifestDigest)} has ${allNames.length} names: ${allNames.join(', ')}`, {
      kind: 'user',
      hint: 'remove one name at a time, or add --force to remove them all',
    });
  }
  const identity: ImageIdentity = { id: imageIdOf(paths, entries[0]!) ?? manifestDigest, manifestDigest, names: allNames };
  const last = removing.length >= allNames.length;
  if (last) {
    const using = await users(identity);
    if (using.length > 0) {
      throw new GlassboxError('STORE_IMAGE_IN_USE', `image ${allNames[0] ?? shortDigest(identity.id)} is used by ${using.length === 1 ? 'container' : 'containers'} ${using.join(', ')}`, {
        kind: 'user',
        hint: 'remove the containers first (glassbox rm), then the image',
      });
    }
  }
  dropRefs(paths, new Set(removing));
  if (last) dropDigests(paths, new Set([manifestDigest]));
  const result: RemoveImageResult = { untagged: removing };
  if (last) result.deleted = identity;
  return result;
}
