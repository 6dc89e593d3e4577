import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { isRunning } from '../../container/control.js';
import { containerPaths, readState } from '../../container/state.js';
import { GlassboxError } from '../../errors.js';
import type { Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { findState, loadContainers, optionalKernel } from './container-context.js';

/**
`glassbox logs [-f] CONTAINER`, as `docker logs`: what a -d container wrote (stdout and stderr
both go to $GLASSBOX_HOME/containers/<id>/log). `-f` keeps printing as it grows, until the
container has exited. A foreground container has no log: its output went to the terminal.
*/
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runLogs(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { follow: { type: 'boolean', short: 'f', default: false } },
  });
  if (positionals.length !== 1) throw new GlassboxError('CLI_USAGE', 'logs takes one container', { kind: 'user', hint: 'glassbox logs -f web' });
  const state = findState(positionals[0]!, await loadContainers(await optionalKernel(options)));
  const file = containerPaths(state.id).logFile;
  let offset = 0;
  const drain = async (): Promise<void> => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const buffer = Buffer.alloc(1 << 16);
      for (;;) {
        const n = fs.readSync(fd, buffer, 0, buffer.length, offset);
        if (n === 0) break;
        offset += n;
        const chunk = buffer.subarray(0, n);
        if (options.json) io.stdout.write(`${JSON.stringify({ log: chunk.toString('utf8') })}\n`);
        else if (!io.stdout.write(Buffer.from(chunk))) await new Promise((resolve) => io.stdout.once('drain', resolve));
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  await drain();
  if (!values.follow || !isRunning(state)) return 0;
  for (;;) {
    await sleep(100);
    await drain();
    const next = readState(state.id);
    if (next === undefined || !isRunning(next)) break;
  }
  // The last lines may land between the read and the exit.
  await drain();
  return 0;
}
