import { describe, expect, it } from 'vitest';
import { formatBytes, PullProgress } from '../../src/pull/progress-view.js';

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

describe('pull progress lines', () => {
  it('prints sizes as Docker does (decimal, three digits)', () => {
    expect(formatBytes(0)).toBe('0B');
    expect(formatBytes(999)).toBe('999B');
    expect(formatBytes(1000)).toBe('1kB');
    expect(formatBytes(12_345)).toBe('12.3kB');
    expect(formatBytes(4_194_304)).toBe('4.19MB');
    expect(formatBytes(2_000_000_000)).toBe('2GB');
  });

  it('keeps one line per layer, in first-seen order, with the latest state', () => {
    const view = new PullProgress();
    view.apply({ type: 'resolving', reference: 'docker.io/library/busybox:latest', registry: 'https://registry-1.docker.io' });
    view.apply({ type: 'resolved', reference: 'x', digest: digest('a'), mediaType: 'm', platform: 'linux/amd64', index: digest('b') });
    for (const c of ['c', 'd']) view.apply({ type: 'layer', digest: digest(c), size: 4_000_000, received: 0, state: 'waiting' });
    expect(view.apply({ type: 'layer', digest: digest('d'), size: 4_000_000, received: 1_500_000, state: 'downloading' })).toBe('dddddddddddd: Downloading  1.5MB/4MB');
    view.apply({ type: 'layer', digest: digest('c'), size: 4_000_000, received: 4_000_000, state: 'exists' });
    view.apply({ type: 'layer', digest: digest('d'), size: 4_000_000, received: 2_000_000, state: 'resuming', reason: 'UND_ERR_SOCKET: other side closed' });
    view.apply({ type: 'retry', what: 'blob x', attempt: 1, delayMs: 1000, reason: 'http 429' });
    expect(view.lines()).toEqual([
      'Pulling docker.io/library/busybox:latest from https://registry-1.docker.io',
      'Image aaaaaaaaaaaa for linux/amd64 (from index bbbbbbbbbbbb)',
      'cccccccccccc: Already exists',
      'dddddddddddd: Resuming at 2MB/4MB (UND_ERR_SOCKET: other side closed)',
      'Retrying blob x in 1.0 s (http 429)',
    ]);
    view.apply({ type: 'layer', digest: digest('d'), size: 4_000_000, received: 4_000_000, state: 'done' });
    view.apply({ type: 'done', reference: 'busybox', digest: digest('a'), downloaded: 4_000_000, layers: 2, reused: 1, ms: 1234 });
    expect(view.lines().slice(3)).toEqual(['dddddddddddd: Download complete', 'Retrying blob x in 1.0 s (http 429)', `Digest: ${digest('a')}`, 'Status: Downloaded 4MB in 1.2 s for busybox']);
  });

  it('says an image is up to date when nothing was downloaded', () => {
    const view = new PullProgress();
    view.apply({ type: 'done', reference: 'busybox', digest: digest('a'), downloaded: 0, layers: 2, reused: 2, ms: 5 });
    expect(view.lines().at(-1)).toBe('Status: Image is up to date for busybox');
  });
});
