import { errnoName } from '../errno.js';
import { ErrnoFailure } from '../trace.js';

/**
How the model of gbx-run reports: each step as `{op, args, ret, errno}` (native/run-channel.h), in
step mode announced first and paused until the caller says go, and `fail()` as gbx-run's: the
launch ends with a `failed to …` message, the errno and an exit status.
*/
export interface StepRecord {
  op: string;
  args: Record<string, string>;
  ret: number;
  errno: string | null;
}

export interface StepReporter {
  announce(op: string, args: Record<string, string>): Promise<void>;
  report(step: StepRecord): void;
}

/** gbx-run's fail(): status 125 (its own failure), 126 or 127 (execve). */
export class LaunchFailure extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly errno: string | null,
  ) {
    super(reason);
  }
}

export function errnoOf(error: unknown): number {
  if (error instanceof ErrnoFailure) return error.errno;
  throw error;
}

/**
STEP(op, args, call): announce, run, report. `call` returns the step's return value or throws an
ErrnoFailure; the failure is reported (ret -1 and the errno's name) and handed back as a number.
*/
export async function step(reporter: StepReporter, op: string, args: Record<string, string>, call: () => number | void): Promise<{ ret: number; errno: number | null }> {
  await reporter.announce(op, args);
  try {
    const ret = call() ?? 0;
    reporter.report({ op, args, ret, errno: null });
    return { ret, errno: null };
  } catch (error) {
    const errno = errnoOf(error);
    reporter.report({ op, args, ret: -1, errno: errnoName(errno) });
    return { ret: -1, errno };
  }
}

/** A step that must work: on failure gbx-run's `fail(125, message)` with the step's errno. */
export async function mustStep(reporter: StepReporter, op: string, args: Record<string, string>, call: () => number | void, message: string, status = 125): Promise<number> {
  const done = await step(reporter, op, args, call);
  if (done.errno !== null) throw new LaunchFailure(status, message, errnoName(done.errno));
  return done.ret;
}
