export { createSimKernel, type SimKernel, type SimKernelOptions } from './sim-kernel.js';
export type { CgroupLayout, CgroupPlacement } from './cgroup-layouts.js';
export { SELF_PID } from './machine.js';
export { createSimLauncher, launchSimContainer } from './sim-launcher.js';
