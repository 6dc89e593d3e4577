import koffi from 'koffi';
import { ErrnoFailure } from '../trace.js';

/**
The few libc calls node:fs cannot make (mount, xattrs, device nodes), bound through koffi.
Synchronous calls only, on the main thread: `.async` would run them on a worker thread, and a
mount namespace or credentials belong to a thread (DESIGN.md, "Hard facts").
errno is read right after the failing call, before any other JS can run a libc call that changes it.
*/

const lib = koffi.load('libc.so.6');

// mount(2): int mount(const char *source, const char *target, const char *filesystemtype,
//                     unsigned long mountflags, const void *data)
const mountFn = lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)');

// umount2(2)
const umount2Fn = lib.func('int umount2(const char *target, int flags)');

// mknod(2): glibc ≥ 2.33 exports mknod itself (no __xmknod); dev_t is 64-bit on Linux.
const mknodFn = lib.func('int mknod(const char *pathname, uint32_t mode, uint64_t dev)');

// lsetxattr(2), lgetxattr(2), llistxattr(2), lremovexattr(2): the l* forms never follow a symlink.
// ssize_t is written intptr_t: koffi has no ssize_t, and a named alias would be global to the process
// (declared twice when a test runner loads this module twice).
const lsetxattrFn = lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)');
const lgetxattrFn = lib.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)');
const llistxattrFn = lib.func('intptr_t llistxattr(const char *path, _Out_ void *list, size_t size)');
const lremovexattrFn = lib.func('int lremovexattr(const char *path, const char *name)');

// lchown(2), chmod(2)
const lchownFn = lib.func('int lchown(const char *pathname, uint32_t owner, uint32_t group)');
const chmodFn = lib.func('int chmod(const char *pathname, uint32_t mode)');

// geteuid(2)
const geteuidFn = lib.func('uint32_t geteuid(void)');

/** Throws ErrnoFailure when a libc call returned -1; errno is read at once. */
function check(ret: number | bigint): number {
  const value = Number(ret);
  if (value < 0) throw new ErrnoFailure(koffi.errno());
  return value;
}

export function mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): void {
  check(mountFn(source, target, fstype, flags, data));
}

export function umount2(target: string, flags: number): void {
  check(umount2Fn(target, flags));
}

export function mknod(path: string, mode: number, dev: bigint): void {
  check(mknodFn(path, mode, dev));
}

export function lsetxattr(path: string, name: string, value: Uint8Array, flags: number): void {
  check(lsetxattrFn(path, name, value, value.byteLength, flags));
}

/**
lgetxattr in two steps: ask the size with a NULL buffer, then read. The value can grow in between
(another writer); then the kernel says ERANGE and we ask again.
*/
export function lgetxattr(path: string, name: string): Buffer {
  for (;;) {
    const size = check(lgetxattrFn(path, name, null, 0));
    if (size === 0) return Buffer.alloc(0);
    const buffer = Buffer.alloc(size);
    try {
      const read = check(lgetxattrFn(path, name, buffer, size));
      return buffer.subarray(0, read);
    } catch (error) {
      if (error instanceof ErrnoFailure && error.errno === 34 /* ERANGE */) continue;
      throw error;
    }
  }
}

/** llistxattr: names come back as one buffer of NUL-terminated strings. */
export function llistxattr(path: string): string[] {
  for (;;) {
    const size = check(llistxattrFn(path, null, 0));
    if (size === 0) return [];
    const buffer = Buffer.alloc(size);
    try {
      const read = check(llistxattrFn(path, buffer, size));
      return buffer
        .subarray(0, read)
        .toString('utf8')
        .split('\0')
        .filter((name) => name !== '');
    } catch (error) {
      if (error instanceof ErrnoFailure && error.errno === 34 /* ERANGE */) continue;
      throw error;
    }
  }
}

export function lremovexattr(path: string, name: string): void {
  check(lremovexattrFn(path, name));
}

export function lchown(path: string, uid: number, gid: number): void {
  check(lchownFn(path, uid, gid));
}

export function chmod(path: string, mode: number): void {
  check(chmodFn(path, mode));
}

export function geteuid(): number {
  return Number(geteuidFn());
}
