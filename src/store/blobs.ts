import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { GlassboxError } from '../errors.js';
import { shortDigest } from '../oci/digest.js';
import { blobPath, type StorePaths } from './layout.js';

/** Reading committed blobs. Writing goes through FileBlobWriter only. */

export function hasBlob(paths: StorePaths, digest: string): boolean {
  try {
    return fs.statSync(blobPath(paths, digest)).isFile();
  } catch (error) {
    if (GlassboxError.is(error)) throw error;
    return false;
  }
}

/** Size in bytes, or undefined when the blob is not stored. */
export function blobSize(paths: StorePaths, digest: string): number | undefined {
  try {
    const stat = fs.statSync(blobPath(paths, digest));
    return stat.isFile() ? stat.size : undefined;
  } catch (error) {
    if (GlassboxError.is(error)) throw error;
    return undefined;
  }
}

export function missingBlob(digest: string, what = 'blob'): GlassboxError {
  return new GlassboxError('STORE_BLOB_MISSING', `${what} ${shortDigest(digest)} is not in the image store`, {
    kind: 'environment',
    hint: 'the image is incomplete: pull it again',
  });
}

/**
Reads a small blob (a manifest, an index, a config) whole and checks its digest again:
these documents decide which other files are read, so a blob changed on disk is caught here.
*/
export function readSmallBlob(paths: StorePaths, digest: string, maxBytes: number, what = 'blob'): Buffer {
  const file = blobPath(paths, digest);
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > maxBytes) {
      throw new GlassboxError('STORE_BLOB_TOO_LARGE', `${what} ${shortDigest(digest)} is ${size} bytes, more than the ${maxBytes} allowed`, {
        kind: 'environment',
      });
    }
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (GlassboxError.is(error)) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missingBlob(digest, what);
    throw error;
  }
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== digest) {
    throw new GlassboxError('STORE_BLOB_CORRUPT', `${what} ${shortDigest(digest)} in the store hashes to ${shortDigest(actual)}`, {
      kind: 'environment',
      hint: 'the file was changed on disk: remove the image and pull it again',
    });
  }
  return bytes;
}

/** Every blob digest stored, in no particular order. */
export function listBlobs(paths: StorePaths): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(paths.sha256Dir);
  } catch {
    return [];
  }
  return names.filter((name) => /^[a-f0-9]{64}$/.test(name)).map((hex) => `sha256:${hex}`);
}
