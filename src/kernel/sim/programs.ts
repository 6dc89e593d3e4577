import type { ProcessExit } from '../types.js';
import type { SimProcess } from './processes.js';

/**
The programs the simulated host can run. A program file holds this marker and a name instead of
machine code; what exec makes of other files is in spawn.ts.
*/
export const PROGRAM_MARKER = '#!glassbox-sim ';

export const PROGRAMS = ['sleep', 'true', 'false'] as const;
export type ProgramName = (typeof PROGRAMS)[number];

export function programFile(name: ProgramName): string {
  return `${PROGRAM_MARKER}${name}\n`;
}

export function programOf(content: Buffer): ProgramName | undefined {
  const text = content.toString('utf8');
  if (!text.startsWith(PROGRAM_MARKER)) return undefined;
  const name = text.slice(PROGRAM_MARKER.length).trim();
  return (PROGRAMS as readonly string[]).includes(name) ? (name as ProgramName) : undefined;
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
Runs a program in the model. `true` and `false` exit on the next turn of the event loop; `sleep`
stays until killed or until its time is up (a real, unref'd timer, so it never keeps Node alive);
bad arguments end it with status 1, as GNU sleep does.
*/
export function runProgram(name: ProgramName, process: SimProcess, end: (exit: ProcessExit) => void): void {
  if (name === 'true' || name === 'false') {
    setImmediate(() => end({ code: name === 'true' ? 0 : 1, signal: null }));
    return;
  }
  const seconds = sleepSeconds(process.argv.slice(1));
  if (seconds === undefined) {
    setImmediate(() => end({ code: 1, signal: null }));
    return;
  }
  process.state = 'S';
  if (seconds * 1000 <= MAX_DELAY) {
    process.timer = setTimeout(() => end({ code: 0, signal: null }), seconds * 1000);
    process.timer.unref();
  }
}
