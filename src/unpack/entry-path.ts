import type { UnpackLimits } from './limits.js';
import { refuseEntry } from './refusal.js';

/**
An entry name cleaned to a path relative to the layer root: `./usr//bin/` → `usr/bin`, the root
itself → `` (empty). Cleaning is lexical only; it never looks at the disk. Refused, not repaired:
absolute names and any `..` component (Docker strips a leading `/` and keeps a `..` that stays
inside; a refusal is clearer and no real layer needs either).
*/
export interface EntryPath {
  /** `usr/bin/env`; `` for the layer root. */
  path: string;
  components: string[];
}

export function cleanEntryPath(name: string, limits: Pick<UnpackLimits, 'maxPathBytes' | 'maxNameBytes'>, what = 'name'): EntryPath {
  if (name === '') throw refuseEntry('UNPACK_PATH_UNSAFE', name, `empty ${what}`);
  if (name.includes('\0')) throw refuseEntry('UNPACK_PATH_UNSAFE', name, `${what} contains a NUL byte`);
  if (name.startsWith('/')) throw refuseEntry('UNPACK_PATH_UNSAFE', name, `absolute ${what}`);
  const components: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw refuseEntry('UNPACK_PATH_UNSAFE', name, `${what} has a .. component`);
    if (Buffer.byteLength(part) > limits.maxNameBytes) {
      throw refuseEntry('UNPACK_LIMIT', name, `a component of the ${what} is longer than ${limits.maxNameBytes} bytes`);
    }
    components.push(part);
  }
  const path = components.join('/');
  if (Buffer.byteLength(path) > limits.maxPathBytes) {
    throw refuseEntry('UNPACK_LIMIT', name, `${what} is longer than ${limits.maxPathBytes} bytes`);
  }
  return { path, components };
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** aufs kept its own bookkeeping under `.wh..wh.*` (`.wh..wh.plnk`); old images still carry it. */
const AUFS_META_PREFIX = '.wh..wh.';

/**
What an entry means for the overlay form (OCI image spec, layer.md, "Whiteouts"):
- `entry`: an ordinary file, directory, link or device;
- `whiteout`: `dir/.wh.NAME` deletes `dir/NAME` of the layers below;
- `opaque`: `dir/.wh..wh..opq` hides everything the layers below have in `dir`;
- `aufs-meta`: aufs bookkeeping, skipped as Docker skips it.
*/
export type EntryRole =
  | { role: 'entry' }
  | { role: 'whiteout'; target: EntryPath }
  | { role: 'opaque'; dir: EntryPath }
  | { role: 'aufs-meta' };

export function classifyEntry(entryName: string, cleaned: EntryPath): EntryRole {
  const { components } = cleaned;
  const parents = components.slice(0, -1);
  if (parents.some((part) => part.startsWith(AUFS_META_PREFIX))) return { role: 'aufs-meta' };
  const bad = parents.find((part) => part.startsWith(WHITEOUT_PREFIX));
  if (bad !== undefined) {
    throw refuseEntry('UNPACK_WHITEOUT_INVALID', entryName, `whiteout name ${JSON.stringify(bad)} used as a directory`);
  }
  const base = components[components.length - 1];
  if (base === undefined || !base.startsWith(WHITEOUT_PREFIX)) return { role: 'entry' };
  if (base === OPAQUE_MARKER) return { role: 'opaque', dir: { path: parents.join('/'), components: parents } };
  if (base.startsWith(AUFS_META_PREFIX)) return { role: 'aufs-meta' };
  const hidden = base.slice(WHITEOUT_PREFIX.length);
  // `.wh.`, `.wh..` and `.wh...` would delete nothing, the directory itself, or its parent.
  if (hidden === '' || hidden === '.' || hidden === '..') {
    throw refuseEntry('UNPACK_WHITEOUT_INVALID', entryName, `whiteout ${JSON.stringify(base)} names no entry`);
  }
  const target = [...parents, hidden];
  return { role: 'whiteout', target: { path: target.join('/'), components: target } };
}

/** Every proper prefix of a path, shortest first: `a/b/c` → `a`, `a/b`. */
export function parentPaths(components: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < components.length; i++) out.push(components.slice(0, i).join('/'));
  return out;
}
