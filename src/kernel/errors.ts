import { GlassboxError } from '../errors.js';
import { errnoDescription, errnoName } from './errno.js';

/** Arguments of a call as printed: ordered `key=value` pairs, flags already as names. */
export type CallArgs = Record<string, string | number>;

export function formatCallArgs(args: CallArgs): string {
  return Object.entries(args)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
}

/**
A failed kernel call, real or simulated, named as the code made it:
`mount src=overlay dst=/x flags=MS_NODEV|MS_NOSUID data=lowerdir=…: EINVAL (invalid argument)`.
*/
export class SyscallError extends GlassboxError {
  readonly call: string;
  readonly args: CallArgs;
  readonly errno: number;
  readonly errnoName: string;

  constructor(call: string, args: CallArgs, errno: number, options: { hint?: string; cause?: unknown } = {}) {
    const name = errnoName(errno);
    const shown = formatCallArgs(args);
    super(`SYSCALL_${name}`, `${call}${shown === '' ? '' : ` ${shown}`}: ${name} (${errnoDescription(errno)})`, {
      kind: 'environment',
      ...options,
    });
    this.name = 'SyscallError';
    this.call = call;
    this.args = args;
    this.errno = errno;
    this.errnoName = name;
  }

  static isSyscallError(value: unknown): value is SyscallError {
    return GlassboxError.is(value) && typeof (value as SyscallError).errno === 'number' && 'call' in value;
  }
}
