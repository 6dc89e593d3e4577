import { ERRNO } from '../errno.js';
import { MNT, MS } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { MountRequest } from '../types.js';
import { CAP, hasCap } from './access.js';
import type { SimFs } from './fs-types.js';
import { newMount, type Mount, type MountIds } from './mount-table.js';
import { crossMounts, resolveExisting, type Location } from './path-walk.js';
import { bindMount, changePropagation, moveMount, propagatedCopies, propagateMount } from './mount-tree-ops.js';
import { statOf, type VfsContext } from './vfs-context.js';

/** What mount(2) needs beyond the file calls: numbers, and a way to make a filesystem. */
export interface MountHost {
  ids: MountIds;
  createFilesystem(ctx: VfsContext, request: MountRequest): SimFs;
}

const MS_MGC_MSK = 0xffff0000;
const MS_MGC_VAL = 0xc0ed0000;
const MS_NOUSER = 0x80000000;
const PROPAGATION = MS.MS_SHARED | MS.MS_PRIVATE | MS.MS_SLAVE | MS.MS_UNBINDABLE;
/** The flags that belong to a mount rather than to its superblock. */
export const PER_MOUNT = MS.MS_RDONLY | MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC | MS.MS_NOATIME | MS.MS_NODIRATIME | MS.MS_RELATIME | MS.MS_STRICTATIME | MS.MS_NOSYMFOLLOW;

/**
mount(2), in the kernel's order: look the target up (ENOENT, ENOTDIR, ELOOP), refuse MS_NOUSER,
check CAP_SYS_ADMIN (EPERM), then one of: bind remount, remount, bind, propagation change, move,
new mount.
*/
export function mountAt(ctx: VfsContext, host: MountHost, request: MountRequest): void {
  let flags = request.flags >>> 0;
  if ((flags & MS_MGC_MSK) >>> 0 === MS_MGC_VAL) flags = (flags & ~MS_MGC_MSK) >>> 0;
  const target = resolveExisting(ctx, request.target, true);
  if ((flags & MS_NOUSER) !== 0) throw new ErrnoFailure(ERRNO.EINVAL);
  // mount(2): EPERM without CAP_SYS_ADMIN.
  if (!hasCap(ctx.caller, CAP.CAP_SYS_ADMIN)) throw new ErrnoFailure(ERRNO.EPERM);
  const isRoot = target.loc.node.key === target.loc.mount.root.key;
  if ((flags & MS.MS_REMOUNT) !== 0) {
    // mount(2): EINVAL when remounting something that is not a mount point.
    if (!isRoot) throw new ErrnoFailure(ERRNO.EINVAL);
    target.loc.mount.flags = flags & PER_MOUNT;
    return;
  }
  if ((flags & MS.MS_BIND) !== 0) {
    bindMount(ctx, host.ids, request.source, target.loc, target.path, (flags & MS.MS_REC) !== 0);
    return;
  }
  if ((flags & PROPAGATION) !== 0) {
    // mount(2): EINVAL unless the target is a mount point and exactly one propagation type is given.
    const type = flags & ~(MS.MS_REC | MS.MS_SILENT);
    if (!isRoot || (type & ~PROPAGATION) !== 0 || (type & (type - 1)) !== 0) throw new ErrnoFailure(ERRNO.EINVAL);
    changePropagation(host.ids, target.loc.mount, type, (flags & MS.MS_REC) !== 0);
    return;
  }
  if ((flags & MS.MS_MOVE) !== 0) {
    moveMount(ctx, request.source, target.loc, target.path);
    return;
  }
  // mount(2): EINVAL without a filesystem type, ENODEV for one the kernel does not know.
  if (request.fstype === null) throw new ErrnoFailure(ERRNO.EINVAL);
  const fs = host.createFilesystem(ctx, request);
  const mount = newMount(host.ids.mountId(), fs, fs.root(), '/', flags & PER_MOUNT);
  host.ids.hold(fs);
  try {
    graft(ctx, host.ids, mount, target.loc, target.path);
  } catch (error) {
    host.ids.releaseId(mount.id);
    host.ids.drop(fs);
    throw error;
  }
}

/** Attaches a new mount tree at a location; a directory only on a directory (ENOTDIR). */
export function graft(ctx: VfsContext, ids: MountIds, mount: Mount, at: Location, path: string): void {
  const rootIsDir = mount.fs.stat(mount.root).type === 'dir';
  if ((statOf(at).type === 'dir') !== rootIsDir) throw new ErrnoFailure(ERRNO.ENOTDIR);
  // mount(2): a new mount below a shared mount is shared in a new peer group (mount_namespaces(7)).
  if (at.mount.shared !== 0 && mount.shared === 0) mount.shared = ids.peerGroup();
  ctx.ns.attach(mount, at.mount, at.node, path);
  propagateMount(ctx.ns, ids, mount);
}

/**
umount2(2): EINVAL for unknown flags, the target looked up (ENOENT), EPERM without CAP_SYS_ADMIN,
EINVAL when the target is not a mount point, EBUSY while something is mounted below it (unless
MNT_DETACH, which takes the whole tree away).
*/
export function umountAt(ctx: VfsContext, ids: MountIds, target: string, flags: number): void {
  const known = MNT.MNT_FORCE | MNT.MNT_DETACH | MNT.MNT_EXPIRE | MNT.UMOUNT_NOFOLLOW;
  if ((flags & ~known) !== 0) throw new ErrnoFailure(ERRNO.EINVAL);
  if ((flags & MNT.MNT_EXPIRE) !== 0 && (flags & (MNT.MNT_FORCE | MNT.MNT_DETACH)) !== 0) throw new ErrnoFailure(ERRNO.EINVAL);
  // umount's lookup (LOOKUP_MOUNTPOINT) goes up to the topmost mount even on `.`: after
  // pivot_root(".", "."), umount2(".") reaches the old root stacked on the new one.
  const loc = crossMounts(ctx.ns, resolveExisting(ctx, target, (flags & MNT.UMOUNT_NOFOLLOW) === 0).loc);
  if (!hasCap(ctx.caller, CAP.CAP_SYS_ADMIN)) throw new ErrnoFailure(ERRNO.EPERM);
  const mount = loc.mount;
  if (loc.node.key !== mount.root.key) throw new ErrnoFailure(ERRNO.EINVAL);
  // The namespace root cannot go: the kernel tries a read-only remount of / and finds it busy.
  if (mount.parent === null) throw new ErrnoFailure(ERRNO.EBUSY);
  if ((flags & MNT.MNT_DETACH) === 0 && mount.children.length > 0) throw new ErrnoFailure(ERRNO.EBUSY);
  // An umount below a shared mount propagates to the copies on its peers and slaves that are unused.
  const copies = propagatedCopies(ctx.ns, mount).filter((m) => m.children.length === 0 || (flags & MNT.MNT_DETACH) !== 0);
  for (const root of [mount, ...copies]) {
    for (const gone of ctx.ns.detachTree(root)) {
      ids.releaseId(gone.id);
      ids.drop(gone.fs);
    }
  }
}

