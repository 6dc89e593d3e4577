import type { DeviceNumber, FsNode, SimFs } from './fs-types.js';

/**
The mount table of one mount namespace: which filesystem is seen where. A mount sits on a node of
its parent mount (its mount point) and shows its filesystem from `root` down (a bind mount shows a
subtree). Path walks cross into the topmost mount sitting on a node, so a mount hides what was below.
*/
export interface Mount {
  id: number;
  parent: Mount | null;
  fs: SimFs;
  root: FsNode;
  /** Path of `root` inside its filesystem: the 4th field of mountinfo (`/` unless a bind of a subtree). */
  rootPath: string;
  /** The node of the parent mount this mount sits on (null for the namespace root). */
  mountpoint: FsNode | null;
  /** Where it is seen, as an absolute path in the namespace. */
  mountPath: string;
  /** Per-mount flags (MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, atime flags). */
  flags: number;
  children: Mount[];
  /** Peer group id when shared, else 0 (mount_namespaces(7)). */
  shared: number;
  /** Peer group id of the master when a slave, else 0. */
  master: number;
  unbindable: boolean;
}

export class MountNamespace {
  readonly inode: number;
  root: Mount;
  /** In the order they were attached: the order of /proc/<pid>/mountinfo. */
  readonly mounts: Mount[] = [];

  constructor(inode: number, root: Mount) {
    this.inode = inode;
    this.root = root;
    this.mounts.push(root);
  }

  /** The topmost mount sitting on `node` of `mount`, if any. */
  mountedOn(mount: Mount, node: FsNode): Mount | undefined {
    let found: Mount | undefined;
    for (const child of mount.children) if (child.mountpoint?.key === node.key) found = child;
    return found;
  }

  attach(mount: Mount, parent: Mount, mountpoint: FsNode, mountPath: string): void {
    mount.parent = parent;
    mount.mountpoint = mountpoint;
    mount.mountPath = mountPath;
    parent.children.push(mount);
    this.mounts.push(mount);
  }

  /** Takes a mount and everything below it out of the namespace; returns them, children first. */
  detachTree(mount: Mount): Mount[] {
    const gone: Mount[] = [];
    const collect = (m: Mount): void => {
      for (const child of [...m.children].reverse()) collect(child);
      gone.push(m);
    };
    collect(mount);
    for (const m of gone) {
      const at = this.mounts.indexOf(m);
      if (at >= 0) this.mounts.splice(at, 1);
    }
    if (mount.parent !== null) mount.parent.children = mount.parent.children.filter((c) => c !== mount);
    return gone;
  }
}

/**
Numbers the kernel hands out to mounts and superblocks: mount ids and anonymous device minors are
the lowest free ones (IDA allocators), peer group ids count up.
*/
export class MountIds {
  private readonly usedIds = new Set<number>();
  private readonly usedMinors = new Set<number>();
  private readonly users = new Map<SimFs, number>();
  private nextGroup = 1;

  /** Ids below `firstId` belong to the kernel's internal mounts (rootfs, pipefs, sockfs, ...). */
  constructor(private readonly firstId: number, private readonly firstMinor: number) {}

  mountId(): number {
    let id = this.firstId;
    while (this.usedIds.has(id)) id += 1;
    this.usedIds.add(id);
    return id;
  }

  releaseId(id: number): void {
    this.usedIds.delete(id);
  }

  /** get_anon_bdev(): 0:N for filesystems without a block device. */
  anonDev(): DeviceNumber {
    let minor = this.firstMinor;
    while (this.usedMinors.has(minor)) minor += 1;
    this.usedMinors.add(minor);
    return { major: 0, minor };
  }

  peerGroup(): number {
    return this.nextGroup++;
  }

  /** Counts the mounts of a filesystem; the last umount frees its device number. */
  hold(fs: SimFs): void {
    this.users.set(fs, (this.users.get(fs) ?? 0) + 1);
  }

  drop(fs: SimFs): void {
    const left = (this.users.get(fs) ?? 1) - 1;
    if (left > 0) {
      this.users.set(fs, left);
      return;
    }
    this.users.delete(fs);
    if (fs.dev.major === 0) this.usedMinors.delete(fs.dev.minor);
    fs.release?.();
  }
}

export function newMount(id: number, fs: SimFs, root: FsNode, rootPath: string, flags: number): Mount {
  return {
    id,
    parent: null,
    fs,
    root,
    rootPath,
    mountpoint: null,
    mountPath: '/',
    flags,
    children: [],
    shared: 0,
    master: 0,
    unbindable: false,
  };
}
