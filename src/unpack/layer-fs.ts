import type { Kernel } from '../kernel/types.js';
import type { FileStat } from '../kernel/types.js';
import type { TarTime } from './tar-reader.js';

/**
Where a layer's files are written. How unpack writes, and why:

- Device nodes, fifos, ownership, modes and xattrs always go through the **Kernel** (`mknod`,
  `lchown`, `chmod`, `lsetxattr`): these are the calls that need privilege, that the trace shows,
  and that the simulated kernel must record.
- Bulk data (regular files, directories, symlinks, hardlinks, mtimes) goes through **node:fs**
  when the kernel is the real one, because it then addresses the same filesystem and node:fs is
  the fast path (one open/write/close per file, streamed, no buffering). On the simulated kernel
  it goes through the Kernel too, since the simulation has its own filesystem.

Every create refuses to follow a symlink or to replace anything: `open(O_CREAT|O_EXCL|O_NOFOLLOW)`,
`mkdir`, `symlink`, `link`, `mknod` all fail with EEXIST on an existing name, symlink or not. The
extractor only ever names paths whose parents it created itself as real directories (see
extract-layer.ts), so no write can be redirected.

A create leaves the new node with `mode & ~umask`; `umask` says what that is, so that the extractor
calls chmod only when the result differs from the entry's mode.
*/
export interface LayerFs {
  readonly kernel: Kernel;
  /** `host`: node:fs for bulk, the Kernel for the rest. `kernel`: everything through the Kernel. */
  readonly writer: 'host' | 'kernel';
  readonly umask: number;
  mkdir(path: string, mode: number): void;
  createFile(path: string, mode: number): FileSink;
  symlink(target: string, path: string): void;
  /** A hardlink; on the simulated kernel (no link call in the interface) a copy, see kernel-layer-fs.ts. */
  link(existing: string, path: string): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  lchown(path: string, uid: number, gid: number): void;
  /** Never called on a symlink (chmod(2) would follow it). */
  chmod(path: string, mode: number): void;
  setxattr(path: string, name: string, value: Uint8Array): void;
  /** lutimes: atime and mtime set to the entry's mtime; a no-op where the kernel keeps no times. */
  setTimes(path: string, mtime: TarTime): void;
  lstat(path: string): FileStat | null;
  unlink(path: string): void;
  rename(from: string, to: string): void;
  /** rm -rf without following symlinks; callers make sure nothing is mounted below. */
  removeTree(path: string): void;
  /** mkdtemp(3): a new private (0700) directory `prefix` + random suffix. */
  makeTempDir(prefix: string): string;
  writeText(path: string, text: string): void;
  readText(path: string): string | null;
}

export interface FileSink {
  write(chunk: Buffer): void;
  /** Closes the file, setting its times first when given (futimes where the writer can). */
  close(mtime?: TarTime): void;
}

/** lstat through the kernel, null where nothing is: both writers ask "is a name free?" this way. */
export function lstatOrNull(kernel: Kernel, path: string): FileStat | null {
  try {
    return kernel.lstat(path);
  } catch (error) {
    if ((error as { errnoName?: string }).errnoName === 'ENOENT') return null;
    throw error;
  }
}
