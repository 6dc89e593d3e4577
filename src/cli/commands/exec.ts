import { isRunning } from '../../container/control.js';
import { GlassboxError } from '../../errors.js';
import type { Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { containerKernel, findState, loadContainers } from './container-context.js';
import { parseCommandArgs, GLOBAL_FLAGS, type FlagDef } from './run-args.js';

/**
`glassbox exec [-it] [-e K=V] [-w DIR] [-u USER] CONTAINER CMD...`, as `docker exec`: a new
process in a running container's namespaces, cgroups, root, capabilities and user. Joining is
gbx-run's work (setns from a single-threaded process, DESIGN.md); until the helper can join,
exec checks its arguments and the container and says so.
*/
const HINT = 'glassbox exec -it web /bin/sh';

export const EXEC_FLAGS: FlagDef[] = [
  { long: 'interactive', short: 'i', value: false },
  { long: 'tty', short: 't', value: false },
  { long: 'detach', short: 'd', value: false },
  { long: 'env', short: 'e', value: true, multiple: true },
  { long: 'workdir', short: 'w', value: true },
  { long: 'user', short: 'u', value: true },
  ...GLOBAL_FLAGS,
];

export async function runExec(options: GlobalOptions, args: string[], _io: Io): Promise<number> {
  const { operands } = parseCommandArgs(args, EXEC_FLAGS, 1, HINT);
  const [input, ...command] = operands;
  if (input === undefined || command.length === 0) throw new GlassboxError('CLI_USAGE', 'exec needs a container and a command', { kind: 'user', hint: HINT });
  const kernel = await containerKernel(options);
  const state = findState(input, await loadContainers(kernel));
  if (!isRunning(state)) throw new GlassboxError('CONTAINER_NOT_RUNNING', `container ${state.name} is not running`, { kind: 'user' });
  throw new GlassboxError('EXEC_UNSUPPORTED', 'exec needs gbx-run to join a running container, which this build of the helper cannot do yet', {
    kind: 'environment',
    hint: 'run the command with the container instead: glassbox run IMAGE CMD',
  });
}
