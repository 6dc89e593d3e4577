import type { BigIntStats } from 'node:fs';
import { S_IF, majorOf, minorOf } from './flags.js';
import type { FileStat, FileType } from './types.js';

/**
lstat results as the Kernel interface has them. Pure: the unit tests feed it made-up stats.
Stats come as bigint so that rdev and large inode numbers survive intact.
*/
const TYPES: [number, FileType][] = [
  [S_IF.S_IFREG, 'file'],
  [S_IF.S_IFDIR, 'dir'],
  [S_IF.S_IFLNK, 'symlink'],
  [S_IF.S_IFCHR, 'char'],
  [S_IF.S_IFBLK, 'block'],
  [S_IF.S_IFIFO, 'fifo'],
  [S_IF.S_IFSOCK, 'socket'],
];

export function fileTypeOfMode(mode: number): FileType {
  const bits = mode & S_IF.S_IFMT;
  const found = TYPES.find(([type]) => type === bits);
  if (found === undefined) throw new Error(`unknown file type bits 0o${bits.toString(8)} in mode`);
  return found[1];
}

export type StatFields = Pick<BigIntStats, 'mode' | 'uid' | 'gid' | 'size' | 'rdev' | 'ino' | 'nlink'>;

export function toFileStat(stats: StatFields): FileStat {
  const mode = Number(stats.mode);
  const type = fileTypeOfMode(mode);
  const special = type === 'char' || type === 'block';
  return {
    type,
    mode,
    uid: Number(stats.uid),
    gid: Number(stats.gid),
    size: Number(stats.size),
    rdevMajor: special ? majorOf(stats.rdev) : 0,
    rdevMinor: special ? minorOf(stats.rdev) : 0,
    ino: Number(stats.ino),
    nlink: Number(stats.nlink),
  };
}
