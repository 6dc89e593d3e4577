import { isDir, isOpaque, isWhiteout, type SimInode } from './inode.js';
import type { MemFs } from './memfs.js';

/**
How overlayfs merges layers (overlayfs(5), Documentation/filesystems/overlayfs.rst): a name is looked
up in upper, then in each lower from the top; a whiteout (0/0 char device) ends the search; a
non-directory hides everything below it; directories merge until one is opaque
(trusted.overlay.opaque=y).
*/
export interface Layer {
  fs: MemFs;
  root: SimInode;
}

export interface LowerEntry {
  inode: SimInode;
  layer: number;
}

/** A name in the merged tree: what upper has for it and what each lower contributes. */
export interface MergedEntry {
  path: string[];
  upper: SimInode | null;
  lowers: LowerEntry[];
}

export function mergedRoot(upper: Layer | null, lowers: Layer[]): MergedEntry {
  return { path: [], upper: upper?.root ?? null, lowers: lowers.map((l, layer) => ({ inode: l.root, layer })) };
}

export function lookupMerged(parent: MergedEntry, name: string): MergedEntry | null {
  let upper: SimInode | null = null;
  let searchLowers = true;
  if (parent.upper !== null && isDir(parent.upper)) {
    const found = parent.upper.children.get(name);
    if (found !== undefined) {
      if (isWhiteout(found)) return null;
      upper = found;
      if (!isDir(found) || isOpaque(found)) searchLowers = false;
    }
  }
  const lowers: LowerEntry[] = [];
  if (searchLowers) {
    for (const lower of parent.lowers) {
      const found = lower.inode.children.get(name);
      if (found === undefined) continue;
      if (isWhiteout(found)) break;
      if (!isDir(found)) {
        // A non-directory counts only when nothing above has the name.
        if (upper === null && lowers.length === 0) lowers.push({ inode: found, layer: lower.layer });
        break;
      }
      lowers.push({ inode: found, layer: lower.layer });
      if (isOpaque(found)) break;
    }
  }
  if (upper === null && lowers.length === 0) return null;
  return { path: [...parent.path, name], upper, lowers };
}

/**
ovl_lower_positive(): whether a lower layer still has the name below this directory, even when upper
shadows it with a file. Removing such a name needs a whiteout, or the lower one would come back.
*/
export function lowerHas(parent: MergedEntry, name: string): boolean {
  for (const lower of parent.lowers) {
    const found = lower.inode.children.get(name);
    if (found !== undefined) return !isWhiteout(found);
  }
  return false;
}

/** The merged directory listing: upper first, then each lower, hidden by whiteouts above. */
export function listMerged(dir: MergedEntry): string[] {
  const layers = [...(dir.upper !== null && isDir(dir.upper) ? [dir.upper] : []), ...dir.lowers.map((l) => l.inode)];
  const seen = new Set<string>();
  const names: string[] = [];
  for (const layer of layers) {
    for (const [name, child] of layer.children) {
      if (seen.has(name)) continue;
      seen.add(name);
      if (!isWhiteout(child)) names.push(name);
    }
  }
  return names;
}

export function topInode(entry: MergedEntry): SimInode {
  return entry.upper ?? entry.lowers[0]!.inode;
}

/** trusted.overlay.origin: which lower inode an upper one was copied from (a file handle, here its ino). */
export function encodeOrigin(ino: number): Buffer {
  const buffer = Buffer.alloc(12);
  buffer.writeUInt8(0, 0);
  buffer.writeUInt8(0xfb, 1);
  buffer.writeBigUInt64LE(BigInt(ino), 4);
  return buffer;
}

export function decodeOrigin(value: Buffer | undefined): number | undefined {
  if (value === undefined || value.byteLength !== 12 || value[1] !== 0xfb) return undefined;
  return Number(value.readBigUInt64LE(4));
}

/** Names an overlay keeps for itself on its layers; through the overlay they are escaped (Linux 6.7). */
export const OVERLAY_PREFIX = 'trusted.overlay.';

export function toLayerXattr(name: string): string {
  return name.startsWith(OVERLAY_PREFIX) ? `${OVERLAY_PREFIX}overlay.${name.slice(OVERLAY_PREFIX.length)}` : name;
}

export function fromLayerXattr(name: string): string | null {
  if (!name.startsWith(OVERLAY_PREFIX)) return name;
  const rest = name.slice(OVERLAY_PREFIX.length);
  return rest.startsWith('overlay.') ? `${OVERLAY_PREFIX}${rest.slice('overlay.'.length)}` : null;
}
