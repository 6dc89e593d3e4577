import { ERRNO } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import { CAP, MAY_EXEC, hasCap, requireAccess } from './access.js';
import { MountNamespace, newMount, type Mount, type MountIds } from './mount-table.js';
import { resolveExisting, type Location } from './path-walk.js';
import type { SimProcess } from './processes.js';
import { statOf, type VfsContext } from './vfs-context.js';

/** A new mount namespace, chroot(2) and pivot_root(2): how a process gets a root of its own. */

/** CAP_SYS_CHROOT (capability.h) */
export const CAP_SYS_CHROOT = 18;

/**
copy_mnt_ns(): the same tree with new mount ids, each mount keeping its flags and propagation (a
shared mount's copy is its peer, mount_namespaces(7)), in the same order.
*/
export function copyMountNamespace(ids: MountIds, inode: number, source: MountNamespace): MountNamespace {
  const copies = new Map<Mount, Mount>();
  for (const m of source.mounts) {
    const copy = newMount(ids.mountId(), m.fs, m.root, m.rootPath, m.flags);
    ids.hold(m.fs);
    Object.assign(copy, { shared: m.shared, master: m.master, unbindable: m.unbindable, mountPath: m.mountPath });
    copies.set(m, copy);
  }
  const ns = new MountNamespace(inode, copies.get(source.root)!);
  for (const m of source.mounts) {
    if (m === source.root || m.parent === null || m.mountpoint === null) continue;
    ns.attach(copies.get(m)!, copies.get(m.parent)!, m.mountpoint, m.mountPath);
  }
  return ns;
}

function directory(ctx: VfsContext, path: string): { loc: Location; path: string } {
  const found = resolveExisting(ctx, path, true);
  if (statOf(found.loc).type !== 'dir') throw new ErrnoFailure(ERRNO.ENOTDIR);
  return found;
}

/**
chroot(2): the lookup first (ENOENT, ENOTDIR, ELOOP), then search permission on the directory
(EACCES), then CAP_SYS_CHROOT (EPERM). The working directory does not move.
*/
export function chrootAt(ctx: VfsContext, process: SimProcess, path: string): void {
  const found = directory(ctx, path);
  requireAccess(statOf(found.loc), ctx.caller, MAY_EXEC);
  if (!hasCap(ctx.caller, CAP_SYS_CHROOT)) throw new ErrnoFailure(ERRNO.EPERM);
  const prefix = found.path === '/' ? '' : found.path;
  process.root = found.loc;
  // The model keeps cwd as a path below the root: one below the new root is renamed, any other
  // (the cwd the real kernel leaves outside the new root) shows as the root.
  process.cwd = process.cwd === found.path ? '/' : process.cwd.startsWith(`${prefix}/`) ? process.cwd.slice(prefix.length) : '/';
}

function isBelow(m: Mount, ancestor: Mount): boolean {
  for (let x: Mount | null = m; x !== null; x = x.parent) if (x === ancestor) return true;
  return false;
}

function rebase(path: string, from: string, to: string): string {
  const rest = from === '/' ? path : path === from ? '/' : path.slice(from.length);
  if (to === '/') return rest;
  return rest === '/' ? to : `${to}${rest}`;
}

/**
pivot_root(2), with the kernel's checks in its order (fs/namespace.c): EPERM without CAP_SYS_ADMIN;
the two lookups (ENOENT, ENOTDIR); EINVAL when put_old, or the parent of new_root or of the current
root, is a shared mount; EBUSY when new_root or put_old is on the current root mount; EINVAL when the
caller's root is not a mount point (after chroot), when new_root is not a mount point, when put_old
is not at or below new_root. Then new_root becomes the namespace's root and the old root is mounted
on put_old; a root or cwd on the old root moves to the new one.
*/
export function pivotRootAt(ctx: VfsContext, process: SimProcess, newRoot: string, putOld: string): void {
  if (!hasCap(ctx.caller, CAP.CAP_SYS_ADMIN)) throw new ErrnoFailure(ERRNO.EPERM);
  const fresh = directory(ctx, newRoot);
  const old = directory(ctx, putOld);
  const ns = ctx.ns;
  const rootLoc = ctx.root ?? { mount: ns.root, node: ns.root.root };
  const rootMnt = rootLoc.mount;
  const newMnt = fresh.loc.mount;
  if (old.loc.mount.shared !== 0 || (newMnt.parent?.shared ?? 0) !== 0 || (rootMnt.parent?.shared ?? 0) !== 0) throw new ErrnoFailure(ERRNO.EINVAL);
  if (newMnt === rootMnt || old.loc.mount === rootMnt) throw new ErrnoFailure(ERRNO.EBUSY);
  if (rootLoc.node.key !== rootMnt.root.key) throw new ErrnoFailure(ERRNO.EINVAL);
  if (fresh.loc.node.key !== newMnt.root.key || newMnt.parent === null) throw new ErrnoFailure(ERRNO.EINVAL);
  if (!isBelow(old.loc.mount, newMnt)) throw new ErrnoFailure(ERRNO.EINVAL);

  const newPath = newMnt.mountPath;
  const putOldPath = rebase(old.path, newPath, '/');
  // The new root's tree leaves the old one, and the old root goes on put_old, inside it.
  newMnt.parent.children = newMnt.parent.children.filter((c) => c !== newMnt);
  for (const m of ns.mounts) {
    if (m === newMnt) continue;
    m.mountPath = isBelow(m, newMnt) ? rebase(m.mountPath, newPath, '/') : rebase(m.mountPath, '/', putOldPath);
  }
  Object.assign(newMnt, { parent: null, mountpoint: null, mountPath: '/' });
  ns.root = newMnt;
  rootMnt.parent = old.loc.mount;
  rootMnt.mountpoint = old.loc.node;
  rootMnt.mountPath = putOldPath;
  old.loc.mount.children.push(rootMnt);
  // chroot_fs_refs(): who had the old root as root now has the new one; cwds are renamed with the tree.
  if (process.root !== undefined && process.root.mount === rootMnt) process.root = undefined;
  process.cwd = process.cwd === newPath || process.cwd.startsWith(newPath === '/' ? '/' : `${newPath}/`) ? rebase(process.cwd, newPath, '/') : rebase(process.cwd, '/', putOldPath);
}
