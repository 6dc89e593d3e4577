import { parseArgs } from 'node:util';
import { parseSignal, stopContainer } from '../../container/control.js';
import { GlassboxError } from '../../errors.js';
import { printError, printJson, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { containerKernel, findState, forEachContainer, loadContainers } from './container-context.js';

/**
`glassbox stop [-t N] [-s SIG] CONTAINER...`, as `docker stop`: SIGTERM (or the image's
StopSignal, or -s) to the container's first process, SIGKILL after N seconds (default 10),
then wait for its owner to record the exit. Prints each name as given; a container already
stopped is not an error.
*/
export async function runStop(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { time: { type: 'string', short: 't' }, timeout: { type: 'string' }, signal: { type: 'string', short: 's' } },
  });
  if (positionals.length === 0) throw new GlassboxError('CLI_USAGE', 'stop needs at least one container', { kind: 'user', hint: 'glassbox stop web' });
  const time = values.time ?? values.timeout;
  const timeoutS = time === undefined ? undefined : Number(time);
  if (timeoutS !== undefined && !(Number.isInteger(timeoutS) && timeoutS >= 0)) {
    throw new GlassboxError('CLI_USAGE', `invalid -t ${JSON.stringify(time)}: a whole number of seconds`, { kind: 'user' });
  }
  const kernel = await containerKernel(options);
  const listed = await loadContainers(kernel);
  const stopped: string[] = [];
  const code = await forEachContainer(
    positionals,
    async (input) => {
      const state = findState(input, listed);
      const stopSignal = values.signal ?? (state.config.flags.stopSignal as string | undefined);
      await stopContainer(kernel, state, {
        ...(timeoutS === undefined ? {} : { timeoutS }),
        ...(stopSignal === undefined ? {} : { signal: parseSignal(stopSignal) }),
      });
      stopped.push(state.id);
      return input;
    },
    { ok: (line) => void (options.json || io.stdout.write(`${line}\n`)), fail: (_input, error) => void printError(io, error, false) },
  );
  if (options.json) printJson(io, { stopped });
  return code;
}
