import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecorded, parseRecorded, recordedComparison, RECORDED_FILE } from '../../src/compare/recorded.js';
import { formatMs, formatSize, renderComparison } from '../../src/compare/render.js';
import { compareMetricLabel, COMPARE_METRICS, median, summarizeSide, toCompareView, type ComparisonResult, type SideFigures } from '../../src/compare/summary.js';
import { packageRoot } from '../../src/package-root.js';
import { displayWidth } from '../../src/tui/text-width.js';

const side = (firstOutputMs: number, memoryBytes: number | null, kernelRelease: string, threads = 1): SideFigures => ({
  firstOutputMs,
  memoryBytes,
  kernelRelease,
  processes: 1,
  threads,
});

function result(): ComparisonResult {
  const runs = [
    { container: side(40, 700_000, '6.18.0-host'), vm: side(4000, 230_000_000, '6.1.0-vm', 3) },
    { container: side(25, 720_000, '6.18.0-host'), vm: side(5000, 231_000_000, '6.1.0-vm', 3) },
    { container: side(90, null, '6.18.0-host'), vm: side(4500, 229_000_000, '6.1.0-vm', 3) },
  ];
  return {
    runs,
    container: summarizeSide(runs.map((run) => run.container), 3_000_000),
    vm: { ...summarizeSide(runs.map((run) => run.vm), 17_000_000), kernelBytes: 14_000_000, initramfsBytes: 3_000_000 },
    vmAccel: 'tcg',
    accelReason: { en: 'no /dev/kvm', ko: '/dev/kvm 없음' },
    hostKernel: '6.18.0-host',
    vmKernelFile: '/var/lib/glassbox/vm/vmlinuz-6.1.0-vm',
    measuredAt: '2026-11-23T00:00:00.000Z',
    machine: 'test (CPU, 2 cores)',
  };
}

describe('medians', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow(RangeError);
  });

  it('summarizes a side: medians, unknown memory left out, one kernel release', () => {
    const summary = result().container;
    expect(summary).toEqual({ firstOutputMs: 40, memoryBytes: 710_000, kernelRelease: '6.18.0-host', processes: 1, threads: 1, diskBytes: 3_000_000 });
    const mixed = summarizeSide([side(1, null, 'a'), side(2, null, 'b')], 0);
    expect(mixed.memoryBytes).toBeNull();
    expect(mixed.kernelRelease).toBe('a, b');
  });
});

describe('the tour view', () => {
  it('has one row per metric, in order, with units, and says where recorded figures come from', () => {
    const view = toCompareView(result());
    expect(view).toMatchObject({ kind: 'compare', origin: 'measured', vmAccel: 'tcg' });
    expect(view.source).toBeUndefined();
    expect(view.rows.map((row) => row.metric)).toEqual(Object.keys(COMPARE_METRICS));
    expect(view.rows[0]).toEqual({ metric: 'first-output', unit: 'ms', container: 40, vm: 4500 });
    expect(view.rows.find((row) => row.metric === 'kernel')).toMatchObject({ container: '6.18.0-host', vm: '6.1.0-vm' });
    expect(toCompareView(result(), 'recorded', 'somewhere, 2026')).toMatchObject({ origin: 'recorded', source: 'somewhere, 2026' });
    expect(compareMetricLabel('memory', 'ko')).toBe('메모리 (최대)');
    expect(compareMetricLabel('unknown-metric', 'en')).toBe('unknown-metric');
  });
});

describe('the table', () => {
  it('lines up its columns in both languages (Hangul is two columns wide)', () => {
    for (const lang of ['en', 'ko'] as const) {
      const lines = renderComparison(result(), lang);
      const table = lines.slice(3, 10);
      // Every row's second column starts where the header's does.
      const start = (line: string, cell: string): number => displayWidth(line.slice(0, line.indexOf(cell)));
      const header = table[0]!;
      const containerTitle = lang === 'en' ? 'container' : '컨테이너';
      const column = start(header, containerTitle);
      expect(start(table[1]!, '40.0 ms'), lang).toBe(column);
      expect(start(table[2]!, formatSize(710_000)), lang).toBe(column);
      expect(table[3], lang).toContain('6.1.0-vm');
      expect(table[1], lang).toContain('113×'); // 4500 / 40
    }
  });

  it('says measured or recorded, and how the VM ran', () => {
    expect(renderComparison(result(), 'en')[0]).toBe('container vs VM, measured here: 3 runs, medians');
    expect(renderComparison(result(), 'ko', { source: 'X' })[0]).toBe('컨테이너 vs VM, 기록된 값: X: 3회 실행, 중앙값');
    expect(renderComparison(result(), 'en')[1]).toBe('VM acceleration: no /dev/kvm');
  });

  it('formats sizes and times', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(720_896)).toBe('704 KiB');
    expect(formatSize(232_861_696)).toBe('222 MiB');
    expect(formatSize(2_936_704)).toBe('2.8 MiB');
    expect(formatMs(34.78)).toBe('34.8 ms');
    expect(formatMs(4845.6)).toBe('4846 ms');
    expect(formatMs(12_345)).toBe('12.3 s');
  });
});

describe('recorded figures', () => {
  it('are in the repository, valid, and name where and when they were measured', () => {
    const recorded = loadRecorded();
    expect(recorded.source).toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(recorded.source).toContain(recorded.result.measuredAt.slice(0, 10));
    expect(recorded.result.runs.length).toBeGreaterThanOrEqual(3);
    // The medians are the medians of the runs kept beside them.
    expect(recorded.result.container.firstOutputMs).toBe(median(recorded.result.runs.map((run) => run.container.firstOutputMs)));
    expect(recorded.result.vm.firstOutputMs).toBe(median(recorded.result.runs.map((run) => run.vm.firstOutputMs)));
    expect(recorded.result.vm.kernelRelease).not.toBe(recorded.result.container.kernelRelease);
    expect(recorded.result.container.kernelRelease).toBe(recorded.result.hostKernel);
    const view = recordedComparison();
    expect(view).toMatchObject({ kind: 'compare', origin: 'recorded', source: recorded.source, vmAccel: recorded.result.vmAccel });
  });

  it('refuses a file that is not a comparison, naming the file', () => {
    const text = fs.readFileSync(path.join(packageRoot(), RECORDED_FILE), 'utf8');
    const good = JSON.parse(text) as Record<string, unknown>;
    expect(() => parseRecorded('{', 'x.json')).toThrow(/^x\.json: not JSON/);
    expect(() => parseRecorded(JSON.stringify({ ...good, format_version: 2 }), 'x.json')).toThrow(/format_version/);
    expect(() => parseRecorded(JSON.stringify({ ...good, source: '' }), 'x.json')).toThrow(/no source/);
    expect(() => parseRecorded(JSON.stringify({ ...good, result: { ...(good.result as object), runs: [] } }), 'x.json')).toThrow(/runs/);
    expect(parseRecorded(text).source).toBe(good.source);
  });
});
