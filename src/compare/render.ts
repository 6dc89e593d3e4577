import { pick, type Lang, type Text } from '../i18n/lang.js';
import { displayWidth, padWidth } from '../tui/text-width.js';
import { COMPARE_METRICS, type ComparisonResult } from './summary.js';

/** `glassbox compare` on a terminal: the two sides in columns, then how they were made. */
const L = {
  measured: { en: 'container vs VM, measured here', ko: '컨테이너 vs VM, 이 컴퓨터에서 측정' },
  recorded: { en: 'container vs VM, recorded on', ko: '컨테이너 vs VM, 기록된 값:' },
  runs: { en: '{n} runs, medians', ko: '{n}회 실행, 중앙값' },
  metric: { en: 'metric', ko: '항목' },
  container: { en: 'container', ko: '컨테이너' },
  vm: { en: 'VM', ko: 'VM' },
  ratio: { en: 'VM / container', ko: 'VM / 컨테이너' },
  hostKernel: { en: "(the host's)", ko: '(호스트의 커널)' },
  ownKernel: { en: '(its own)', ko: '(자신의 커널)' },
  accel: { en: 'VM acceleration', ko: 'VM 가속' },
  eachRun: { en: 'time to first output, each run', ko: '실행마다 첫 출력까지 시간' },
  containerHow: {
    en: 'container: gbx-probe under busybox sh in a glassbox container (6 namespaces, cgroups, pivot_root); its root holds busybox and gbx-probe',
    ko: '컨테이너: glassbox 컨테이너(네임스페이스 6개, cgroup, pivot_root) 안의 busybox sh가 gbx-probe를 실행; 루트에는 busybox와 gbx-probe',
  },
  vmHow: {
    en: 'VM: qemu-system-x86_64 -m 256 with the kernel named above and an initramfs glassbox built from the same two files',
    ko: 'VM: qemu-system-x86_64 -m 256, 위에 적힌 커널과, 같은 두 파일로 glassbox가 만든 initramfs',
  },
  memoryHow: {
    en: "memory: the container's cgroup peak vs qemu's peak resident set (VmHWM)",
    ko: '메모리: 컨테이너 cgroup의 최대 사용량 vs qemu의 최대 상주 메모리(VmHWM)',
  },
  kernelFile: { en: 'VM kernel', ko: 'VM 커널' },
  diskParts: { en: 'kernel {k} + initramfs {i}', ko: '커널 {k} + initramfs {i}' },
} satisfies Record<string, Text>;

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}

function ratio(container: number | null, vm: number | null): string {
  if (container === null || vm === null || container <= 0) return '';
  const value = vm / container;
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×`;
}

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => displayWidth(row[i] ?? ''))));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : padWidth(cell, widths[i]! + 3))).join('').trimEnd());
}

/** The table, for a result measured here or recorded elsewhere (`source` says where and when). */
export function renderComparison(result: ComparisonResult, lang: Lang, recorded?: { source: string }): string[] {
  const t = (text: Text): string => pick(text, lang);
  const label = (metric: keyof typeof COMPARE_METRICS): string => t(COMPARE_METRICS[metric].label);
  const { container, vm } = result;
  const memory = (value: number | null): string => (value === null ? '—' : formatSize(value));
  const header = recorded === undefined ? t(L.measured) : `${t(L.recorded)} ${recorded.source}`;
  const lines = [
    `${header}: ${t(L.runs).replace('{n}', String(result.runs.length))}`,
    `${t(L.accel)}: ${t(result.accelReason)}`,
    '',
    ...columns([
      [t(L.metric), t(L.container), t(L.vm), t(L.ratio)],
      [label('first-output'), formatMs(container.firstOutputMs), formatMs(vm.firstOutputMs), ratio(container.firstOutputMs, vm.firstOutputMs)],
      [label('memory'), memory(container.memoryBytes), memory(vm.memoryBytes), ratio(container.memoryBytes, vm.memoryBytes)],
      [label('kernel'), `${container.kernelRelease} ${t(L.hostKernel)}`, `${vm.kernelRelease} ${t(L.ownKernel)}`, ''],
      [label('disk'), formatSize(container.diskBytes), formatSize(vm.diskBytes), ratio(container.diskBytes, vm.diskBytes)],
      [label('processes'), String(container.processes), String(vm.processes), ''],
      [label('threads'), String(container.threads), String(vm.threads), ''],
    ]),
    '',
    `${t(L.eachRun)}: ${t(L.container)} ${result.runs.map((run) => formatMs(run.container.firstOutputMs)).join(', ')}; ${t(L.vm)} ${result.runs.map((run) => formatMs(run.vm.firstOutputMs)).join(', ')}`,
    `${label('disk')}, ${t(L.vm)}: ${t(L.diskParts).replace('{k}', formatSize(vm.kernelBytes)).replace('{i}', formatSize(vm.initramfsBytes))}`,
    `${t(L.kernelFile)}: ${result.vmKernelFile}`,
    t(L.containerHow),
    t(L.vmHow),
    t(L.memoryHow),
  ];
  return lines;
}
