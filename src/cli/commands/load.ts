import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import { loadArchive } from '../../store/archive-load.js';
import { openStore } from '../../store/store.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { familiarName } from './image-format.js';

/**
`glassbox load [-i FILE] [-q]`, as `docker load`: reads an archive from FILE or standard input
(plain or gzip; OCI or classic docker-save), checks every blob and prints `Loaded image: NAME`
(or `Loaded image ID: sha256:…` for an image without a name).
*/
export interface LoadDeps {
  /** Standard input; default process.stdin. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

export async function runLoad(options: GlobalOptions, args: string[], io: Io, deps: LoadDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { input: { type: 'string', short: 'i' }, quiet: { type: 'boolean', short: 'q', default: false } },
  });
  // `glassbox load FILE` is accepted too, for those who forget -i.
  if (positionals.length > 1 || (positionals.length === 1 && values.input !== undefined)) {
    throw new GlassboxError('CLI_USAGE', 'load reads one archive', { kind: 'user', hint: 'glassbox load -i busybox.tar' });
  }
  const file = values.input ?? positionals[0];
  const stdin = deps.stdin ?? process.stdin;
  if (file === undefined && stdin.isTTY) {
    throw new GlassboxError('CLI_USAGE', 'requested load from standard input, but it is a terminal', {
      kind: 'user',
      hint: 'give -i FILE, or redirect: glassbox load < busybox.tar',
    });
  }
  if (file !== undefined && !fs.existsSync(file)) {
    throw new GlassboxError('LOAD_FILE_MISSING', `no such file: ${file}`, { kind: 'user' });
  }
  const source = file === undefined ? stdin : fs.createReadStream(file);
  const { store } = await openStore();
  const result = await loadArchive(store, source as AsyncIterable<Uint8Array>);
  if (options.json) {
    printJson(io, { format: result.format, images: result.images, removedBlobs: result.gc.removed.length });
    return 0;
  }
  // As with docker, -q silences progress (glassbox shows none) but not what was loaded.
  printLines(
    io,
    result.images.flatMap((image) => (image.names.length > 0 ? image.names.map((name) => `Loaded image: ${familiarName(name)}`) : [`Loaded image ID: ${image.id}`])),
  );
  return 0;
}
