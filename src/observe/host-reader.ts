import fs from 'node:fs';
import { toFileStat } from '../kernel/node-stat.js';
import type { KernelReader } from './reader.js';

/**
The host as it is, read with plain node:fs: for the doctor, which examines the machine
before any backend is chosen, and must work on any OS and without root. Not a kernel
backend: it only reads.
*/
export const hostReader: KernelReader = {
  readFile: (path) => fs.readFileSync(path, 'utf8'),
  readdir: (path) => fs.readdirSync(path),
  readlink: (path) => fs.readlinkSync(path),
  lstat: (path) => toFileStat(fs.lstatSync(path, { bigint: true })),
};

/** access(2) without throwing. */
export function canAccess(path: string, mode: number): boolean {
  try {
    fs.accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}
