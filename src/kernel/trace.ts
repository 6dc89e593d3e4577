import diagnosticsChannel from 'node:diagnostics_channel';
import { errnoFromNodeError, errnoName } from './errno.js';
import { SyscallError, type CallArgs } from './errors.js';

/**
Every kernel call, real or simulated, is published once on this channel after it
returns. The TUI's call log, `--json` output and tests subscribe; nothing else is
needed to observe the engine.
*/
export const KERNEL_CHANNEL = 'glassbox:kernel:call';

export type Backend = 'linux' | 'sim';

export interface KernelCallEvent {
  backend: Backend;
  call: string;
  args: CallArgs;
  /** Present when the call succeeded: a short printable result (`0`, a pid, a byte count). */
  result?: string | number;
  /** Present when the call failed. */
  errno?: number;
  errnoName?: string;
  ms: number;
}

const channel = diagnosticsChannel.channel(KERNEL_CHANNEL);

export function publishCall(event: KernelCallEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
}

export function subscribeCalls(listener: (event: KernelCallEvent) => void): () => void {
  const handler = (message: unknown): void => listener(message as KernelCallEvent);
  diagnosticsChannel.subscribe(KERNEL_CHANNEL, handler);
  return () => diagnosticsChannel.unsubscribe(KERNEL_CHANNEL, handler);
}

/**
Runs one kernel call, times it, publishes it, and turns any failure into a
SyscallError naming the call. `run` throws either a SyscallError, an object with an
`errno` (Node fs errors), or an ErrnoFailure from a backend.
*/
export function traced<T>(
  backend: Backend,
  call: string,
  args: CallArgs,
  run: () => T,
  showResult: (value: T) => string | number = () => 0,
): T {
  const start = performance.now();
  try {
    const value = run();
    publishCall({ backend, call, args, result: showResult(value), ms: performance.now() - start });
    return value;
  } catch (error) {
    const errno = error instanceof ErrnoFailure ? error.errno : errnoFromNodeError(error);
    const ms = performance.now() - start;
    if (errno === undefined) throw error;
    publishCall({ backend, call, args, errno, errnoName: errnoName(errno), ms });
    throw new SyscallError(call, args, errno, { cause: error });
  }
}

/** Thrown inside a backend to say "this call failed with errno N"; `traced` names it. */
export class ErrnoFailure extends Error {
  constructor(readonly errno: number) {
    super(errnoName(errno));
  }
}
