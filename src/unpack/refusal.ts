import { GlassboxError } from '../errors.js';

/**
Why a layer was refused. Every refusal names the entry (or the stream position) so that a
learner can find it with `tar -tvf`; the code is stable for tests and `--json`.
*/
export type RefusalCode =
  | 'UNPACK_PATH_UNSAFE'
  | 'UNPACK_THROUGH_SYMLINK'
  | 'UNPACK_NOT_A_DIRECTORY'
  | 'UNPACK_HARDLINK_UNSAFE'
  | 'UNPACK_WHITEOUT_INVALID'
  | 'UNPACK_SMUGGLED_WHITEOUT'
  | 'UNPACK_XATTR_REFUSED'
  | 'UNPACK_DUPLICATE_ENTRY'
  | 'UNPACK_ENTRY_UNSUPPORTED'
  | 'UNPACK_LIMIT'
  | 'UNPACK_TAR_INVALID'
  | 'UNPACK_COMPRESSION'
  | 'UNPACK_DIGEST_MISMATCH'
  | 'UNPACK_DIFF_ID_MISMATCH'
  | 'UNPACK_LOWER_SYMLINK';

const HINTS: Record<RefusalCode, string> = {
  UNPACK_PATH_UNSAFE: 'a layer may only name paths inside itself: no absolute names, no .. components',
  UNPACK_THROUGH_SYMLINK: 'an image built by docker never has entries below a symlink; this layer was crafted',
  UNPACK_NOT_A_DIRECTORY: 'an entry below a file or device cannot exist on a real filesystem',
  UNPACK_HARDLINK_UNSAFE: 'a hardlink must point at a file stored earlier in the same layer',
  UNPACK_WHITEOUT_INVALID: 'whiteouts are .wh.<name> files naming one real entry (OCI image spec, layer.md)',
  UNPACK_SMUGGLED_WHITEOUT: 'layers express deletions with .wh. names; raw overlay whiteouts and trusted.overlay xattrs are refused',
  UNPACK_XATTR_REFUSED: 'overlay xattrs control the mount itself and never come from an image',
  UNPACK_DUPLICATE_ENTRY: 'each path may appear once per layer; tar -r appends make duplicates',
  UNPACK_ENTRY_UNSUPPORTED: 'rebuild the layer with docker, buildah or GNU tar --format=pax',
  UNPACK_LIMIT: 'raise the limit (glassbox unpack --max-…) if you trust this layer',
  UNPACK_TAR_INVALID: 'the layer is not a complete tar archive: re-pull it, or check how it was made',
  UNPACK_COMPRESSION: 'layers are plain tar, gzip or zstd',
  UNPACK_DIGEST_MISMATCH: 'the blob is not what the manifest names: re-pull the image',
  UNPACK_DIFF_ID_MISMATCH: 'the uncompressed layer is not what the image config names: the image is corrupt or lying',
  UNPACK_LOWER_SYMLINK: 'overlayfs would replace the lower symlink with a directory; rebuild the layer without writing through it',
};

export function refuse(code: RefusalCode, message: string, cause?: unknown): GlassboxError {
  return new GlassboxError(code, message, { kind: 'user', hint: HINTS[code], ...(cause === undefined ? {} : { cause }) });
}

/** `entry "etc/passwd": …`: JSON quoting shows control characters and trailing spaces. */
export function refuseEntry(code: RefusalCode, name: string, reason: string): GlassboxError {
  return refuse(code, `entry ${quoteName(name)}: ${reason}`);
}

export function quoteName(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}
