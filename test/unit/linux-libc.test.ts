import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import { ErrnoFailure } from '../../src/kernel/trace.js';
import { ERRNO } from '../../src/kernel/errno.js';

// The koffi bindings themselves: what each returns and which errno it reads. Linux only, no root needed.
const linux = process.platform === 'linux';
const libc = linux ? await import('../../src/kernel/linux/libc.js') : undefined;

function errnoOf(run: () => unknown): number | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ErrnoFailure) return error.errno;
    throw error;
  }
  return undefined;
}

describe.runIf(linux)('libc through koffi', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(`${os.tmpdir()}/glassbox-libc-`);
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('round-trips xattr values of any size, empty and binary included', () => {
    const file = `${dir}/f`;
    fs.writeFileSync(file, '');
    const big = Buffer.alloc(2000, 0xab);
    libc!.lsetxattr(file, 'user.big', big, 0);
    libc!.lsetxattr(file, 'user.empty', new Uint8Array(0), 0);
    libc!.lsetxattr(file, 'user.bin', new Uint8Array([0, 255, 0]), 0);
    expect(libc!.lgetxattr(file, 'user.big').equals(big)).toBe(true);
    expect(libc!.lgetxattr(file, 'user.empty').length).toBe(0);
    expect([...libc!.lgetxattr(file, 'user.bin')]).toEqual([0, 255, 0]);
    expect(libc!.llistxattr(file).sort()).toEqual(expect.arrayContaining(['user.big', 'user.bin', 'user.empty']));
    libc!.lremovexattr(file, 'user.big');
    expect(libc!.llistxattr(file)).not.toContain('user.big');
  });

  it('reads errno right after the failing call', () => {
    expect(errnoOf(() => libc!.lgetxattr(`${dir}/missing`, 'user.x'))).toBe(ERRNO.ENOENT);
    fs.writeFileSync(`${dir}/f`, '');
    expect(errnoOf(() => libc!.lgetxattr(`${dir}/f`, 'user.x'))).toBe(ERRNO.ENODATA);
    expect(errnoOf(() => libc!.lremovexattr(`${dir}/f`, 'user.x'))).toBe(ERRNO.ENODATA);
    expect(errnoOf(() => libc!.llistxattr(`${dir}/missing`))).toBe(ERRNO.ENOENT);
    expect(errnoOf(() => libc!.chmod(`${dir}/missing`, 0o644))).toBe(ERRNO.ENOENT);
    expect(errnoOf(() => libc!.mknod(`${dir}/f`, 0o010644, 0n))).toBe(ERRNO.EEXIST);
    // Not a mount point: EINVAL for root, EPERM for anyone without CAP_SYS_ADMIN (checked first).
    expect(errnoOf(() => libc!.umount2(dir, 0))).toBe(libc!.geteuid() === 0 ? ERRNO.EINVAL : ERRNO.EPERM);
  });

  it('makes a fifo with mknod and changes modes with chmod', () => {
    libc!.mknod(`${dir}/fifo`, 0o010600, 0n);
    expect(fs.lstatSync(`${dir}/fifo`).isFIFO()).toBe(true);
    libc!.chmod(`${dir}/fifo`, 0o640);
    expect(fs.lstatSync(`${dir}/fifo`).mode & 0o7777).toBe(0o640);
  });

  it('lchown on a symlink leaves the target alone', () => {
    fs.writeFileSync(`${dir}/target`, '');
    fs.symlinkSync('target', `${dir}/link`);
    const uid = libc!.geteuid();
    const gid = process.getgid!();
    libc!.lchown(`${dir}/link`, uid, gid);
    expect(fs.lstatSync(`${dir}/link`).uid).toBe(uid);
    if (uid === 0) {
      libc!.lchown(`${dir}/link`, 4321, 4321);
      expect(fs.lstatSync(`${dir}/link`).uid).toBe(4321);
      expect(fs.statSync(`${dir}/link`).uid).toBe(0);
    }
  });
});
