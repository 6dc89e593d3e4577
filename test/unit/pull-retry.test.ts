import { describe, expect, it } from 'vitest';
import { parseContentRange } from '../../src/pull/fetch-blob.js';
import { DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, retryDelay, sleep } from '../../src/pull/retry.js';
import { runLimited } from '../../src/pull/run-limited.js';

describe('retries', () => {
  it('retries 408, 429 and 5xx gateway errors only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 206, 400, 401, 403, 404, 416, 501].some(isRetryableStatus)).toBe(false);
  });

  it('reads Retry-After in seconds or as a date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('doubles the wait with jitter, caps it, and lets Retry-After win', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelay(policy, 1, undefined, () => 0.5)).toBe(100);
    expect(retryDelay(policy, 3, undefined, () => 0.5)).toBe(400);
    expect(retryDelay(policy, 3, undefined, () => 0)).toBe(300);
    expect(retryDelay(policy, 3, undefined, () => 0.999)).toBeLessThanOrEqual(500);
    expect(retryDelay(policy, 10, undefined, () => 0.5)).toBe(1000);
    expect(retryDelay(policy, 1, 7000)).toBe(7000);
  });

  it('sleeps until aborted', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const sleeping = sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('Content-Range', () => {
  it('parses what a 206 carries', () => {
    expect(parseContentRange('bytes 100-199/200')).toEqual({ start: 100, end: 199, total: 200 });
    expect(parseContentRange('bytes 0-9/*')).toEqual({ start: 0, end: 9 });
    expect(parseContentRange('bytes */200')).toBeUndefined();
    expect(parseContentRange(undefined)).toBeUndefined();
  });
});

describe('runLimited', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await runLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5 * (n % 3)));
      running--;
      done.push(n);
    });
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts nothing after the first failure, waits for the running ones, and throws it', async () => {
    const started: number[] = [];
    let settled = 0;
    let failures = 0;
    const run = runLimited(
      [1, 2, 3, 4, 5],
      2,
      async (n) => {
        started.push(n);
        await new Promise((resolve) => setTimeout(resolve, n === 1 ? 1 : 20));
        settled++;
        if (n === 1) throw new Error('first');
      },
      () => failures++,
    );
    await expect(run).rejects.toThrow('first');
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(2);
    expect(failures).toBe(1);
  });
});
