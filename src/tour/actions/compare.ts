import { comparisonAvailability, loadRecorded, runComparison, toCompareView, type ComparisonResult } from '../../compare/index.js';
import type { StepOutcome } from '../types.js';
import { defineAction, planned } from './define.js';

/**
Container vs VM. With `measure`, on the real kernel with qemu and a VM kernel at hand, the same
workload runs as a container and as a VM (`glassbox compare`), and the bars grow run by run.
Anywhere else the figures `glassbox compare --json` recorded on a real machine are shown, and the
view says where and when they were taken.
*/
type CompareArgs = { measure?: boolean; runs?: number };

export const compareVm = defineAction<CompareArgs>({
  name: 'compare',
  summary: { en: 'container vs VM: start-up time, memory, kernel (measured here, or recorded)', ko: '컨테이너와 VM 비교: 시작 시간, 메모리, 커널(여기서 재거나 기록된 값)' },
  args: { measure: { type: 'boolean' }, runs: { type: 'number', min: 1, max: 10 } },
  facts: ['vmOwnKernel', 'containerHostKernel', 'startupRatio', 'memoryRatio', 'fasterStart', 'origin'],
  views: ['compare'],
  // Without qemu or root the step shows recorded figures instead: it never needs more.
  requires: () => [],
  plan: (args) =>
    args.measure === true
      ? [
          planned('node', 'spawn', ['gbx-run', 'gbx-probe'], { en: 'the container, timed to its first line', ko: '컨테이너, 첫 줄까지 시간 측정' }),
          planned('node', 'spawn', ['qemu-system-x86_64', '-kernel', '<vmlinuz>', '-initrd', '<gbx-probe>'], { en: 'the VM, timed the same way', ko: 'VM, 같은 방식으로 측정' }),
        ]
      : [planned('store', 'read', ['lessons/data/compare-recorded.json'], { en: 'measured earlier by glassbox compare', ko: 'glassbox compare로 미리 잰 값' })],
  async run(args, ctx, update) {
    if (args.measure === true && comparisonAvailability(ctx.kernel).ok) {
      const result = await runComparison({
        kernel: ctx.kernel,
        launcher: ctx.launcher,
        runs: args.runs ?? 1,
        signal: ctx.signal,
        onView: (view) => update({ view }),
      });
      return outcome(result, 'measured');
    }
    const recorded = loadRecorded();
    return outcome(recorded.result, 'recorded', recorded.source);
  },
});

function outcome(result: ComparisonResult, origin: 'measured' | 'recorded', source?: string): StepOutcome {
  const { container, vm, hostKernel } = result;
  const ratio = (a: number | null, b: number | null): number => (a === null || b === null || b === 0 ? -1 : Math.round(a / b));
  return {
    view: toCompareView(result, origin, source),
    facts: {
      vmOwnKernel: vm.kernelRelease !== hostKernel,
      containerHostKernel: container.kernelRelease === hostKernel,
      startupRatio: ratio(vm.firstOutputMs, container.firstOutputMs),
      memoryRatio: ratio(vm.memoryBytes, container.memoryBytes),
      fasterStart: container.firstOutputMs <= vm.firstOutputMs ? 'container' : 'vm',
      origin,
    },
  };
}
