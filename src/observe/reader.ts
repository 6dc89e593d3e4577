import type { Kernel } from '../kernel/types.js';
import { ERRNO, errnoFromNodeError } from '../kernel/errno.js';

/**
What the observers need from a kernel: read-only file calls. The real backend, the
simulated one, or a test's in-memory tree all fit; observe never picks one itself.
*/
export type KernelReader = Pick<Kernel, 'readFile' | 'readdir' | 'readlink' | 'lstat'>;

/** A process as /proc names it: a pid, or `self` (the process doing the reading). */
export type ProcRef = number | 'self';

export function procPath(pid: ProcRef, ...rest: string[]): string {
  return ['/proc', String(pid), ...rest].join('/');
}

/**
True when a read failed because the file, or the process behind it, is gone:
ENOENT for a vanished /proc/<pid>, ESRCH for a task reaped between open and read.
Works for SyscallError (backends) and Node fs errors (test readers) alike.
*/
export function isGone(error: unknown): boolean {
  const errno = errnoFromNodeError(error);
  return errno === ERRNO.ENOENT || errno === ERRNO.ESRCH;
}

/** readFile that returns null when the file does not exist (or its process vanished). */
export function readOptional(reader: KernelReader, path: string): string | null {
  try {
    return reader.readFile(path);
  } catch (error) {
    if (isGone(error)) return null;
    throw error;
  }
}
