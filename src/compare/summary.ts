import type { Lang, Text } from '../i18n/lang.js';
import type { CompareView } from '../tour/types.js';
import type { VmAccel } from './vm-accel.js';

/**
The figures of a comparison and how they become the tour's CompareView. Each run gives
one figure per side and metric; the result keeps every run and the medians (a median,
not a mean: the first run pays for cold caches, and a loaded machine adds outliers).
*/
export interface SideFigures {
  /** From the start to the probe's first byte. */
  firstOutputMs: number;
  /** Container: the cgroup's memory peak; VM: qemu's VmHWM. Null when it cannot be read. */
  memoryBytes: number | null;
  /** What `uname -r` says inside. */
  kernelRelease: string;
  /** Processes and threads the host sees for it. */
  processes: number;
  threads: number;
}

export interface RunFigures {
  container: SideFigures;
  vm: SideFigures;
}

export interface SideSummary extends SideFigures {
  /** Bytes on disk: the container's root files; the VM's kernel plus initramfs. */
  diskBytes: number;
}

export interface ComparisonResult {
  runs: RunFigures[];
  /** Medians over the runs (kernel release: the one every run saw). */
  container: SideSummary;
  vm: SideSummary & { kernelBytes: number; initramfsBytes: number };
  vmAccel: VmAccel;
  accelReason: Text;
  hostKernel: string;
  /** The kernel image the VM booted. */
  vmKernelFile: string;
  /** ISO time of the measurement, and the machine (hostname, CPU, cores). */
  measuredAt: string;
  machine: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medianOrNull(values: ReadonlyArray<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : median(known);
}

/** The kernel release a side saw: all runs agree, else they are listed. */
function sameRelease(values: readonly string[]): string {
  return [...new Set(values)].join(', ');
}

export function summarizeSide(runs: readonly SideFigures[], diskBytes: number): SideSummary {
  return {
    firstOutputMs: median(runs.map((run) => run.firstOutputMs)),
    memoryBytes: medianOrNull(runs.map((run) => run.memoryBytes)),
    kernelRelease: sameRelease(runs.map((run) => run.kernelRelease)),
    processes: median(runs.map((run) => run.processes)),
    threads: median(runs.map((run) => run.threads)),
    diskBytes,
  };
}

/** The metrics in the order the table and the bar chart show them. */
export const COMPARE_METRICS = {
  'first-output': { unit: 'ms', label: { en: 'time to first output', ko: '첫 출력까지 시간' } },
  memory: { unit: 'bytes', label: { en: 'memory (peak)', ko: '메모리 (최대)' } },
  kernel: { unit: '', label: { en: 'kernel (uname -r inside)', ko: '커널 (안에서 본 uname -r)' } },
  disk: { unit: 'bytes', label: { en: 'size on disk', ko: '디스크 크기' } },
  processes: { unit: 'count', label: { en: 'host processes', ko: '호스트에서 보이는 프로세스' } },
  threads: { unit: 'count', label: { en: 'host threads', ko: '호스트에서 보이는 스레드' } },
} as const satisfies Record<string, { unit: string; label: Text }>;

export type CompareMetric = keyof typeof COMPARE_METRICS;

/** The label of a CompareView row's metric, for screens. */
export function compareMetricLabel(metric: string, lang: Lang): string {
  const known = (COMPARE_METRICS as Record<string, { label: Text } | undefined>)[metric];
  return known === undefined ? metric : known.label[lang];
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** The tour's view of a result: one row per metric, medians, unknown figures as '—'. */
export function toCompareView(result: ComparisonResult, origin: CompareView['origin'] = 'measured', source?: string): CompareView {
  const figure = (value: number | null): number | string => (value === null ? '—' : value);
  const row = (metric: CompareMetric, container: number | string, vm: number | string): CompareView['rows'][number] => ({
    metric,
    unit: COMPARE_METRICS[metric].unit,
    container,
    vm,
  });
  const { container, vm } = result;
  return {
    kind: 'compare',
    origin,
    ...(source === undefined ? {} : { source }),
    rows: [
      row('first-output', round(container.firstOutputMs), round(vm.firstOutputMs)),
      row('memory', figure(container.memoryBytes), figure(vm.memoryBytes)),
      row('kernel', container.kernelRelease, vm.kernelRelease),
      row('disk', container.diskBytes, vm.diskBytes),
      row('processes', container.processes, vm.processes),
      row('threads', container.threads, vm.threads),
    ],
    vmAccel: result.vmAccel,
  };
}
