import type { CallArgs } from './errors.js';
import { formatMode, formatMountFlags, formatUmountFlags, formatXattrFlags } from './flags.js';
import type { Kernel, MountRequest } from './types.js';

/**
How each Kernel method is named and printed, shared by both backends so that a call reads the same on
the real and the simulated kernel (the contract suite checks this through the trace channel):
`mount src=overlay dst=/x fstype=overlay flags=MS_NODEV data=lowerdir=…`.
*/
export interface KernelCall {
  call: string;
  args: CallArgs;
}

export function mountCall(request: MountRequest): KernelCall {
  const args: CallArgs = {
    src: request.source,
    dst: request.target,
    fstype: request.fstype ?? 'none',
    flags: formatMountFlags(request.flags),
  };
  if (request.data !== undefined && request.data !== null && request.data !== '') args.data = request.data;
  return { call: 'mount', args };
}

export function umountCall(target: string, flags = 0): KernelCall {
  return { call: 'umount2', args: { target, flags: formatUmountFlags(flags) } };
}

export function modeArg(mode: number): string {
  return formatMode(mode);
}

export function xattrFlagsArg(flags: number): string {
  return formatXattrFlags(flags);
}

/** What a write shows: short printable text as is (`pids.max` ← `10`), anything else as a byte count. */
export function dataArg(data: string | Uint8Array): string | number {
  const text = typeof data === 'string' ? data : undefined;
  if (text !== undefined && text.length <= 64 && /^[\x20-\x7e]*\n?$/.test(text)) return JSON.stringify(text);
  return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
}

type KernelMethod = Exclude<keyof Kernel, 'backend' | 'label'>;

/** The name each Kernel method is traced under: the syscall where there is one. */
export const CALL_NAMES = {
  mount: 'mount',
  umount: 'umount2',
  mkdir: 'mkdir',
  rmdir: 'rmdir',
  unlink: 'unlink',
  rename: 'rename',
  writeFile: 'write',
  readFile: 'read',
  readdir: 'readdir',
  lstat: 'lstat',
  symlink: 'symlink',
  readlink: 'readlink',
  mknod: 'mknod',
  chmod: 'chmod',
  lchown: 'lchown',
  mkdtemp: 'mkdtemp',
  setxattr: 'lsetxattr',
  getxattr: 'lgetxattr',
  listxattr: 'llistxattr',
  removexattr: 'lremovexattr',
  getpid: 'getpid',
  spawn: 'spawn',
  kill: 'kill',
} as const satisfies Record<KernelMethod, string>;
