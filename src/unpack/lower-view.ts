import type { FileType } from '../kernel/types.js';
import type { LayerFs } from './layer-fs.js';

/**
What a stack of layer directories in overlay form shows at a path, read the way overlayfs looks it up:
the topmost layer that has the name decides; a whiteout (0/0 character device) hides the name from
every layer below; a directory merges with the directories of the same name below it, unless it is
opaque (`trusted.overlay.opaque=y`); a non-directory hides everything below it. Used to check a new
layer against the ones it will sit on, and to tell added from changed files in a container's upper dir.
*/
export interface LowerHit {
  type: FileType;
  /** Index in the `dirs` given (top first). */
  layer: number;
  /** The symlink's target, for messages. */
  target?: string;
}

const OPAQUE_XATTR = 'trusted.overlay.opaque';

export function isWhiteout(stat: { type: FileType; rdevMajor: number; rdevMinor: number }): boolean {
  return stat.type === 'char' && stat.rdevMajor === 0 && stat.rdevMinor === 0;
}

export function isOpaqueDir(fs: Pick<LayerFs, 'kernel'>, path: string): boolean {
  try {
    return fs.kernel.getxattr(path, OPAQUE_XATTR).toString() === 'y';
  } catch {
    return false;
  }
}

/** `dirs` top first; `path` relative (`etc/ssl`). Null when the merged view has nothing there. */
export function lookupLowerView(fs: Pick<LayerFs, 'kernel' | 'lstat'>, dirs: readonly string[], path: string): LowerHit | null {
  const components = path.split('/').filter((part) => part !== '');
  let candidates = dirs.map((dir, layer) => ({ dir, layer }));
  let prefix = '';
  for (let i = 0; i < components.length; i++) {
    prefix = prefix === '' ? components[i]! : `${prefix}/${components[i]}`;
    const last = i === components.length - 1;
    const merged: typeof candidates = [];
    for (const candidate of candidates) {
      const full = `${candidate.dir}/${prefix}`;
      const stat = fs.lstat(full);
      if (stat === null) continue;
      if (isWhiteout(stat)) break;
      if (last || stat.type !== 'dir') {
        // The first non-directory decides for this name; below a directory from a higher layer it is hidden.
        if (merged.length > 0) break;
        if (!last) return null;
        const hit: LowerHit = { type: stat.type, layer: candidate.layer };
        if (stat.type === 'symlink') hit.target = fs.kernel.readlink(full);
        return hit;
      }
      merged.push(candidate);
      if (isOpaqueDir(fs, full)) break;
    }
    if (merged.length === 0) return null;
    candidates = merged;
  }
  return null;
}
