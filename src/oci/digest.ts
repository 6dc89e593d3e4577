import { GlassboxError } from '../errors.js';

/**
Digests name content, and glassbox puts them into paths (`blobs/sha256/<hex>`) and URLs
(`/v2/<name>/blobs/<digest>`), so one is checked before it is used anywhere: a hostile
manifest could otherwise say `sha256:../../etc`. Only sha256 is accepted for content we
fetch or store; the OCI grammar allows other algorithms, which are refused by name.
*/
const SHA256 = /^sha256:[a-f0-9]{64}$/;
// The grammar of the OCI image spec (descriptor.md), used only to tell "unsupported" from "malformed".
const ANY_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value);
}

/** Returns `value` when it is a valid sha256 digest, else throws with the reason. */
export function validateDigest(value: unknown, what = 'digest'): string {
  if (isDigest(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 100)) : String(value);
  if (typeof value === 'string' && ANY_DIGEST.test(value) && !value.startsWith('sha256:')) {
    throw new GlassboxError('OCI_DIGEST_UNSUPPORTED', `${what} ${shown} uses an unsupported algorithm`, {
      kind: 'user',
      hint: 'glassbox verifies content with sha256 only',
    });
  }
  throw new GlassboxError('OCI_DIGEST_INVALID', `${what} ${shown} is not a valid sha256 digest`, {
    kind: 'user',
    hint: 'a digest looks like sha256: followed by 64 lowercase hex digits',
  });
}

/** The 64 hex digits of a validated digest: the file name under `blobs/sha256/`. */
export function digestHex(digest: string): string {
  return validateDigest(digest).slice('sha256:'.length);
}

/** `sha256:abcdef012345`: the short form Docker prints. */
export function shortDigest(digest: string): string {
  return digest.startsWith('sha256:') ? digest.slice(7, 19) : digest.slice(0, 12);
}
