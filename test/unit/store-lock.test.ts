import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, readRecord, withLock } from '../../src/store/lock.js';
import { readStartTime } from '../../src/store/process-alive.js';
import { makeScratchDir, type ScratchDir } from '../helpers/store-fixture.js';

let dir: ScratchDir | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

function lockPath(): string {
  dir = makeScratchDir('lock');
  return path.join(dir.path, 'lock');
}

function writeForeignLock(file: string, record: object): void {
  fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), nonce: 'f0f0f0f0', ...record }));
}

describe('store lock', () => {
  it('holds our pid and start time while held, and is gone after release', async () => {
    const file = lockPath();
    const release = await acquireLock(file);
    expect(readRecord(file)).toMatchObject({ pid: process.pid, startTime: readStartTime(process.pid), host: os.hostname() });
    release();
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(dir!.path)).toEqual([]);
  });

  it('makes a second taker wait for the first', async () => {
    const file = lockPath();
    const order: string[] = [];
    const first = await acquireLock(file);
    const second = withLock(file, () => order.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    order.push('first done');
    first();
    await second;
    expect(order).toEqual(['first done', 'second']);
  });

  it('gives up after the timeout, naming the holder', async () => {
    const file = lockPath();
    const release = await acquireLock(file);
    try {
      await expect(acquireLock(file, { timeoutMs: 50 })).rejects.toMatchObject({
        code: 'STORE_LOCKED',
        message: new RegExp(`locked by pid ${process.pid}`),
      });
    } finally {
      release();
    }
  });

  it('breaks a lock whose owner died', async () => {
    const file = lockPath();
    const dead = spawnSync('true').pid!;
    writeForeignLock(file, { pid: dead, startTime: '1' });
    const release = await acquireLock(file, { timeoutMs: 1000 });
    expect(readRecord(file)?.pid).toBe(process.pid);
    release();
    expect(fs.readdirSync(dir!.path)).toEqual([]);
  });

  it('treats a reused pid (another start time) as dead', async () => {
    const file = lockPath();
    writeForeignLock(file, { pid: process.pid, startTime: String(Number(readStartTime(process.pid)) + 7) });
    const release = await acquireLock(file, { timeoutMs: 1000 });
    release();
  });

  it('never breaks a lock taken on another host, nor one of a live process', async () => {
    const file = lockPath();
    writeForeignLock(file, { pid: spawnSync('true').pid!, startTime: '1', host: 'another-host' });
    await expect(acquireLock(file, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    writeForeignLock(file, { pid: 1, startTime: readStartTime(1) });
    await expect(acquireLock(file, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    expect(readRecord(file)?.pid).toBe(1);
  });

  it('releases the lock when the body throws', async () => {
    const file = lockPath();
    await expect(withLock(file, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(fs.existsSync(file)).toBe(false);
  });
});
