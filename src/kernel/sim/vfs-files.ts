import { ERRNO } from '../errno.js';
import { MS, S_IF } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { FileStat } from '../types.js';
import { CAP, MAY_EXEC, MAY_READ, MAY_WRITE, hasCap, ownerOrCapable, requireAccess } from './access.js';
import { resolveExisting, walkPath } from './path-walk.js';
import { parentOf, prepareCreate, requireWritable, statOf, type VfsContext } from './vfs-context.js';

/** Creating and reading files: the calls of the Kernel interface that make or look at one entry. */

export function mkdirAt(ctx: VfsContext, path: string, mode: number): void {
  const target = prepareCreate(ctx, path, true);
  // mkdir(2): mode & ~umask & (0777 | S_ISVTX).
  target.parent.mount.fs.create(target.parent.node, target.name, { type: 'dir', mode: mode & ~ctx.umask & 0o1777 }, ctx.caller);
}

export function symlinkAt(ctx: VfsContext, target: string, path: string): void {
  // symlink(2): an empty target is ENOENT, before the link path is looked at.
  if (target === '') throw new ErrnoFailure(ERRNO.ENOENT);
  const at = prepareCreate(ctx, path, false);
  at.parent.mount.fs.create(at.parent.node, at.name, { type: 'symlink', target }, ctx.caller);
}

export function mknodAt(ctx: VfsContext, path: string, mode: number, major: number, minor: number): void {
  const type = mode & S_IF.S_IFMT;
  // mknod(2): EPERM for a directory, EINVAL for an unknown type, both before the path is looked up.
  if (type === S_IF.S_IFDIR) throw new ErrnoFailure(ERRNO.EPERM);
  const known = [0, S_IF.S_IFREG, S_IF.S_IFCHR, S_IF.S_IFBLK, S_IF.S_IFIFO, S_IF.S_IFSOCK] as number[];
  if (!known.includes(type)) throw new ErrnoFailure(ERRNO.EINVAL);
  const at = prepareCreate(ctx, path, false);
  const device = type === S_IF.S_IFCHR || type === S_IF.S_IFBLK;
  const whiteout = type === S_IF.S_IFCHR && major === 0 && minor === 0;
  // mknod(2): EPERM for a device node without CAP_MKNOD; a 0/0 whiteout is allowed to anyone (Linux 5.8).
  if (device && !whiteout && !hasCap(ctx.caller, CAP.CAP_MKNOD)) throw new ErrnoFailure(ERRNO.EPERM);
  const perm = mode & 0o7777 & ~ctx.umask;
  const fs = at.parent.mount.fs;
  if (type === 0 || type === S_IF.S_IFREG) fs.create(at.parent.node, at.name, { type: 'file', mode: perm }, ctx.caller);
  else fs.create(at.parent.node, at.name, { type: 'special', mode: type | perm, major: device ? major : 0, minor: device ? minor : 0 }, ctx.caller);
}

/** open(O_WRONLY|O_CREAT|O_TRUNC, 0666) and one write(): what fs.writeFileSync does. */
export function writeFileAt(ctx: VfsContext, path: string, data: Buffer): void {
  const walked = walkPath(ctx, path, 'follow');
  // open(2): EISDIR when asked to write to `/`, `.` or `..`.
  if (walked.kind !== 'normal') throw new ErrnoFailure(ERRNO.EISDIR);
  if (walked.found === null) {
    // open(2): O_CREAT on a name with a trailing slash is EISDIR.
    if (walked.trailingSlash) throw new ErrnoFailure(ERRNO.EISDIR);
    const parent = parentOf(walked);
    requireWritable(parent);
    requireAccess(statOf(parent), ctx.caller, MAY_WRITE | MAY_EXEC);
    const node = parent.mount.fs.create(parent.node, walked.name, { type: 'file', mode: 0o666 & ~ctx.umask }, ctx.caller);
    if (data.byteLength > 0) parent.mount.fs.write(node, data, ctx.caller);
    return;
  }
  const loc = walked.found;
  const stat = statOf(loc);
  if (walked.trailingSlash && stat.type !== 'dir') throw new ErrnoFailure(ERRNO.ENOTDIR);
  if (stat.type === 'dir') throw new ErrnoFailure(ERRNO.EISDIR);
  if (stat.type === 'file' || stat.type === 'symlink') requireWritable(loc);
  requireAccess(stat, ctx.caller, MAY_WRITE);
  requireDeviceAllowed(loc.mount.flags, stat);
  loc.mount.fs.write(loc.node, data, ctx.caller);
}

export function readFileAt(ctx: VfsContext, path: string): Buffer {
  const { loc } = resolveExisting(ctx, path, true);
  const stat = statOf(loc);
  requireAccess(stat, ctx.caller, MAY_READ);
  requireDeviceAllowed(loc.mount.flags, stat);
  // read(2): EISDIR for a directory (open succeeds, read fails).
  if (stat.type === 'dir') throw new ErrnoFailure(ERRNO.EISDIR);
  return loc.mount.fs.read(loc.node, ctx.caller);
}

/** mount(2) MS_NODEV: device files on this mount cannot be opened (EACCES). */
function requireDeviceAllowed(flags: number, stat: FileStat): void {
  if ((flags & MS.MS_NODEV) !== 0 && (stat.type === 'char' || stat.type === 'block')) throw new ErrnoFailure(ERRNO.EACCES);
}

export function readdirAt(ctx: VfsContext, path: string): string[] {
  const { loc } = resolveExisting(ctx, path, true);
  const stat = statOf(loc);
  // open(2) with O_DIRECTORY: ENOTDIR for anything else.
  if (stat.type !== 'dir') throw new ErrnoFailure(ERRNO.ENOTDIR);
  requireAccess(stat, ctx.caller, MAY_READ);
  return loc.mount.fs.readdir(loc.node, ctx.caller);
}

export function lstatAt(ctx: VfsContext, path: string): FileStat {
  return statOf(resolveExisting(ctx, path, false).loc);
}

export function readlinkAt(ctx: VfsContext, path: string): string {
  const { loc } = resolveExisting(ctx, path, false);
  // readlink(2): EINVAL when the path is not a symbolic link.
  if (statOf(loc).type !== 'symlink') throw new ErrnoFailure(ERRNO.EINVAL);
  return loc.mount.fs.readlink(loc.node, ctx.caller);
}

export function chmodAt(ctx: VfsContext, path: string, mode: number): void {
  const { loc } = resolveExisting(ctx, path, true);
  requireWritable(loc);
  // chmod(2): EPERM unless the caller owns the file or has CAP_FOWNER.
  if (!ownerOrCapable(statOf(loc), ctx.caller)) throw new ErrnoFailure(ERRNO.EPERM);
  loc.mount.fs.setattr(loc.node, { mode }, ctx.caller);
}

export function lchownAt(ctx: VfsContext, path: string, uid: number, gid: number): void {
  const { loc } = resolveExisting(ctx, path, false);
  requireWritable(loc);
  const stat = statOf(loc);
  if (!hasCap(ctx.caller, CAP.CAP_CHOWN)) {
    // chown(2): without CAP_CHOWN only the owner may change the group, to one of its own, and never the owner.
    const owner = ctx.caller.uid === stat.uid;
    const uidOk = uid === -1 || uid === stat.uid;
    const gidOk = gid === -1 || gid === stat.gid || gid === ctx.caller.gid;
    if (!owner || !uidOk || !gidOk) throw new ErrnoFailure(ERRNO.EPERM);
  }
  loc.mount.fs.setattr(loc.node, { uid, gid }, ctx.caller);
}

const TEMP_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** mkdtemp(3): the prefix plus six random characters, made 0700; retried while the name is taken. */
export function mkdtempAt(ctx: VfsContext, prefix: string, random: () => number): string {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    let suffix = '';
    for (let i = 0; i < 6; i += 1) suffix += TEMP_CHARS[Math.floor(random() * TEMP_CHARS.length)];
    const path = `${prefix}${suffix}`;
    try {
      mkdirAt({ ...ctx, umask: 0 }, path, 0o700);
      return path;
    } catch (error) {
      if (!(error instanceof ErrnoFailure) || error.errno !== ERRNO.EEXIST) throw error;
    }
  }
  throw new ErrnoFailure(ERRNO.EEXIST);
}
