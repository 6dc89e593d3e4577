import { S_IF } from '../flags.js';
import type { FileStat } from '../types.js';
import { fileTypeOfMode } from '../node-stat.js';

/**
An inode of an in-memory filesystem (memfs: the ext4 root, tmpfs, devtmpfs, sysfs). Directories hold
their entries by name; there are no hard links in the Kernel interface, so a directory's entries are
its only references, except the shared whiteout inode overlayfs makes.
*/
export interface SimInode {
  /** FsNode identity: mounts sit on it. */
  readonly key: string;
  readonly ino: number;
  /** Full st_mode: type bits and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  rdevMajor: number;
  rdevMinor: number;
  xattrs: Map<string, Buffer>;
  /** Regular files: the bytes. */
  data: Buffer;
  /** Directories: entries by name, in creation order. */
  children: Map<string, SimInode>;
  /** Symlinks: the target as written. */
  target: string;
}

export function createInode(ino: number, mode: number, uid: number, gid: number): SimInode {
  return {
    key: `i${ino}`,
    ino,
    mode,
    uid,
    gid,
    nlink: (mode & S_IF.S_IFMT) === S_IF.S_IFDIR ? 2 : 1,
    rdevMajor: 0,
    rdevMinor: 0,
    xattrs: new Map(),
    data: Buffer.alloc(0),
    children: new Map(),
    target: '',
  };
}


export function isDir(inode: SimInode): boolean {
  return (inode.mode & S_IF.S_IFMT) === S_IF.S_IFDIR;
}

export function isSymlink(inode: SimInode): boolean {
  return (inode.mode & S_IF.S_IFMT) === S_IF.S_IFLNK;
}

/** overlayfs(5): a whiteout is a character device with device number 0/0. */
export function isWhiteout(inode: SimInode): boolean {
  return (inode.mode & S_IF.S_IFMT) === S_IF.S_IFCHR && inode.rdevMajor === 0 && inode.rdevMinor === 0;
}

/** overlayfs(5): a directory is opaque when it carries trusted.overlay.opaque=y. */
export function isOpaque(inode: SimInode): boolean {
  return isDir(inode) && inode.xattrs.get('trusted.overlay.opaque')?.toString() === 'y';
}

/** st_size as the kernel reports it; `dirSize` is per filesystem (ext4 4096, tmpfs 20 per entry). */
export function inodeStat(inode: SimInode, dirSize: (dir: SimInode) => number): FileStat {
  const type = fileTypeOfMode(inode.mode);
  let size = 0;
  if (type === 'file') size = inode.data.byteLength;
  else if (type === 'symlink') size = Buffer.byteLength(inode.target);
  else if (type === 'dir') size = dirSize(inode);
  const special = type === 'char' || type === 'block';
  return {
    type,
    mode: inode.mode,
    uid: inode.uid,
    gid: inode.gid,
    size,
    rdevMajor: special ? inode.rdevMajor : 0,
    rdevMinor: special ? inode.rdevMinor : 0,
    ino: inode.ino,
    nlink: inode.nlink,
  };
}
