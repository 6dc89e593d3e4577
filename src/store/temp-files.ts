import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isProcessAlive, ownIdentity } from './process-alive.js';

/**
Names of unfinished files carry their writer's pid and start time:
`<pid>-<starttime>-<random>`, or `.<file>.<pid>-<starttime>-<random>` beside the file that
writeFileAtomic replaces. A crash or Ctrl-C can leave one behind; the next `openStore` removes
those whose writer is gone, and never a file another live glassbox is still writing (two pulls
at once share the tmp directory).
*/
const TEMP_NAME = /^(?:\.[^/]+?\.)?(\d+)-(\d*)-[0-9a-f]+(\.[a-z]+)?$/;

export function tempName(suffix = ''): string {
  const me = ownIdentity();
  return `${me.pid}-${me.startTime ?? ''}-${randomBytes(6).toString('hex')}${suffix}`;
}

/** Whether a temp name (or a lock's temp record `lock.<pid>.<nonce>`) belongs to a dead writer. */
export function isAbandoned(name: string): boolean {
  const match = TEMP_NAME.exec(name);
  if (match === null) return false;
  return !isProcessAlive({ pid: Number(match[1]), startTime: match[2] === '' ? undefined : match[2] });
}

/** Removes abandoned temp files in `dir`; returns their names. */
export function removeAbandoned(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isAbandoned(name)) continue;
    fs.rmSync(path.join(dir, name), { force: true, recursive: true });
    removed.push(name);
  }
  return removed;
}

/**
Writes a small file atomically: temp file, fsync, rename, fsync the directory. A reader sees the
old content or the new, never a torn one. The temp file is `.<name>.<temp name>` beside the file,
or a temp name in `tempDir` (on the same filesystem: the store's tmp directory, which openStore
cleans after a crash).
*/
export function writeFileAtomic(file: string, data: string | Uint8Array, options: { tempDir?: string } = {}): void {
  const temp = options.tempDir === undefined ? path.join(path.dirname(file), `.${path.basename(file)}.${tempName()}`) : path.join(options.tempDir, tempName());
  const fd = fs.openSync(temp, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(path.dirname(file));
}

/** Makes a rename in `dir` durable: without it a power cut can lose the new name. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
