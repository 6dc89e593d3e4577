import { ERRNO } from '../errno.js';
import { MS } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { MountRequest } from '../types.js';
import type { CgroupHost } from './cgroup-core.js';
import { V2_CONTROLLERS } from './cgroup-files-v2.js';
import { createHierarchy, type CgroupHierarchy } from './cgroup-tree.js';
import { CgroupFs } from './cgroupfs.js';
import type { SimFs } from './fs-types.js';
import { parseProcOptions, parseTmpfsOptions, splitOptions } from './fs-options.js';
import { MemFs } from './memfs.js';
import type { MountIds } from './mount-table.js';
import { OverlayFs } from './overlayfs.js';
import { planOverlay } from './overlay-mount.js';
import { resolveExisting } from './path-walk.js';
import { ProcFs, type ProcHost } from './procfs.js';
import type { VfsContext } from './vfs-context.js';

/** What making a filesystem needs from the machine: numbers, the shared superblocks, the hosts. */
export interface FsFactoryHost {
  ids: MountIds;
  ramBytes: number;
  procHost: ProcHost;
  cgroupHost: CgroupHost;
  sysfs: MemFs;
  hierarchies: CgroupHierarchy[];
  cgroupFs(hierarchy: CgroupHierarchy): CgroupFs;
}

const V1_SUBSYSTEMS = ['cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'net_cls', 'perf_event', 'net_prio', 'hugetlb', 'pids', 'rdma', 'misc'];
const BLOCK_FILESYSTEMS = ['ext4', 'ext3', 'ext2', 'xfs', 'btrfs', 'vfat', 'iso9660', 'squashfs'];

export function tmpfs(ids: MountIds, source: string, data: string | null | undefined, flags: number, ramBytes: number, fstype = 'tmpfs'): MemFs {
  const options = parseTmpfsOptions(data, ramBytes);
  const fs = new MemFs({
    fstype,
    source,
    dev: ids.anonDev(),
    rootMode: options.mode,
    rootUid: options.uid,
    rootGid: options.gid,
    firstIno: 1,
    dirSize: 'entries',
    sizeLimit: options.size === 0 ? undefined : options.size ?? Math.floor(ramBytes / 2),
    superOptions: options.shown,
  });
  fs.readOnly = (flags & MS.MS_RDONLY) !== 0;
  return fs;
}

/**
The filesystem types the model knows, as mount(2) makes them: a new tmpfs/proc/overlay superblock per
mount; the one sysfs and the one superblock per cgroup hierarchy shared by every mount of it.
*/
export function createFilesystem(host: FsFactoryHost, ctx: VfsContext, request: MountRequest): SimFs {
  const source = request.source === '' ? 'none' : request.source;
  switch (request.fstype) {
    case 'tmpfs':
    case 'ramfs':
    case 'devpts':
    case 'mqueue':
      return tmpfs(host.ids, source, request.fstype === 'tmpfs' ? request.data : null, request.flags, host.ramBytes, request.fstype);
    case 'proc': {
      // A proc mount shows the pids of the mounter's pid namespace (pid_namespaces(7), "/proc and PID namespaces").
      const pidNs = host.procHost.processes.get(ctx.caller.pid)?.ns.pid;
      const fs = new ProcFs(host.ids.anonDev(), host.procHost, parseProcOptions(request.data), pidNs);
      return fs;
    }
    case 'sysfs':
      return host.sysfs;
    case 'overlay':
      return new OverlayFs(planOverlay(ctx, request.data, request.flags, host.ids.anonDev(), source));
    case 'cgroup2':
      return host.cgroupFs(unifiedHierarchy(host));
    case 'cgroup':
      return host.cgroupFs(v1Hierarchy(host, request.data));
    default:
      if (BLOCK_FILESYSTEMS.includes(request.fstype ?? '')) return blockFilesystem(ctx, request.source);
      // mount(2): ENODEV for a filesystem type the kernel does not know.
      throw new ErrnoFailure(ERRNO.ENODEV);
  }
}

/** The v2 hierarchy; on a pure v1 host mounting cgroup2 makes one with no controllers left for it. */
function unifiedHierarchy(host: FsFactoryHost): CgroupHierarchy {
  let unified = host.hierarchies.find((h) => h.version === 2);
  if (unified === undefined) {
    // v1's blkio is v2's io: a controller bound to a v1 hierarchy is not available to v2.
    const bound = new Set(host.hierarchies.flatMap((h) => h.controllers).map((c) => (c === 'blkio' ? 'io' : c)));
    unified = createHierarchy(0, 2, V2_CONTROLLERS.filter((c) => !bound.has(c)));
    host.hierarchies.push(unified);
  }
  return unified;
}

/** cgroup v1: the hierarchy with exactly these controllers, or a new one; EBUSY if they are bound elsewhere. */
function v1Hierarchy(host: FsFactoryHost, data: string | null | undefined): CgroupHierarchy {
  const wanted: string[] = [];
  for (const [key, value] of splitOptions(data)) {
    if (key === 'name' && value !== undefined) wanted.push(`name=${value}`);
    else if (V1_SUBSYSTEMS.includes(key) && value === undefined) wanted.push(key);
    else if (!['none', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods', 'nofavordynmods'].includes(key)) throw new ErrnoFailure(ERRNO.EINVAL);
  }
  if (wanted.length === 0) throw new ErrnoFailure(ERRNO.EINVAL);
  const same = host.hierarchies.find((h) => h.version === 1 && h.controllers.length === wanted.length && wanted.every((c) => h.controllers.includes(c)));
  if (same !== undefined) return same;
  // cgroups(7): a controller is bound to one hierarchy at a time.
  if (host.hierarchies.some((h) => h.controllers.some((c) => wanted.includes(c)))) throw new ErrnoFailure(ERRNO.EBUSY);
  const id = Math.max(0, ...host.hierarchies.map((h) => h.id)) + 1;
  const hierarchy = createHierarchy(id, 1, wanted);
  host.hierarchies.push(hierarchy);
  return hierarchy;
}

/** A disk filesystem needs a block device: ENOENT for a missing source, ENOTBLK for anything else. */
function blockFilesystem(ctx: VfsContext, source: string): never {
  const { loc } = resolveExisting(ctx, source, true);
  if (loc.mount.fs.stat(loc.node).type !== 'block') throw new ErrnoFailure(ERRNO.ENOTBLK);
  // The model has no disk images: the superblock cannot be read.
  throw new ErrnoFailure(ERRNO.EINVAL);
}
