import { loadRecorded, toCompareView } from '../../compare/index.js';
import { defineAction, planned } from './define.js';

/**
Container vs VM. The tour shows the figures `glassbox compare --json` recorded on a real machine
(the view says where and when): booting a VM takes seconds to minutes and needs qemu, which a
lesson should not wait for. `glassbox compare` measures them live on this machine.
*/
export const compareVm = defineAction<Record<string, never>>({
  name: 'compare',
  summary: { en: 'container vs VM: start-up time, memory, kernel (recorded figures)', ko: '컨테이너와 VM 비교: 시작 시간, 메모리, 커널(기록된 수치)' },
  args: {},
  facts: ['vmOwnKernel', 'containerHostKernel', 'startupRatio', 'memoryRatio', 'fasterStart', 'origin'],
  views: ['compare'],
  requires: () => [],
  plan: () => [planned('store', 'read', ['lessons/data/compare-recorded.json'], { en: 'measured earlier by glassbox compare', ko: 'glassbox compare로 미리 잰 값' })],
  async run() {
    const recorded = loadRecorded();
    const { container, vm, hostKernel } = recorded.result;
    const ratio = (a: number | null, b: number | null): number => (a === null || b === null || b === 0 ? -1 : Math.round(a / b));
    return {
      view: toCompareView(recorded.result, 'recorded', recorded.source),
      facts: {
        vmOwnKernel: vm.kernelRelease !== hostKernel,
        containerHostKernel: container.kernelRelease === hostKernel,
        startupRatio: ratio(vm.firstOutputMs, container.firstOutputMs),
        memoryRatio: ratio(vm.memoryBytes, container.memoryBytes),
        fasterStart: container.firstOutputMs <= vm.firstOutputMs ? 'container' : 'vm',
        origin: 'recorded',
      },
    };
  },
});
