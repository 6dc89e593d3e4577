import { describe, expect, it } from 'vitest';
import { fileTypeOfMode, toFileStat, type StatFields } from '../../src/kernel/node-stat.js';
import { S_IF, makedev } from '../../src/kernel/flags.js';

function stats(mode: number, rdev = 0n, extra: Partial<Record<keyof StatFields, bigint>> = {}): StatFields {
  return { mode: BigInt(mode), uid: 0n, gid: 0n, size: 0n, rdev, ino: 1n, nlink: 1n, ...extra };
}

describe('linux lstat conversion', () => {
  it('names every file type from the mode bits', () => {
    expect(fileTypeOfMode(S_IF.S_IFREG | 0o644)).toBe('file');
    expect(fileTypeOfMode(S_IF.S_IFDIR | 0o755)).toBe('dir');
    expect(fileTypeOfMode(S_IF.S_IFLNK | 0o777)).toBe('symlink');
    expect(fileTypeOfMode(S_IF.S_IFCHR)).toBe('char');
    expect(fileTypeOfMode(S_IF.S_IFBLK | 0o660)).toBe('block');
    expect(fileTypeOfMode(S_IF.S_IFIFO | 0o600)).toBe('fifo');
    expect(fileTypeOfMode(S_IF.S_IFSOCK | 0o777)).toBe('socket');
    expect(() => fileTypeOfMode(0o644)).toThrow(/unknown file type/);
  });

  it('reads a whiteout as a 0/0 character device', () => {
    expect(toFileStat(stats(S_IF.S_IFCHR, makedev(0, 0)))).toMatchObject({ type: 'char', mode: S_IF.S_IFCHR, rdevMajor: 0, rdevMinor: 0 });
  });

  it('splits rdev with glibc encoding, including majors and minors above 255', () => {
    expect(toFileStat(stats(S_IF.S_IFCHR | 0o666, makedev(1, 3)))).toMatchObject({ rdevMajor: 1, rdevMinor: 3 });
    expect(toFileStat(stats(S_IF.S_IFBLK | 0o660, makedev(259, 70000)))).toMatchObject({ type: 'block', rdevMajor: 259, rdevMinor: 70000 });
  });

  it('reports rdev only for device files', () => {
    // A regular file on a device has st_rdev 0 anyway, but never let a stray value through.
    expect(toFileStat(stats(S_IF.S_IFREG | 0o644, makedev(8, 1)))).toMatchObject({ rdevMajor: 0, rdevMinor: 0 });
  });

  it('keeps ids, size, inode and link count', () => {
    const stat = toFileStat(stats(S_IF.S_IFDIR | 0o700, 0n, { uid: 1000n, gid: 100n, size: 4096n, ino: 2n ** 40n, nlink: 3n }));
    expect(stat).toEqual({ type: 'dir', mode: S_IF.S_IFDIR | 0o700, uid: 1000, gid: 100, size: 4096, rdevMajor: 0, rdevMinor: 0, ino: 2 ** 40, nlink: 3 });
  });
});
