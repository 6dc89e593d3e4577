import { ERRNO } from '../errno.js';
import { XATTR } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import { CAP, MAY_READ, MAY_WRITE, hasCap, ownerOrCapable, requireAccess } from './access.js';
import { resolveExisting, type Location } from './path-walk.js';
import { requireWritable, statOf, type VfsContext } from './vfs-context.js';

/** The l*xattr calls: never following a symlink, with the namespace rules of xattr(7). */

const XATTR_NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;
const NAMESPACES = ['security.', 'system.', 'trusted.', 'user.'];

function checkName(name: string): void {
  // setxattr(2): ERANGE for an empty name or one longer than XATTR_NAME_MAX.
  const length = Buffer.byteLength(name);
  if (length === 0 || length > XATTR_NAME_MAX) throw new ErrnoFailure(ERRNO.ERANGE);
}

/**
xattr_permission(): trusted.* needs CAP_SYS_ADMIN (EPERM to write, ENODATA to read); user.* lives only
on regular files and directories (EPERM / ENODATA) and, on a sticky directory, is written only by its
owner; security.* and system.* are left to the filesystem; everything else needs the file permission.
*/
function checkPermission(ctx: VfsContext, loc: Location, name: string, mask: number): void {
  const stat = statOf(loc);
  const write = (mask & MAY_WRITE) !== 0;
  if (name.startsWith('security.') || name.startsWith('system.')) {
    // capabilities(7): setting security.* other than security.capability needs CAP_SYS_ADMIN.
    if (write && name.startsWith('security.') && !hasCap(ctx.caller, CAP.CAP_SYS_ADMIN)) throw new ErrnoFailure(ERRNO.EPERM);
    return;
  }
  if (name.startsWith('trusted.')) {
    if (!hasCap(ctx.caller, CAP.CAP_SYS_ADMIN)) throw new ErrnoFailure(write ? ERRNO.EPERM : ERRNO.ENODATA);
    return;
  }
  if (name.startsWith('user.')) {
    if (stat.type !== 'file' && stat.type !== 'dir') throw new ErrnoFailure(write ? ERRNO.EPERM : ERRNO.ENODATA);
    if (write && stat.type === 'dir' && (stat.mode & 0o1000) !== 0 && !ownerOrCapable(stat, ctx.caller)) {
      throw new ErrnoFailure(ERRNO.EPERM);
    }
  }
  requireAccess(stat, ctx.caller, mask);
}

/** The filesystem's handler lookup: EOPNOTSUPP for an unknown namespace, EINVAL for `user.` alone. */
function checkNamespace(name: string): void {
  const prefix = NAMESPACES.find((ns) => name.startsWith(ns));
  if (prefix === undefined) throw new ErrnoFailure(ERRNO.EOPNOTSUPP);
  // system.* holds POSIX ACLs, which the model does not keep.
  if (prefix === 'system.') throw new ErrnoFailure(ERRNO.EOPNOTSUPP);
  if (name.length === prefix.length) throw new ErrnoFailure(ERRNO.EINVAL);
}

export function setxattrAt(ctx: VfsContext, path: string, name: string, value: Buffer, flags: number): void {
  // setxattr(2): EINVAL for unknown flags, ERANGE for a bad name, E2BIG for a value over 64 KiB.
  if ((flags & ~(XATTR.XATTR_CREATE | XATTR.XATTR_REPLACE)) !== 0) throw new ErrnoFailure(ERRNO.EINVAL);
  checkName(name);
  if (value.byteLength > XATTR_SIZE_MAX) throw new ErrnoFailure(ERRNO.E2BIG);
  const { loc } = resolveExisting(ctx, path, false);
  requireWritable(loc);
  checkPermission(ctx, loc, name, MAY_WRITE);
  checkNamespace(name);
  const existing = loc.mount.fs.getxattr(loc.node, name, ctx.caller);
  // setxattr(2): EEXIST with XATTR_CREATE when it exists, ENODATA with XATTR_REPLACE when it does not.
  if ((flags & XATTR.XATTR_CREATE) !== 0 && existing !== undefined) throw new ErrnoFailure(ERRNO.EEXIST);
  if ((flags & XATTR.XATTR_REPLACE) !== 0 && existing === undefined) throw new ErrnoFailure(ERRNO.ENODATA);
  loc.mount.fs.setxattr(loc.node, name, value, ctx.caller);
}

export function getxattrAt(ctx: VfsContext, path: string, name: string): Buffer {
  checkName(name);
  const { loc } = resolveExisting(ctx, path, false);
  checkPermission(ctx, loc, name, MAY_READ);
  checkNamespace(name);
  const value = loc.mount.fs.getxattr(loc.node, name, ctx.caller);
  // getxattr(2): ENODATA when the attribute does not exist.
  if (value === undefined) throw new ErrnoFailure(ERRNO.ENODATA);
  return Buffer.from(value);
}

export function listxattrAt(ctx: VfsContext, path: string): string[] {
  const { loc } = resolveExisting(ctx, path, false);
  const names = loc.mount.fs.listxattr(loc.node, ctx.caller);
  // xattr(7): trusted.* attributes are visible only to CAP_SYS_ADMIN.
  return hasCap(ctx.caller, CAP.CAP_SYS_ADMIN) ? names : names.filter((n) => !n.startsWith('trusted.'));
}

export function removexattrAt(ctx: VfsContext, path: string, name: string): void {
  checkName(name);
  const { loc } = resolveExisting(ctx, path, false);
  requireWritable(loc);
  checkPermission(ctx, loc, name, MAY_WRITE);
  checkNamespace(name);
  // removexattr(2): ENODATA when the attribute does not exist.
  if (!loc.mount.fs.removexattr(loc.node, name, ctx.caller)) throw new ErrnoFailure(ERRNO.ENODATA);
}
