import { ERRNO } from '../errno.js';
import { S_IF } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { FileStat } from '../types.js';
import type { AttrChange, Caller, CreateSpec, DeviceNumber, FsNode, SimFs } from './fs-types.js';
import { createInode, inodeStat, isDir, type SimInode } from './inode.js';

const PAGE = 4096;

export interface MemFsOptions {
  fstype: string;
  source: string;
  dev: DeviceNumber;
  rootMode: number;
  rootUid?: number;
  rootGid?: number;
  /** First inode number: ext4's root is 2, tmpfs's 1. */
  firstIno: number;
  /** How directories report st_size: ext4 one block, tmpfs 20 bytes per entry (shmem BOGO_DIRENT_SIZE). */
  dirSize: 'block' | 'entries';
  /** tmpfs size= in bytes; writes past it fail with ENOSPC. */
  sizeLimit?: number;
  superOptions?: string;
}

/**
An in-memory filesystem of inodes: the ext4 root, tmpfs, devtmpfs, sysfs. Overlayfs reads and writes
its layers through the exported inode helpers, the way the real one calls into the layer filesystems.
*/
export class MemFs implements SimFs {
  readonly fstype: string;
  readonly source: string;
  readonly dev: DeviceNumber;
  /** A superblock mounted read-only (MS_RDONLY on a new mount). */
  readOnly = false;
  private readonly rootInode: SimInode;
  private nextIno: number;
  private readonly options: MemFsOptions;

  constructor(options: MemFsOptions) {
    this.options = options;
    this.fstype = options.fstype;
    this.source = options.source;
    this.dev = options.dev;
    this.nextIno = options.firstIno;
    this.rootInode = this.allocate(S_IF.S_IFDIR | options.rootMode, options.rootUid ?? 0, options.rootGid ?? 0);
  }

  superOptions(): string {
    return this.options.superOptions ?? '';
  }

  root(): SimInode {
    return this.rootInode;
  }

  allocate(mode: number, uid: number, gid: number): SimInode {
    return createInode(this.nextIno++, mode, uid, gid);
  }

  lookup(dir: FsNode, name: string): SimInode | null {
    return (dir as SimInode).children.get(name) ?? null;
  }

  stat(node: FsNode): FileStat {
    const size = this.options.dirSize === 'block' ? () => PAGE : (dir: SimInode) => 20 * (dir.children.size + 2);
    return inodeStat(node as SimInode, size);
  }

  readdir(dir: FsNode): string[] {
    return [...(dir as SimInode).children.keys()];
  }

  readlink(node: FsNode): string {
    return (node as SimInode).target;
  }

  read(node: FsNode): Buffer {
    return Buffer.from((node as SimInode).data);
  }

  write(node: FsNode, data: Buffer): void {
    const inode = node as SimInode;
    if ((inode.mode & S_IF.S_IFMT) !== S_IF.S_IFREG) return; // a device or fifo swallows it
    const limit = this.options.sizeLimit;
    if (limit !== undefined) {
      const others = this.usedPages(this.rootInode) - pages(inode.data.byteLength);
      const room = Math.max(0, Math.floor(limit / PAGE) - others) * PAGE;
      if (data.byteLength > room) {
        // write(2) writes what fits, then the next write fails: ENOSPC on a full tmpfs.
        inode.data = Buffer.from(data.subarray(0, room));
        throw new ErrnoFailure(ERRNO.ENOSPC);
      }
    }
    inode.data = Buffer.from(data);
  }

  create(dir: FsNode, name: string, spec: CreateSpec, caller: Caller): SimInode {
    const parent = dir as SimInode;
    const inode = this.makeInode(parent, spec, caller);
    this.link(parent, name, inode);
    return inode;
  }

  /** An inode owned as the caller would own it; directories with S_ISGID pass their group on. */
  makeInode(parent: SimInode, spec: CreateSpec, caller: Caller): SimInode {
    const inherit = (parent.mode & 0o2000) !== 0;
    const gid = inherit ? parent.gid : caller.gid;
    let inode: SimInode;
    if (spec.type === 'symlink') {
      inode = this.allocate(S_IF.S_IFLNK | 0o777, caller.uid, gid);
      inode.target = spec.target;
    } else if (spec.type === 'dir') {
      inode = this.allocate(S_IF.S_IFDIR | (spec.mode & 0o7777) | (inherit ? 0o2000 : 0), caller.uid, gid);
    } else if (spec.type === 'file') {
      inode = this.allocate(S_IF.S_IFREG | (spec.mode & 0o7777), caller.uid, gid);
    } else {
      inode = this.allocate(spec.mode, caller.uid, gid);
      inode.rdevMajor = spec.major;
      inode.rdevMinor = spec.minor;
    }
    return inode;
  }

  link(parent: SimInode, name: string, inode: SimInode): void {
    parent.children.set(name, inode);
    if (isDir(inode)) parent.nlink += 1;
  }

  remove(dir: FsNode, name: string, node: FsNode): void {
    // rmdir(2): ENOTEMPTY when the directory has entries.
    if ((node as SimInode).children.size > 0) throw new ErrnoFailure(ERRNO.ENOTEMPTY);
    this.unlinkEntry(dir as SimInode, name);
  }

  /** Drops a name without any check (overlayfs uses it on its upper layer). */
  unlinkEntry(parent: SimInode, name: string): void {
    const inode = parent.children.get(name);
    if (inode === undefined) return;
    parent.children.delete(name);
    if (isDir(inode)) parent.nlink -= 1;
  }

  rename(fromDir: FsNode, fromName: string, toDir: FsNode, toName: string): void {
    const from = fromDir as SimInode;
    const to = toDir as SimInode;
    const inode = from.children.get(fromName);
    if (inode === undefined) throw new ErrnoFailure(ERRNO.ENOENT);
    const replaced = to.children.get(toName);
    // rename(2): a directory may replace only an empty directory.
    if (replaced !== undefined && replaced.children.size > 0) throw new ErrnoFailure(ERRNO.ENOTEMPTY);
    this.unlinkEntry(to, toName);
    this.unlinkEntry(from, fromName);
    this.link(to, toName, inode);
  }

  setattr(node: FsNode, change: AttrChange): void {
    applyAttrChange(node as SimInode, change);
  }

  getxattr(node: FsNode, name: string): Buffer | undefined {
    return (node as SimInode).xattrs.get(name);
  }

  setxattr(node: FsNode, name: string, value: Buffer): void {
    (node as SimInode).xattrs.set(name, Buffer.from(value));
  }

  listxattr(node: FsNode): string[] {
    return [...(node as SimInode).xattrs.keys()];
  }

  removexattr(node: FsNode, name: string): boolean {
    return (node as SimInode).xattrs.delete(name);
  }

  private usedPages(dir: SimInode): number {
    let total = 0;
    for (const child of dir.children.values()) total += isDir(child) ? this.usedPages(child) : pages(child.data.byteLength);
    return total;
  }
}

function pages(bytes: number): number {
  return Math.ceil(bytes / PAGE);
}

/**
chmod(2) keeps the file type; chown(2) clears set-user-ID, and set-group-ID when group-executable, on
anything but a directory.
*/
export function applyAttrChange(inode: SimInode, change: AttrChange): void {
  if (change.mode !== undefined) inode.mode = (inode.mode & S_IF.S_IFMT) | (change.mode & 0o7777);
  if (change.uid !== undefined || change.gid !== undefined) {
    if (change.uid !== undefined && change.uid !== -1) inode.uid = change.uid;
    if (change.gid !== undefined && change.gid !== -1) inode.gid = change.gid;
    if (!isDir(inode) && (inode.mode & S_IF.S_IFMT) !== S_IF.S_IFLNK) {
      inode.mode &= ~0o4000;
      if ((inode.mode & 0o010) !== 0) inode.mode &= ~0o2000;
    }
  }
}

export function isMemFs(fs: SimFs): fs is MemFs {
  return fs instanceof MemFs;
}
