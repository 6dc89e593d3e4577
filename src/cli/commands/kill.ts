import { parseArgs } from 'node:util';
import { parseSignal, signalContainer } from '../../container/control.js';
import { GlassboxError } from '../../errors.js';
import { printError, printJson, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { containerKernel, findState, forEachContainer, loadContainers } from './container-context.js';

/**
`glassbox kill [-s SIG] CONTAINER...`, as `docker kill`: one signal (default KILL) to the
container's first process, checked by pid and start time. PID 1 of a pid namespace receives
only the signals it has a handler for, and always SIGKILL: `kill -s TERM` of a shell may do
nothing, as with docker.
*/
export async function runKill(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { signal: { type: 'string', short: 's', default: 'KILL' } },
  });
  if (positionals.length === 0) throw new GlassboxError('CLI_USAGE', 'kill needs at least one container', { kind: 'user', hint: 'glassbox kill -s TERM web' });
  const signal = parseSignal(values.signal);
  const kernel = await containerKernel(options);
  const listed = await loadContainers(kernel);
  const killed: string[] = [];
  const code = await forEachContainer(
    positionals,
    async (input) => {
      const state = findState(input, listed);
      signalContainer(kernel, state, signal);
      killed.push(state.id);
      return input;
    },
    { ok: (line) => void (options.json || io.stdout.write(`${line}\n`)), fail: (_input, error) => void printError(io, error, false) },
  );
  if (options.json) printJson(io, { signal, killed });
  return code;
}
