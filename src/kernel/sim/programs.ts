import type { ProcessExit } from '../types.js';
import type { SimMachine } from './machine.js';
import { BUSYBOX_APPLETS } from './program-busybox.js';
import { runLoad } from './program-load.js';
import { runProbe } from './program-probe.js';
import { NO_IO, exitSoon, runSleep, type ProgramIo, type ProgramMain, type ProgramRun } from './program-types.js';
import type { SimProcess } from './processes.js';

export { sleepSeconds, NO_IO, type ProgramIo, type ProgramRun } from './program-types.js';

/**
The programs the simulated host can run. A program file holds this marker and a name instead of
machine code; a real ELF file unpacked into the simulation (an image's busybox, gbx-probe, gbx-load)
runs as the model program of its name; what exec makes of other files is in spawn.ts.
*/
export const PROGRAM_MARKER = '#!glassbox-sim ';

/** The programs the host has in /usr/bin. */
export const PROGRAMS = ['sleep', 'true', 'false'] as const;
/** A model program: one of PROGRAMS, gbx-probe, gbx-load, or a busybox applet. */
export type ProgramName = string;

const MODEL: Record<string, ProgramMain> = {
  sleep: runSleep,
  true: (run) => exitSoon(run, 0),
  false: (run) => exitSoon(run, 1),
  'gbx-probe': runProbe,
  'gbx-load': runLoad,
};

export function programFile(name: ProgramName): string {
  return `${PROGRAM_MARKER}${name}\n`;
}

const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/**
The model program a file runs as: the marker's name, or for an ELF file the name of the file it
really is (`resolved`, symlinks followed): gbx-probe and gbx-load by name, busybox by the applet
that argv[0] names (`busybox cat` names it in argv[1]).
*/
export function programOf(content: Buffer, resolved = '', argv: readonly string[] = []): ProgramName | undefined {
  const text = content.subarray(0, 64).toString('latin1');
  if (text.startsWith(PROGRAM_MARKER)) {
    const name = content.toString('utf8').slice(PROGRAM_MARKER.length).trim();
    return name in MODEL ? name : undefined;
  }
  if (!text.startsWith('\x7fELF')) return undefined;
  const file = basename(resolved);
  if (file === 'gbx-probe' || file === 'gbx-load') return file;
  if (file !== 'busybox') return undefined;
  const applet = basename(argv[0] ?? '') === 'busybox' ? argv[1] : basename(argv[0] ?? '');
  return applet !== undefined && applet in BUSYBOX_APPLETS ? `busybox:${applet}` : undefined;
}

/** A busybox applet run as `busybox cat …` sees `cat …`. */
function appletArgv(argv: string[]): string[] {
  return basename(argv[0] ?? '') === 'busybox' ? argv.slice(1) : argv;
}

/**
Runs a program in the model: `true` and `false` exit on the next turn of the event loop, the others
as their modules say. Output goes to `io` (nowhere for Kernel.spawn, which has no pipes).
*/
export function runProgram(name: ProgramName, process: SimProcess, end: (exit: ProcessExit) => void, machine: SimMachine, io: ProgramIo = NO_IO): void {
  const run: ProgramRun = { process, argv: process.argv, machine, io, end };
  if (name.startsWith('busybox:')) {
    BUSYBOX_APPLETS[name.slice('busybox:'.length)]!({ ...run, argv: appletArgv(process.argv) });
    return;
  }
  MODEL[name]!(run);
}
