import { parseArgs } from 'node:util';
import { removeContainer } from '../../container/control.js';
import { GlassboxError } from '../../errors.js';
import { printError, printJson, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { containerKernel, findState, forEachContainer, loadContainers } from './container-context.js';

/**
`glassbox rm [-f] CONTAINER...`, as `docker rm`: everything goes (the upper dir with the
container's changes, the state, the log). A running container only with -f, which kills it
first. Prints each name as given.
*/
export async function runRm(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { force: { type: 'boolean', short: 'f', default: false } },
  });
  if (positionals.length === 0) throw new GlassboxError('CLI_USAGE', 'rm needs at least one container', { kind: 'user', hint: 'glassbox rm web' });
  const kernel = await containerKernel(options);
  const listed = await loadContainers(kernel);
  const removed: string[] = [];
  const code = await forEachContainer(
    positionals,
    async (input) => {
      const state = findState(input, listed);
      await removeContainer(kernel, state, { force: values.force });
      removed.push(state.id);
      return input;
    },
    { ok: (line) => void (options.json || io.stdout.write(`${line}\n`)), fail: (_input, error) => void printError(io, error, false) },
  );
  if (options.json) printJson(io, { removed });
  return code;
}
