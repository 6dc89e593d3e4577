import fs from 'node:fs';
import type { FileStat, FileType } from '../kernel/types.js';
import type { KernelReader } from '../observe/reader.js';

/**
Reads the host as it is, with plain node:fs: the doctor examines the machine itself,
before any backend is chosen, and must work on any OS and without root.
*/
export const hostReader: KernelReader = {
  readFile: (path) => fs.readFileSync(path, 'utf8'),
  readdir: (path) => fs.readdirSync(path),
  readlink: (path) => fs.readlinkSync(path),
  lstat: (path): FileStat => {
    const st = fs.lstatSync(path);
    return {
      type: fileType(st),
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      size: st.size,
      rdevMajor: Math.floor(st.rdev / 256),
      rdevMinor: st.rdev % 256,
      ino: st.ino,
      nlink: st.nlink,
    };
  },
};

function fileType(st: fs.Stats): FileType {
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'file';
}

/** access(2) without throwing. */
export function canAccess(path: string, mode: number): boolean {
  try {
    fs.accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}
