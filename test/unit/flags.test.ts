import { describe, expect, it } from 'vitest';
import { formatMountFlags, makedev, majorOf, minorOf, MS, formatMode } from '../../src/kernel/flags.js';
import { SyscallError } from '../../src/kernel/errors.js';
import { ERRNO } from '../../src/kernel/errno.js';

describe('mount flags', () => {
  it('prints flags as names in table order', () => {
    expect(formatMountFlags(MS.MS_NODEV | MS.MS_NOSUID)).toBe('MS_NOSUID|MS_NODEV');
    expect(formatMountFlags(MS.MS_BIND | MS.MS_REC)).toBe('MS_BIND|MS_REC');
    expect(formatMountFlags(0)).toBe('0');
  });
  it('prints unknown bits in hex', () => {
    expect(formatMountFlags(MS.MS_RDONLY | 0x40000000)).toBe('MS_RDONLY|0x40000000');
  });
  it('encodes device numbers as glibc makedev does', () => {
    expect(makedev(0, 0)).toBe(0n);
    expect(makedev(1, 3)).toBe(0x103n);
    const big = makedev(4095 + 1, 300);
    expect(majorOf(big)).toBe(4096);
    expect(minorOf(big)).toBe(300);
  });
  it('prints modes with the type', () => {
    expect(formatMode(0o020000)).toBe('S_IFCHR|0000');
    expect(formatMode(0o100644)).toBe('S_IFREG|0644');
  });
});

describe('syscall errors', () => {
  it('name the call, its arguments and the errno', () => {
    const error = new SyscallError(
      'mount',
      { src: 'overlay', dst: '/x', flags: formatMountFlags(MS.MS_NOSUID | MS.MS_NODEV), data: 'lowerdir=/a' },
      ERRNO.EINVAL,
    );
    expect(error.message).toBe('mount src=overlay dst=/x flags=MS_NOSUID|MS_NODEV data=lowerdir=/a: EINVAL (invalid argument)');
    expect(error.code).toBe('SYSCALL_EINVAL');
    expect(SyscallError.isSyscallError(error)).toBe(true);
  });
});
