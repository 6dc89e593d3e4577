import { ERRNO } from '../errno.js';
import { MS } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { FileStat } from '../types.js';
import { MAY_EXEC, MAY_WRITE, requireAccess } from './access.js';
import { walkPath, type Location, type WalkEnv, type Walked } from './path-walk.js';

/** What a file call needs besides its arguments: the caller, its namespace, cwd and umask. */
export interface VfsContext extends WalkEnv {
  umask: number;
}

export function statOf(loc: Location): FileStat {
  return loc.mount.fs.stat(loc.node);
}

/** The directory holding the last component of a walk. */
export function parentOf(walked: Walked): Location {
  return walked.parents[walked.parents.length - 1]!.loc;
}

/** EROFS: a read-only mount (MS_RDONLY) or a read-only superblock (an overlay without upperdir). */
export function requireWritable(loc: Location): void {
  if ((loc.mount.flags & MS.MS_RDONLY) !== 0 || loc.mount.fs.readOnly) throw new ErrnoFailure(ERRNO.EROFS);
}

/** True when a mount sits on this node: it cannot be removed or renamed (EBUSY). */
export function isMountpoint(ctx: VfsContext, loc: Location): boolean {
  return ctx.ns.mountedOn(loc.mount, loc.node) !== undefined;
}

export interface CreateTarget {
  parent: Location;
  name: string;
  /** Absolute path of the new entry. */
  path: string;
}

/**
filename_create(): the parent must be a searchable, writable directory on a writable mount, and the
name must be free. EEXIST wins over EROFS (the lookup comes first); a trailing slash is allowed only
when making a directory (otherwise a missing name is ENOENT).
*/
export function prepareCreate(ctx: VfsContext, path: string, wantDir: boolean): CreateTarget {
  const walked = walkPath(ctx, path, 'parent');
  // mkdir(2): EEXIST for `/`, `.` and `..`, which always exist.
  if (walked.kind !== 'normal' || walked.found !== null) throw new ErrnoFailure(ERRNO.EEXIST);
  if (walked.trailingSlash && !wantDir) throw new ErrnoFailure(ERRNO.ENOENT);
  const parent = parentOf(walked);
  requireWritable(parent);
  requireAccess(statOf(parent), ctx.caller, MAY_WRITE | MAY_EXEC);
  const dir = walked.parents.length === 1 ? '/' : `/${walked.parents.slice(1).map((s) => s.name).join('/')}`;
  return { parent, name: walked.name, path: dir === '/' ? `/${walked.name}` : `${dir}/${walked.name}` };
}
