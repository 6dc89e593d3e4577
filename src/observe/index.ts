// The readers of kernel state, in one import. Each takes a KernelReader: observe never picks a backend.
export { isGone, procPath, readOptional, type KernelReader, type ProcRef } from './reader.js';
export * from './mountinfo.js';
export * from './mount-tree.js';
export * from './namespaces.js';
export * from './status.js';
export * from './capabilities.js';
export * from './process-tree.js';
export * from './proc-cgroup.js';
export * from './cgroup-layout.js';
export * from './cgroup-access.js';
export * from './cgroup-files.js';
