import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import type { RemoveImageResult } from '../../store/remove-image.js';
import { openStore, type StoreOptions } from '../../store/store.js';
import { printError, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { familiarName, formatBytes } from './image-format.js';
import { listStates } from '../../container/state.js';
import type { ImageIdentity } from '../../store/remove-image.js';

/**
`glassbox rmi [-f] IMAGE...`, as `docker rmi`: `Untagged:` for each name removed, `Deleted:` for
each blob that no image needs any more. An image a container uses is refused (containerImageUsers: any container made from it, running or
not, as docker does). Each image is tried; the exit status
is 1 if any failed.
*/
export interface RmiDeps {
  imageUsers?: StoreOptions['imageUsers'];
}

export async function runRmi(options: GlobalOptions, args: string[], io: Io, deps: RmiDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { force: { type: 'boolean', short: 'f', default: false } },
  });
  if (positionals.length === 0) throw new GlassboxError('CLI_USAGE', 'rmi needs at least one image', { kind: 'user', hint: 'glassbox rmi busybox' });
  const { store } = await openStore({ imageUsers: deps.imageUsers ?? containerImageUsers });
  const results: ({ input: string } & (RemoveImageResult | { error: { code: string; message: string } }))[] = [];
  let failed = 0;
  for (const input of positionals) {
    try {
      const result = await store.removeImage(input, { force: values.force });
      results.push({ input, ...result });
      if (!options.json) printLines(io, describeRemoval(result));
    } catch (error) {
      failed++;
      const gb = GlassboxError.is(error) ? error : undefined;
      results.push({ input, error: { code: gb?.code ?? 'GB_INTERNAL', message: error instanceof Error ? error.message : String(error) } });
      if (!options.json) printError(io, error, false);
    }
  }
  if (options.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return failed > 0 ? 1 : 0;
}

/** The containers (any state: an exited one keeps its upper dir on the image's layers) using an image. */
export function containerImageUsers(image: ImageIdentity): string[] {
  return listStates()
    .filter((entry) => entry.state?.config.imageId === image.id)
    .map((entry) => `${entry.id.slice(0, 12)} (${entry.state!.name})`);
}

export function describeRemoval(result: RemoveImageResult): string[] {
  const lines = result.untagged.map((name) => `Untagged: ${familiarName(name)}`);
  for (const blob of result.gc?.removed ?? []) lines.push(`Deleted: ${blob.digest}`);
  if (result.gc?.skipped !== undefined) lines.push(`(blobs kept for now: ${result.gc.skipped}; glassbox rmi or load removes them later)`);
  else if (result.gc !== undefined && result.gc.freedBytes > 0) lines.push(`Freed ${formatBytes(result.gc.freedBytes)}`);
  return lines;
}
