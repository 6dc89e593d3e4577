import { ERRNO } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import { MAY_EXEC, MAY_WRITE, requireAccess, requireStickyOwner } from './access.js';
import { walkPath, type Location, type Step, type Walked } from './path-walk.js';
import { isMountpoint, parentOf, requireWritable, statOf, type VfsContext } from './vfs-context.js';

/** Removing and renaming entries: the calls that go through may_delete() in the kernel. */

/** may_delete(): write and search on the directory, the sticky rule, then the type of the victim. */
function mayDelete(ctx: VfsContext, dir: Location, victim: Location, wantDir: boolean): void {
  const dirStat = statOf(dir);
  const stat = statOf(victim);
  requireAccess(dirStat, ctx.caller, MAY_WRITE | MAY_EXEC);
  requireStickyOwner(dirStat, stat, ctx.caller);
  if (wantDir && stat.type !== 'dir') throw new ErrnoFailure(ERRNO.ENOTDIR);
  if (!wantDir && stat.type === 'dir') throw new ErrnoFailure(ERRNO.EISDIR);
}

export function rmdirAt(ctx: VfsContext, path: string): void {
  const walked = walkPath(ctx, path, 'parent');
  // rmdir(2): EBUSY for the root, EINVAL for `.`, ENOTEMPTY for `..`.
  if (walked.kind === 'root') throw new ErrnoFailure(ERRNO.EBUSY);
  if (walked.kind === 'dot') throw new ErrnoFailure(ERRNO.EINVAL);
  if (walked.kind === 'dotdot') throw new ErrnoFailure(ERRNO.ENOTEMPTY);
  const dir = parentOf(walked);
  requireWritable(dir);
  if (walked.found === null) throw new ErrnoFailure(ERRNO.ENOENT);
  mayDelete(ctx, dir, walked.found, true);
  // rmdir(2): EBUSY when the directory is a mount point.
  if (isMountpoint(ctx, walked.found)) throw new ErrnoFailure(ERRNO.EBUSY);
  dir.mount.fs.remove(dir.node, walked.name, walked.found.node, ctx.caller);
}

export function unlinkAt(ctx: VfsContext, path: string): void {
  const walked = walkPath(ctx, path, 'parent');
  // unlink(2): `/`, `.` and `..` are directories: EISDIR.
  if (walked.kind !== 'normal') throw new ErrnoFailure(ERRNO.EISDIR);
  const dir = parentOf(walked);
  requireWritable(dir);
  if (walked.found === null) throw new ErrnoFailure(ERRNO.ENOENT);
  if (walked.trailingSlash) {
    // unlink(2) of `name/`: EISDIR for a directory, ENOTDIR for anything else (symlinks are not followed).
    throw new ErrnoFailure(statOf(walked.found).type === 'dir' ? ERRNO.EISDIR : ERRNO.ENOTDIR);
  }
  mayDelete(ctx, dir, walked.found, false);
  // unlink(2): EBUSY when the file is a mount point (a bind-mounted file).
  if (isMountpoint(ctx, walked.found)) throw new ErrnoFailure(ERRNO.EBUSY);
  dir.mount.fs.remove(dir.node, walked.name, walked.found.node, ctx.caller);
}

function sameLoc(a: Location, b: Location): boolean {
  return a.mount === b.mount && a.node.key === b.node.key;
}

function onPath(steps: Step[], loc: Location): boolean {
  return steps.some((step) => sameLoc(step.loc, loc));
}

export function renameAt(ctx: VfsContext, from: string, to: string): void {
  const old: Walked = walkPath(ctx, from, 'parent');
  const neu: Walked = walkPath(ctx, to, 'parent');
  // rename(2): EBUSY when either last component is `/`, `.` or `..`.
  if (old.kind !== 'normal' || neu.kind !== 'normal') throw new ErrnoFailure(ERRNO.EBUSY);
  const oldDir = parentOf(old);
  const newDir = parentOf(neu);
  // rename(2): EXDEV across mounts, even of the same filesystem.
  if (oldDir.mount !== newDir.mount) throw new ErrnoFailure(ERRNO.EXDEV);
  requireWritable(oldDir);
  if (old.found === null) throw new ErrnoFailure(ERRNO.ENOENT);
  const source = old.found;
  const sourceStat = statOf(source);
  const isDir = sourceStat.type === 'dir';
  // rename(2): a trailing slash on either name requires a directory.
  if (!isDir && (old.trailingSlash || neu.trailingSlash)) throw new ErrnoFailure(ERRNO.ENOTDIR);
  // rename(2): EINVAL when moving a directory below itself; ENOTEMPTY when the target is an ancestor of the source.
  if (onPath(neu.parents, source)) throw new ErrnoFailure(ERRNO.EINVAL);
  if (neu.found !== null && onPath(old.parents, neu.found)) throw new ErrnoFailure(ERRNO.ENOTEMPTY);
  if (neu.found !== null && sameLoc(source, neu.found)) return; // the same inode: nothing to do
  mayDelete(ctx, oldDir, source, isDir);
  if (neu.found !== null) mayDelete(ctx, newDir, neu.found, isDir);
  else requireAccess(statOf(newDir), ctx.caller, MAY_WRITE | MAY_EXEC);
  if (isMountpoint(ctx, source) || (neu.found !== null && isMountpoint(ctx, neu.found))) throw new ErrnoFailure(ERRNO.EBUSY);
  oldDir.mount.fs.rename(oldDir.node, old.name, newDir.node, neu.name, ctx.caller);
}
