import type { FileStat } from '../types.js';

/**
What every simulated filesystem (memfs, overlay, proc, cgroup) offers the VFS layer. The VFS does the
generic checks that the kernel does above the filesystem (path walk, types, permissions, read-only
mounts); a filesystem throws ErrnoFailure for what only it knows (cgroupfs refusing a file, overlay
refusing a whiteout).
*/

/** A node of some filesystem. `key` names it uniquely in its filesystem: mounts sit on keys. */
export interface FsNode {
  readonly key: string;
}

/** Who is calling: what the kernel reads from `current` (credentials, pid, umask). */
export interface Caller {
  pid: number;
  uid: number;
  gid: number;
  /** Effective capability set, one bit per capability (capabilities(7)). */
  caps: bigint;
}

export type CreateSpec =
  | { type: 'file'; mode: number }
  | { type: 'dir'; mode: number }
  | { type: 'symlink'; target: string }
  | { type: 'special'; mode: number; major: number; minor: number };

export interface AttrChange {
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface DeviceNumber {
  major: number;
  minor: number;
}

export interface SimFs {
  readonly fstype: string;
  readonly dev: DeviceNumber;
  /** The source column of mountinfo (`tmpfs`, `/dev/vda`, `overlay`). */
  readonly source: string;
  /** Filesystem options for mountinfo, after the read-only flag (`size=1024k,mode=700`). */
  superOptions(): string;
  /** True when the superblock itself is read-only (an overlay without upperdir). */
  readonly readOnly: boolean;
  root(): FsNode;
  lookup(dir: FsNode, name: string, caller: Caller): FsNode | null;
  stat(node: FsNode): FileStat;
  readdir(dir: FsNode, caller: Caller): string[];
  readlink(node: FsNode, caller: Caller): string;
  read(node: FsNode, caller: Caller): Buffer;
  /** The data of one open(O_WRONLY|O_CREAT|O_TRUNC) + write(): empty data is a truncate only. `data` is the caller's: copy what is kept. */
  write(node: FsNode, data: Buffer, caller: Caller): void;
  create(dir: FsNode, name: string, spec: CreateSpec, caller: Caller): FsNode;
  remove(dir: FsNode, name: string, node: FsNode, caller: Caller): void;
  rename(fromDir: FsNode, fromName: string, toDir: FsNode, toName: string, caller: Caller): void;
  setattr(node: FsNode, change: AttrChange, caller: Caller): void;
  getxattr(node: FsNode, name: string, caller: Caller): Buffer | undefined;
  /** `value` is the caller's: copy it. */
  setxattr(node: FsNode, name: string, value: Buffer, caller: Caller): void;
  listxattr(node: FsNode, caller: Caller): string[];
  removexattr(node: FsNode, name: string, caller: Caller): boolean;
  /** Called once the last mount of this filesystem is gone. */
  release?(): void;
}
