import { assertJoinable } from '../../container/control.js';
import { placeInCgroups, warmCgroupTarget } from '../../container/cgroups.js';
import { execSpecFor, type ExecSpec } from '../../container/exec-spec.js';
import { launchExec, type LaunchResult } from '../../container/launch.js';
import type { ContainerState } from '../../container/state.js';
import type { Kernel } from '../../kernel/types.js';
import { detectCgroupLayout } from '../../observe/cgroup-layout.js';
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
this terminal's, signals are forwarded, and the exit code is its own. Only a running container
(its first process past execve) can be joined; a starting one is refused (control.ts).

`-d`: as docker, prints nothing and exits 0 once the process runs (its execve succeeded), or
with its failure when it never did. gbx-run stays behind in a session of its own as its
parent; the process is in the container's namespaces and cgroups, so stop and rm -f end it
with the container. Its output goes nowhere, as docker's does.
*/
const HINT = 'glassbox exec -it web /bin/sh';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

export const EXEC_FLAGS: FlagDef[] = [
  { long: 'detach', short: 'd', value: false },
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
  assertJoinable(state);
  const detach = values.detach === true;
  const json = options.json || values.json === true;
  const spec = execSpecFor(state.spec, state.processes.init!.pid, command, {
    ...(Array.isArray(values.env) ? { env: values.env } : {}),
    ...(typeof values.workdir === 'string' ? { workdir: values.workdir } : {}),
    ...(typeof values.user === 'string' ? { user: values.user } : {}),
    tty: values.tty === true,
  });
  if (detach) return startDetached(kernel, state, spec, json, io);
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
      ...warmCgroupOf(kernel, state),
      // In the container's cgroups before it runs: its memory and pids count against the limits.
      beforeRelease: (pid) => {
        if (state.cgroups !== undefined) placeInCgroups(kernel, state.cgroups, pid);
      },
    });
    forward = (signal) => launched.kill(signal);
    for (const signal of pending.splice(0)) forward(signal);
    const result = await launched.exited;
    reportResult(io, json, state.id, result);
    return result.status;
  } finally {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  }
}

async function startDetached(kernel: Kernel, state: ContainerState, spec: ExecSpec, json: boolean, io: Io): Promise<number> {
  const launched = await launchExec(spec, {
    stdio: ['ignore', 'ignore', 'ignore'],
    detached: true,
    ...warmCgroupOf(kernel, state),
    beforeRelease: (pid) => {
      if (state.cgroups !== undefined) placeInCgroups(kernel, state.cgroups, pid);
    },
  });
  // Started means past execve: a command that cannot run (127) is still this command's failure.
  if (launched.running === undefined || (await launched.running)) {
    if (json) printJson(io, { id: state.id, pid: launched.pid });
    return 0;
  }
  const result = await launched.exited;
  reportResult(io, json, state.id, result);
  return result.status;
}

/**
gbx-run keeps the kernel's cgroup lock warm until the placement (LaunchOptions.warmCgroup),
through the group this process is in (not the one recorded at create: that may be another).
*/
function warmCgroupOf(kernel: Kernel, state: ContainerState): { warmCgroup?: string } {
  const target = state.cgroups === undefined ? undefined : warmCgroupTarget(kernel, detectCgroupLayout(kernel));
  return target === undefined ? {} : { warmCgroup: target };
}

function reportResult(io: Io, json: boolean, id: string, result: LaunchResult): void {
  if (json) printJson(io, { id, exitCode: result.status, error: result.error });
  else if (result.error !== null) io.stderr.write(`glassbox: ${result.error.message}${result.error.errno === null ? '' : `: ${result.error.errno}`}\n`);
}
