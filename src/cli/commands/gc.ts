import { collectGarbage } from '../../container/gc.js';
import { printJson, printLines, type Io } from '../output.js';
import { expectNoArgs, type GlobalOptions } from '../run.js';
import { containerKernel } from './container-context.js';

/**
`glassbox gc`: removes what a killed glassbox left behind. A container whose owning process
(the foreground run, or the -d monitor) is gone while it was being made or was running has
its processes killed, its cgroups removed, its root unmounted and its state deleted; a
container directory without state and a mount below the containers directory that no
container claims go too. Exited containers are kept (`glassbox rm` removes them).
*/
export async function runGc(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  expectNoArgs(args);
  const kernel = await containerKernel(options);
  const result = await collectGarbage(kernel, { strays: true });
  if (options.json) {
    printJson(io, result);
    return result.failed.length > 0 ? 1 : 0;
  }
  const lines: string[] = [];
  for (const orphan of result.orphans) {
    const parts = [
      orphan.killed.length > 0 ? `killed ${orphan.killed.join(', ')}` : '',
      orphan.cgroups.length > 0 ? `${orphan.cgroups.length} cgroups removed` : '',
      orphan.unmounted.length > 0 ? `unmounted ${orphan.unmounted.length}` : '',
    ].filter(Boolean);
    lines.push(`removed ${orphan.id.slice(0, 12)} (${orphan.name}, was ${orphan.status}${parts.length > 0 ? `; ${parts.join(', ')}` : ''})`);
  }
  for (const mount of result.strayMounts) lines.push(`unmounted ${mount}`);
  for (const dir of result.strayDirs) lines.push(`removed ${dir}`);
  for (const failure of result.failed) io.stderr.write(`glassbox: gc: ${failure.id}: ${failure.message}\n`);
  lines.push(lines.length === 0 ? 'nothing to collect' : `${result.orphans.length} containers, ${result.strayMounts.length} mounts, ${result.strayDirs.length} directories`);
  printLines(io, lines);
  return result.failed.length > 0 ? 1 : 0;
}
