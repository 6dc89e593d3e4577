import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import { diffUpper, formatChanges } from '../../rootfs/upper-diff.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { containerKernel, findState, loadContainers } from './container-context.js';

/**
`glassbox diff CONTAINER`, as `docker diff`: what the container changed, read from its upper
dir (kept after it exits, until `rm`): `A` added, `C` changed, `D` deleted.
*/
export async function runDiff(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  if (positionals.length !== 1) throw new GlassboxError('CLI_USAGE', 'diff takes one container', { kind: 'user', hint: 'glassbox diff web' });
  const kernel = await containerKernel(options);
  const state = findState(positionals[0]!, await loadContainers(kernel));
  const plan = state.rootfs?.plan;
  if (plan === undefined) throw new GlassboxError('CONTAINER_NO_ROOTFS', `container ${state.name} has no root filesystem`, { kind: 'environment' });
  const changes = diffUpper(kernel, plan.upper, plan.lowers);
  if (options.json) printJson(io, changes);
  else if (changes.length > 0) printLines(io, formatChanges(changes));
  return 0;
}
