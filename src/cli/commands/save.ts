import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { GlassboxError } from '../../errors.js';
import { saveImages } from '../../store/archive-save.js';
import { ANNOTATION_REF_NAME } from '../../store/index-file.js';
import { openStore } from '../../store/store.js';
import { printJson, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { familiarName, formatBytes } from './image-format.js';

/**
`glassbox save [-o FILE] IMAGE...`, as `docker save`: an OCI archive (with Docker's
manifest.json too, so `docker load` takes it) written to FILE or to standard output, never to
a terminal. A FILE appears only when complete (written beside it, then renamed), so an
interrupted save leaves no half archive on the USB stick.
*/
export async function runSave(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { output: { type: 'string', short: 'o' } },
  });
  if (positionals.length === 0) throw new GlassboxError('CLI_USAGE', 'save needs at least one image', { kind: 'user', hint: 'glassbox save -o busybox.tar busybox' });
  const output = values.output;
  if (output === undefined && (io.stdout.isTTY || options.json)) {
    throw new GlassboxError('CLI_USAGE', options.json ? 'save --json needs -o FILE (standard output would hold the archive)' : 'refusing to write an archive to a terminal', {
      kind: 'user',
      hint: 'give -o FILE, or redirect: glassbox save busybox > busybox.tar',
    });
  }
  const { store } = await openStore();
  const { plan, stream } = saveImages(store, positionals);
  const bytes = plan.blobs.reduce((sum, blob) => sum + blob.size, 0);
  if (output === undefined) {
    await pipeline(stream, io.stdout);
    return 0;
  }
  const temp = path.join(path.dirname(path.resolve(output)), `.${path.basename(output)}.${randomBytes(4).toString('hex')}.part`);
  try {
    await pipeline(stream, fs.createWriteStream(temp, { flags: 'wx' }));
    fs.renameSync(temp, output);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  const names = plan.index.manifests.map((entry) => entry.annotations?.[ANNOTATION_REF_NAME]).filter((n): n is string => n !== undefined);
  if (options.json) printJson(io, { file: output, images: names, blobs: plan.blobs.length, bytes });
  else io.stderr.write(`saved ${names.map(familiarName).join(', ') || `${plan.index.manifests.length} image(s)`} to ${output} (${plan.blobs.length} blobs, ${formatBytes(bytes)})\n`);
  return 0;
}
