import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
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
    expect(errnoOf(() => libc!.umount2(dir, 0))).toBe(process.geteuid!() === 0 ? ERRNO.EINVAL : ERRNO.EPERM);
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
    const uid = process.geteuid!();
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

// What a fresh process loads: nothing of koffi until the first libc call, then (glibc x64/arm64, this
// machine) koffi's prebuilt binary directly, without its ~10 ms loader (libc.ts loadKoffi).
const RESOLVE_TS = `
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const ts = new URL(specifier.replace(/\\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(ts))) specifier = ts.href;
  }
  return next(specifier, context);
}
`;

const LOADS = `
import { createRequire, register } from 'node:module';
register('./hooks.mjs', import.meta.url);
const cache = createRequire(import.meta.url).cache;
const koffiFiles = () => Object.keys(cache).filter((file) => file.includes('koffi')).map((file) => file.split('/node_modules/')[1]);
const libc = await import(process.argv[2]);
const before = koffiFiles();
libc.bindLibc();
const after = koffiFiles();
libc.chmod(process.argv[3], 0o600);
console.log(JSON.stringify({ before, after }));
`;

describe.runIf(linux && (process.arch === 'x64' || process.arch === 'arm64'))('loading koffi', () => {
  it('loads nothing of koffi until a call, then its glibc binary without the loader', async () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/glassbox-libc-load-`);
    try {
      fs.writeFileSync(`${dir}/hooks.mjs`, RESOLVE_TS);
      fs.writeFileSync(`${dir}/main.mjs`, LOADS);
      fs.writeFileSync(`${dir}/f`, '');
      const module = new URL('../../src/kernel/linux/libc.ts', import.meta.url).href;
      const out = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--experimental-transform-types', '--no-warnings', `${dir}/main.mjs`, module, `${dir}/f`], { timeout: 60_000 }, (_e, stdout, stderr) =>
          resolve({ stdout, stderr }),
        );
      });
      expect(out.stderr).toBe('');
      expect(JSON.parse(out.stdout)).toEqual({
        before: [],
        after: [`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`],
      });
      expect(fs.statSync(`${dir}/f`).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(fs.existsSync(dir)).toBe(false);
  });
});
