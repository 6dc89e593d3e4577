import type { ProcessExit } from '../types.js';
import type { SimMachine } from './machine.js';
import type { SimProcess } from './processes.js';

/** Where a program's output goes: the container's stdout and stderr, or nowhere. */
export interface ProgramIo {
  write(fd: 1 | 2, text: string): void;
}

export const NO_IO: ProgramIo = { write: () => undefined };

/** One run of a model program: the process it runs as, its arguments, the machine, its output. */
export interface ProgramRun {
  process: SimProcess;
  argv: string[];
  machine: SimMachine;
  io: ProgramIo;
  end(exit: ProcessExit): void;
}

export type ProgramMain = (run: ProgramRun) => void;

export function exitSoon(run: ProgramRun, code: number): void {
  setImmediate(() => run.end({ code, signal: null }));
}

/** GNU sleep: each argument a number with an optional s/m/h/d suffix, summed; `infinity` forever. */
export function sleepSeconds(args: string[]): number | undefined {
  if (args.length === 0) return undefined;
  let total = 0;
  for (const arg of args) {
    if (/^inf(inity)?$/i.test(arg)) return Infinity;
    const match = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
    if (match === null) return undefined;
    total += Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2]!]!;
  }
  return total;
}

/** The longest setTimeout delay Node honours. */
const MAX_DELAY = 2 ** 31 - 1;

/**
`sleep` stays until killed or until its time is up (a real, unref'd timer, so it never keeps Node
alive); bad arguments end it with status 1, as GNU sleep does.
*/
export function runSleep(run: ProgramRun): void {
  const seconds = sleepSeconds(run.argv.slice(1));
  if (seconds === undefined) {
    exitSoon(run, 1);
    return;
  }
  run.process.state = 'S';
  if (seconds * 1000 <= MAX_DELAY) {
    run.process.timer = setTimeout(() => run.end({ code: 0, signal: null }), seconds * 1000);
    run.process.timer.unref();
  }
}

/** Calls `tick` every `ms` until the process ends (an unref'd interval, stopped by onEnd). */
export function everyTick(run: ProgramRun, ms: number, tick: () => void): void {
  const timer = setInterval(tick, ms);
  timer.unref();
  run.process.onEnd = () => clearInterval(timer);
}
