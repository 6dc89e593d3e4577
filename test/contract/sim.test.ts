import { describeKernelContract, type ContractContext } from './kernel-contract.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import type { Kernel } from '../../src/kernel/types.js';
import { realContractCgroup } from '../helpers/real-kernel.js';

/**
The contract on the simulated kernel, once per cgroup layout, and on v2 once per place glassbox was
started in. The cgroup for the suite is found the same way as on the real kernel. On v2 neither the
delegated scope nor the login session scope hands a controller down by itself (systemd leaves a
delegated scope's cgroup.subtree_control to the delegate), so the setup first enables pids there, as
a tool would: v2 allows that in a group that has processes because pids is a threaded controller.
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
describeKernelContract('simulated (v2 cgroups, started in the login session)', () =>
  simContext(createSimKernel({ cgroupLayout: 'v2', cgroupPlacement: 'session' })),
);
