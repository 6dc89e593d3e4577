import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import type { ContainerState } from '../../container/state.js';
import { diffUpper, formatChanges, type ChangeEntry } from '../../rootfs/upper-diff.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { containerKernel, findState, loadContainers } from './container-context.js';

/**
`glassbox diff CONTAINER`, as `docker diff`: what the container changed, read from its upper
dir (kept after it exits, until `rm`): `A` added, `C` changed, `D` deleted. The mount points
gbx-run made for /etc/hostname, /etc/hosts, /etc/resolv.conf and the volumes are not the
container's changes: hidden, as docker keeps them in a layer of their own.
*/
export async function runDiff(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  if (positionals.length !== 1) throw new GlassboxError('CLI_USAGE', 'diff takes one container', { kind: 'user', hint: 'glassbox diff web' });
  const kernel = await containerKernel(options);
  const state = findState(positionals[0]!, await loadContainers(kernel));
  const plan = state.rootfs?.plan;
  if (plan === undefined) throw new GlassboxError('CONTAINER_NO_ROOTFS', `container ${state.name} has no root filesystem`, { kind: 'environment' });
  const changes = hideMountPoints(diffUpper(kernel, plan.upper, plan.lowers), state);
  if (options.json) printJson(io, changes);
  else if (changes.length > 0) printLines(io, formatChanges(changes));
  return 0;
}

export function hideMountPoints(changes: ChangeEntry[], state: ContainerState): ChangeEntry[] {
  const points = new Set([
    ...(state.spec.etcFiles === undefined ? [] : ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']),
    ...(state.spec.mounts ?? []).map((mount) => mount.destination.replace(/\/+$/, '')),
  ]);
  const hidden = changes.filter((change) => change.kind === 'A' && points.has(change.path));
  const kept = changes.filter((change) => !hidden.includes(change));
  // A directory shown as changed only because a hidden mount point was made in it goes too.
  return kept.filter(
    (change) =>
      change.kind !== 'C' ||
      !hidden.some((point) => point.path.startsWith(`${change.path}/`)) ||
      kept.some((other) => other.path.startsWith(`${change.path}/`)),
  );
}
