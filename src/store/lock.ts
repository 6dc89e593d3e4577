import fs from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GlassboxError } from '../errors.js';
import { isProcessAlive, ownIdentity, type ProcessIdentity } from './process-alive.js';

/**
The store lock: one writer of index.json (and one garbage collector) at a time.

Why a lock file and not flock(2): Node has no flock, and reaching it through koffi would
tie the store to the Linux backend, which only src/kernel/linux/ may load. So the lock is
a file created atomically, holding its owner's pid and start time:

- acquire: write the owner record to a private temp file, then link(2) it to `lock`.
  link fails with EEXIST when the lock is held, and the lock never appears half-written
  (an O_EXCL create followed by a write could be read empty by a waiting process).
- a lock whose owner died (Ctrl-C, kill -9, crash) is stale. Breaking it happens under a
  second, short-lived `lock.break` file so that two waiters cannot both break it and then
  remove each other's fresh lock. A dead owner of `lock.break` itself is removed directly;
  that leaves a window of a few microseconds, only after two crashes in a row.
- pid reuse: the start time must match too (see process-alive.ts).

Only index.json updates and garbage collection take the lock, for milliseconds; blob
ingest needs no lock (content-addressed files, atomic rename).
*/
export interface LockRecord extends ProcessIdentity {
  host: string;
  nonce: string;
}

export interface LockOptions {
  /** How long to wait for a live holder; default 30 s. */
  timeoutMs?: number;
}

export type ReleaseLock = () => void;

export async function acquireLock(lockFile: string, options: LockOptions = {}): Promise<ReleaseLock> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const record: LockRecord = { ...ownIdentity(), host: os.hostname(), nonce: randomBytes(8).toString('hex') };
  let delay = 2;
  for (;;) {
    if (tryLink(lockFile, record)) return () => releaseLock(lockFile, record.nonce);
    const holder = readRecord(lockFile);
    if (holder !== undefined && isStale(holder)) {
      breakStaleLock(lockFile, holder);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new GlassboxError('STORE_LOCKED', `the image store is locked by pid ${holder?.pid ?? '?'} (${lockFile})`, {
        kind: 'environment',
        hint: 'another glassbox is writing to the store: wait for it to finish and try again',
      });
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}

/** Runs `body` while holding the lock; the lock is released even when body throws. */
export async function withLock<T>(lockFile: string, body: () => Promise<T> | T, options?: LockOptions): Promise<T> {
  const release = await acquireLock(lockFile, options);
  try {
    return await body();
  } finally {
    release();
  }
}

function tryLink(target: string, record: LockRecord): boolean {
  const temp = `${target}.${record.pid}.${record.nonce}`;
  fs.writeFileSync(temp, JSON.stringify(record), { mode: 0o644 });
  try {
    fs.linkSync(temp, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

export function readRecord(file: string): LockRecord | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockRecord>;
    if (typeof value.pid !== 'number' || typeof value.nonce !== 'string') return undefined;
    return { pid: value.pid, startTime: value.startTime, host: String(value.host), nonce: value.nonce };
  } catch {
    return undefined;
  }
}

/** A lock from another host cannot be checked, so it is never stale (a shared store over NFS). */
function isStale(holder: LockRecord): boolean {
  return holder.host === os.hostname() && !isProcessAlive(holder);
}

function breakStaleLock(lockFile: string, stale: LockRecord): void {
  const breaker = `${lockFile}.break`;
  const record: LockRecord = { ...ownIdentity(), host: os.hostname(), nonce: randomBytes(8).toString('hex') };
  if (!tryLink(breaker, record)) {
    const other = readRecord(breaker);
    if (other !== undefined && isStale(other)) releaseLock(breaker, other.nonce);
    return;
  }
  try {
    // Only the very lock judged stale is removed, not one a faster waiter took meanwhile.
    if (readRecord(lockFile)?.nonce === stale.nonce) fs.rmSync(lockFile, { force: true });
  } finally {
    releaseLock(breaker, record.nonce);
  }
}

function releaseLock(file: string, nonce: string): void {
  if (readRecord(file)?.nonce === nonce) fs.rmSync(file, { force: true });
}
