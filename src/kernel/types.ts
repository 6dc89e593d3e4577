import type { Backend } from './trace.js';

/**
The one interface over the kernel. Two implementations: `linux/` (libc through koffi and
plain `fs`, as root) and `sim/` (a model kernel, anywhere, no root). Both return the errno
the real kernel would for the same call in the same state, as a SyscallError; both publish
every call on the `glassbox:kernel:call` channel.

Only host-side calls live here: what is safe from a multi-threaded Node process
(see DESIGN.md, "Hard facts"). Everything from clone() to execve() belongs to the native helper.
All calls are synchronous except waiting for a process to exit.
*/
export interface Kernel {
  readonly backend: Backend;
  /** REAL or SIMULATED, for the badge on screen. */
  readonly label: 'REAL' | 'SIMULATED';

  // mounts: mount(2), umount2(2)
  mount(request: MountRequest): void;
  umount(target: string, flags?: number): void;

  // files: the calls that layers, overlay and cgroupfs need
  mkdir(path: string, mode?: number): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  rename(from: string, to: string): void;
  writeFile(path: string, data: string | Uint8Array): void;
  readFile(path: string): string;
  readdir(path: string): string[];
  lstat(path: string): FileStat;
  symlink(target: string, path: string): void;
  readlink(path: string): string;
  /** mknod(2); a 0/0 character device is an overlay whiteout. */
  mknod(path: string, mode: number, major: number, minor: number): void;
  chmod(path: string, mode: number): void;
  lchown(path: string, uid: number, gid: number): void;
  /** A fresh private directory for scratch work (mkdtemp(3)). */
  mkdtemp(prefix: string): string;

  // extended attributes, never following symlinks: lsetxattr(2) and friends
  setxattr(path: string, name: string, value: Uint8Array | string, flags?: number): void;
  getxattr(path: string, name: string): Buffer;
  listxattr(path: string): string[];
  removexattr(path: string, name: string): void;

  // processes
  /** This process's pid as the kernel in use sees it. */
  getpid(): number;
  /** Starts a plain host process (no new namespaces): `sleep`, a probe. */
  spawn(argv: string[]): SpawnedProcess;
  /** kill(2) with a signal name (`SIGKILL`) or number; 0 checks existence. */
  kill(pid: number, signal: NodeJS.Signals | number): void;
}

export interface MountRequest {
  source: string;
  target: string;
  fstype: string | null;
  flags: number;
  data?: string | null;
}

export type FileType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface FileStat {
  type: FileType;
  /** Full st_mode, type bits included. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Device numbers of a char or block special file (rdev). */
  rdevMajor: number;
  rdevMinor: number;
  ino: number;
  nlink: number;
}

export interface SpawnedProcess {
  pid: number;
  /** Resolves once the process has exited and been reaped. */
  exited: Promise<ProcessExit>;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}
