import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';
import { ErrnoFailure } from '../trace.js';

/**
The few libc calls node:fs cannot make (mount, xattrs, device nodes), bound through koffi.
Synchronous calls only, on the main thread: `.async` would run them on a worker thread, and a
mount namespace or credentials belong to a thread (DESIGN.md, "Hard facts").
errno is read right after the failing call, before any other JS can run a libc call that changes it.

Bound on the first call, not when this module loads: most commands make none (ps, logs, inspect
only read files), and loading koffi is ~12 ms of a command's start.
*/

/**
koffi's own loader spends ~10 of those 12 ms working out which of its prebuilt binaries fits
(it reads Node's ELF header to tell glibc from musl). Debian is glibc: that binary is loaded
directly (~2 ms), the same object the loader would return; anything else goes through the loader.
*/
function loadKoffi(): typeof Koffi {
  const require = createRequire(import.meta.url);
  if (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')) {
    try {
      const native = require(`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`) as typeof Koffi;
      if (typeof native.load === 'function' && typeof native.errno === 'function') return native;
    } catch {
      // not glibc, or koffi moved its binaries: its loader knows
    }
  }
  return require('koffi') as typeof Koffi;
}

function bind(koffi: typeof Koffi) {
  const lib = koffi.load('libc.so.6');
  return {
    errno: () => koffi.errno(),
    // mount(2): int mount(const char *source, const char *target, const char *filesystemtype,
    //                     unsigned long mountflags, const void *data)
    mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    // umount2(2)
    umount2: lib.func('int umount2(const char *target, int flags)'),
    // mknod(2): glibc ≥ 2.33 exports mknod itself (no __xmknod); dev_t is 64-bit on Linux.
    mknod: lib.func('int mknod(const char *pathname, uint32_t mode, uint64_t dev)'),
    // lsetxattr(2), lgetxattr(2), llistxattr(2), lremovexattr(2): the l* forms never follow a symlink.
    // ssize_t is written intptr_t: koffi has no ssize_t, and a named alias would be global to the process
    // (declared twice when a test runner loads this module twice).
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: lib.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)'),
    llistxattr: lib.func('intptr_t llistxattr(const char *path, _Out_ void *list, size_t size)'),
    lremovexattr: lib.func('int lremovexattr(const char *path, const char *name)'),
    // lchown(2), chmod(2)
    lchown: lib.func('int lchown(const char *pathname, uint32_t owner, uint32_t group)'),
    chmod: lib.func('int chmod(const char *pathname, uint32_t mode)'),
  };
}

let bound: ReturnType<typeof bind> | undefined;

function libc(): ReturnType<typeof bind> {
  bound ??= bind(loadKoffi());
  return bound;
}

/** Loads koffi and binds the calls now; throws what koffi throws when it cannot (linux-available.ts). */
export function bindLibc(): void {
  libc();
}

/** Throws ErrnoFailure when a libc call returned -1; errno is read at once. */
function check(ret: number | bigint): number {
  const value = Number(ret);
  if (value < 0) throw new ErrnoFailure(libc().errno());
  return value;
}

export function mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): void {
  check(libc().mount(source, target, fstype, flags, data));
}

export function umount2(target: string, flags: number): void {
  check(libc().umount2(target, flags));
}

export function mknod(path: string, mode: number, dev: bigint): void {
  check(libc().mknod(path, mode, dev));
}

export function lsetxattr(path: string, name: string, value: Uint8Array, flags: number): void {
  check(libc().lsetxattr(path, name, value, value.byteLength, flags));
}

/**
lgetxattr in two steps: ask the size with a NULL buffer, then read. The value can grow in between
(another writer); then the kernel says ERANGE and we ask again.
*/
export function lgetxattr(path: string, name: string): Buffer {
  for (;;) {
    const size = check(libc().lgetxattr(path, name, null, 0));
    if (size === 0) return Buffer.alloc(0);
    const buffer = Buffer.alloc(size);
    try {
      const read = check(libc().lgetxattr(path, name, buffer, size));
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
    const size = check(libc().llistxattr(path, null, 0));
    if (size === 0) return [];
    const buffer = Buffer.alloc(size);
    try {
      const read = check(libc().llistxattr(path, buffer, size));
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
  check(libc().lremovexattr(path, name));
}

export function lchown(path: string, uid: number, gid: number): void {
  check(libc().lchown(path, uid, gid));
}

export function chmod(path: string, mode: number): void {
  check(libc().chmod(path, mode));
}

