export type { Kernel, MountRequest, FileStat, FileType, SpawnedProcess, ProcessExit } from './types.js';
export { SyscallError, formatCallArgs, type CallArgs } from './errors.js';
export { KERNEL_CHANNEL, subscribeCalls, type KernelCallEvent, type Backend } from './trace.js';
export { ERRNO, errnoName, errnoDescription, type ErrnoName } from './errno.js';
export * from './flags.js';
