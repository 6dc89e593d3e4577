import { describe, expect, it } from 'vitest';
import { CALL_NAMES, dataArg, modeArg, mountCall, umountCall, xattrFlagsArg } from '../../src/kernel/call-args.js';
import { MNT, MS, XATTR, mountFlags } from '../../src/kernel/flags.js';
import { ErrnoFailure, subscribeCalls, traced, type KernelCallEvent } from '../../src/kernel/trace.js';
import { SyscallError } from '../../src/kernel/errors.js';
import { ERRNO } from '../../src/kernel/errno.js';

describe('call arguments as printed', () => {
  it('prints a mount like the code that made it', () => {
    expect(mountCall({ source: 'overlay', target: '/x', fstype: 'overlay', flags: mountFlags('MS_NODEV', 'MS_NOSUID'), data: 'lowerdir=/a:/b' })).toEqual({
      call: 'mount',
      args: { src: 'overlay', dst: '/x', fstype: 'overlay', flags: 'MS_NOSUID|MS_NODEV', data: 'lowerdir=/a:/b' },
    });
  });

  it('leaves out empty data and names a missing fstype', () => {
    expect(mountCall({ source: '/a', target: '/b', fstype: null, flags: MS.MS_BIND | MS.MS_REC, data: null }).args).toEqual({
      src: '/a',
      dst: '/b',
      fstype: 'none',
      flags: 'MS_BIND|MS_REC',
    });
    expect(mountCall({ source: '/a', target: '/b', fstype: null, flags: 0, data: '' }).args).not.toHaveProperty('data');
  });

  it('prints umount2 flags as names', () => {
    expect(umountCall('/m')).toEqual({ call: 'umount2', args: { target: '/m', flags: '0' } });
    expect(umountCall('/m', MNT.MNT_DETACH | MNT.UMOUNT_NOFOLLOW).args.flags).toBe('MNT_DETACH|UMOUNT_NOFOLLOW');
  });

  it('prints modes with their type and xattr flags by name', () => {
    expect(modeArg(0o755)).toBe('0755');
    expect(modeArg(0o020000)).toBe('S_IFCHR|0000');
    expect(xattrFlagsArg(XATTR.XATTR_CREATE)).toBe('XATTR_CREATE');
    expect(xattrFlagsArg(0)).toBe('0');
  });

  it('shows short printable writes and counts everything else', () => {
    expect(dataArg('10')).toBe('"10"');
    expect(dataArg('max\n')).toBe('"max\\n"');
    expect(dataArg('x'.repeat(65))).toBe(65);
    expect(dataArg('line\nline\n')).toBe(10);
    expect(dataArg(new Uint8Array([1, 2, 3]))).toBe(3);
    expect(dataArg('한')).toBe(3);
  });

  it('traces each Kernel method under its syscall name', () => {
    expect(CALL_NAMES.umount).toBe('umount2');
    expect(CALL_NAMES.setxattr).toBe('lsetxattr');
    expect(CALL_NAMES.getxattr).toBe('lgetxattr');
    expect(CALL_NAMES.listxattr).toBe('llistxattr');
    expect(CALL_NAMES.removexattr).toBe('lremovexattr');
  });
});

describe('errno mapping in traced calls', () => {
  function failWith(thrown: unknown): { error: unknown; events: KernelCallEvent[] } {
    const events: KernelCallEvent[] = [];
    const unsubscribe = subscribeCalls((event) => events.push(event));
    try {
      traced('linux', 'mount', mountCall({ source: 'overlay', target: '/x', fstype: 'overlay', flags: MS.MS_NODEV, data: 'lowerdir=/a' }).args, () => {
        throw thrown;
      });
      return { error: undefined, events };
    } catch (error) {
      return { error, events };
    } finally {
      unsubscribe();
    }
  }

  it('names an errno read from libc', () => {
    const { error, events } = failWith(new ErrnoFailure(ERRNO.EINVAL));
    expect(SyscallError.isSyscallError(error)).toBe(true);
    expect((error as SyscallError).message).toBe('mount src=overlay dst=/x fstype=overlay flags=MS_NODEV data=lowerdir=/a: EINVAL (invalid argument)');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ backend: 'linux', call: 'mount', errno: 22, errnoName: 'EINVAL' });
  });

  it('takes the errno of a Node fs error from its code', () => {
    const nodeError = Object.assign(new Error('ENOTEMPTY: directory not empty'), { code: 'ENOTEMPTY', errno: -39 });
    const { error } = failWith(nodeError);
    expect((error as SyscallError).errnoName).toBe('ENOTEMPTY');
    expect((error as SyscallError).cause).toBe(nodeError);
  });

  it('falls back to the negative errno when Node has a code the table lacks', () => {
    // libuv calls EOPNOTSUPP (95) ENOTSUP.
    const { error } = failWith(Object.assign(new Error('ENOTSUP'), { code: 'ENOTSUP', errno: -95 }));
    expect((error as SyscallError).errnoName).toBe('EOPNOTSUPP');
  });

  it('passes other errors through untouched and publishes nothing', () => {
    const bug = new TypeError('not an errno');
    const { error, events } = failWith(bug);
    expect(error).toBe(bug);
    expect(events).toEqual([]);
  });
});
