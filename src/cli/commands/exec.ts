import { isRunning } from '../../container/control.js';
import { placeInCgroups } from '../../container/cgroups.js';
import { execSpecFor } from '../../container/exec-spec.js';
import { launchExec } from '../../container/launch.js';
import { GlassboxError } from '../../errors.js';
import { printJson, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { containerKernel, findState, loadContainers } from './container-context.js';
import { parseCommandArgs, GLOBAL_FLAGS, type FlagDef } from './run-args.js';

/**
`glassbox exec [-it] [-e K=V] [-w DIR] [-u USER] CONTAINER CMD...`, as `docker exec`: gbx-run
joins the namespaces of the container's first process (setns from a single-threaded process,
DESIGN.md), the new process is placed in the container's cgroups before it runs, and gets the
container's capabilities, environment (plus -e), cwd (or -w) and user (or -u). Its stdio is
this terminal's, signals are forwarded, and the exit code is its own.
*/
const HINT = 'glassbox exec -it web /bin/sh';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

export const EXEC_FLAGS: FlagDef[] = [
  { long: 'interactive', short: 'i', value: false },
  { long: 'tty', short: 't', value: false },
  { long: 'env', short: 'e', value: true, multiple: true },
  { long: 'workdir', short: 'w', value: true },
  { long: 'user', short: 'u', value: true },
  ...GLOBAL_FLAGS,
];

export async function runExec(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, operands } = parseCommandArgs(args, EXEC_FLAGS, 1, HINT);
  const [input, ...command] = operands;
  if (input === undefined || command.length === 0) throw new GlassboxError('CLI_USAGE', 'exec needs a container and a command', { kind: 'user', hint: HINT });
  const kernel = await containerKernel(options);
  const state = findState(input, await loadContainers(kernel));
  if (!isRunning(state)) throw new GlassboxError('CONTAINER_NOT_RUNNING', `container ${state.name} is not running`, { kind: 'user' });
  const spec = execSpecFor(state.spec, state.processes.init!.pid, command, {
    ...(Array.isArray(values.env) ? { env: values.env } : {}),
    ...(typeof values.workdir === 'string' ? { workdir: values.workdir } : {}),
    ...(typeof values.user === 'string' ? { user: values.user } : {}),
    tty: values.tty === true,
  });
  const pending: NodeJS.Signals[] = [];
  let forward: ((signal: NodeJS.Signals) => void) | undefined;
  const handlers = FORWARDED.map((signal) => {
    const handler = (): void => (forward === undefined ? void pending.push(signal) : forward(signal));
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    const launched = await launchExec(spec, {
      stdio: [values.interactive === true ? 'inherit' : 'ignore', 'inherit', 'inherit'],
      // In the container's cgroups before it runs: its memory and pids count against the limits.
      beforeRelease: (pid) => {
        if (state.cgroups !== undefined) placeInCgroups(kernel, state.cgroups, pid);
      },
    });
    forward = (signal) => launched.kill(signal);
    for (const signal of pending.splice(0)) forward(signal);
    const result = await launched.exited;
    if (options.json || values.json === true) printJson(io, { id: state.id, exitCode: result.status, error: result.error });
    else if (result.error !== null) io.stderr.write(`glassbox: ${result.error.message}${result.error.errno === null ? '' : `: ${result.error.errno}`}\n`);
    return result.status;
  } finally {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  }
}
