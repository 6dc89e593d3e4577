import { describe, expect, it } from 'vitest';
import { ErrnoFailure } from '../../src/kernel/trace.js';
import { errnoName } from '../../src/kernel/errno.js';
import { formatCpuList, kstrtoll, kstrtoull, parseCpuList, parseMemoryLimit, PAGE_COUNTER_MAX } from '../../src/kernel/sim/cgroup-parse.js';
import { parseTmpfsOptions } from '../../src/kernel/sim/fs-options.js';

function failure(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof ErrnoFailure) return errnoName(error.errno);
    throw error;
  }
}

describe('the kernel number parsers of the simulation', () => {
  it('kstrtoll: base 0, one trailing newline, EINVAL for text and ERANGE for overflow', () => {
    expect(kstrtoll('10')).toBe(10n);
    expect(kstrtoll('0x10')).toBe(16n);
    expect(kstrtoll('010')).toBe(8n);
    expect(kstrtoll('-5\n')).toBe(-5n);
    expect(failure(() => kstrtoll('08'))).toBe('EINVAL');
    expect(failure(() => kstrtoll(' 5'))).toBe('EINVAL');
    expect(failure(() => kstrtoll('5\n\n'))).toBe('EINVAL');
    expect(failure(() => kstrtoll(''))).toBe('EINVAL');
    expect(failure(() => kstrtoll('99999999999999999999'))).toBe('ERANGE');
    expect(failure(() => kstrtoull('-1'))).toBe('EINVAL');
  });

  it('memory limits: suffixes, rounding down to pages, and the word for no limit', () => {
    expect(parseMemoryLimit('10m', 'max')).toBe(2560n);
    expect(parseMemoryLimit(' 1G\n', 'max')).toBe(262144n);
    expect(parseMemoryLimit('4095', 'max')).toBe(0n);
    expect(parseMemoryLimit('max', 'max')).toBe(PAGE_COUNTER_MAX);
    expect(parseMemoryLimit('-1', '-1')).toBe(PAGE_COUNTER_MAX);
    expect(failure(() => parseMemoryLimit('max', '-1'))).toBe('EINVAL');
    expect(failure(() => parseMemoryLimit('-1', 'max'))).toBe('EINVAL');
    expect(parseMemoryLimit('', '-1')).toBe(0n);
  });

  it('cpu lists as cpuset files take and print them', () => {
    expect(parseCpuList('0-1,3', 4)).toEqual([0, 1, 3]);
    expect(formatCpuList([0, 1, 3])).toBe('0-1,3');
    expect(failure(() => parseCpuList('0-4', 2))).toBe('EINVAL');
    expect(failure(() => parseCpuList('1-0', 2))).toBe('EINVAL');
  });

  it('tmpfs options shown as the kernel shows them', () => {
    expect(parseTmpfsOptions('size=12345,nr_inodes=1k,uid=5', 2 ** 33).shown).toBe('size=16k,nr_inodes=1024,uid=5');
    expect(parseTmpfsOptions('mode=010000', 2 ** 33).shown).toBe('mode=000');
    expect(parseTmpfsOptions('size=1M,size=2m,huge=never,inode64,noswap', 2 ** 33).shown).toBe('size=2048k,inode64,noswap');
    expect(failure(() => parseTmpfsOptions('mode=999', 2 ** 33))).toBe('EINVAL');
    expect(failure(() => parseTmpfsOptions('size=1x', 2 ** 33))).toBe('EINVAL');
    expect(parseTmpfsOptions(',,', 2 ** 33).shown).toBe('');
  });
});
