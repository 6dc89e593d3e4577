import { describeKernelContract, type ContractContext } from './kernel-contract.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import type { Kernel } from '../../src/kernel/types.js';
import { realContractCgroup } from '../helpers/real-kernel.js';

/**
The contract on the simulated kernel, once per cgroup layout. The cgroup for the suite is found the
same way as on the real kernel. On v2 the session scope the simulated glassbox runs in hands no
controller down (as on a systemd laptop), so the setup first enables pids there, as a tool would:
v2 allows that in a group that has processes because pids is a threaded controller.
*/
function simContext(kernel: Kernel): ContractContext {
  const unified = kernel
    .readFile('/proc/self/cgroup')
    .split('\n')
    .find((line) => line.startsWith('0::'));
  const v1Pids = kernel.readFile('/proc/self/cgroup').includes(':pids:');
  if (unified !== undefined && !v1Pids) kernel.writeFile(`/sys/fs/cgroup${unified.slice(3)}/cgroup.subtree_control`, '+pids');
  return { kernel, tmpDir: '/tmp', cgroup: realContractCgroup(kernel) };
}

for (const layout of ['v2', 'v1', 'hybrid'] as const) {
  describeKernelContract(`simulated (${layout} cgroups)`, () => simContext(createSimKernel({ cgroupLayout: layout })));
}
