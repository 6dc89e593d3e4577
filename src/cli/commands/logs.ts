import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { LogReader, LogTimestamps, type LogRecord } from '../../container/container-log.js';
import { isLive } from '../../container/control.js';
import { containerPaths, readState } from '../../container/state.js';
import { GlassboxError } from '../../errors.js';
import type { Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { findState, loadContainers, optionalKernel } from './container-context.js';

/**
`glassbox logs [-f] [-t] CONTAINER`, as `docker logs`: what a -d container wrote, kept by its
monitor with the stream of each chunk (container-log.ts). Its stdout goes to our stdout and
its stderr to our stderr, in the order the monitor read them. `-t` starts each line with its
RFC 3339 time; `-f` keeps printing as the log grows, until the container has exited. With
--json, one record per line as stored: {stream, time, log}. A foreground container has no log:
its output went to the terminal.
*/
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function writeTo(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export async function runLogs(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      follow: { type: 'boolean', short: 'f', default: false },
      timestamps: { type: 'boolean', short: 't', default: false },
    },
  });
  if (positionals.length !== 1) throw new GlassboxError('CLI_USAGE', 'logs takes one container', { kind: 'user', hint: 'glassbox logs -f web' });
  const state = findState(positionals[0]!, await loadContainers(await optionalKernel(options)));
  const reader = new LogReader(containerPaths(state.id).logFile);
  const timestamps = values.timestamps ? new LogTimestamps() : undefined;
  const print = async (records: LogRecord[]): Promise<void> => {
    for (const record of records) {
      if (options.json) await writeTo(io.stdout, `${JSON.stringify(record)}\n`);
      else await writeTo(record.stream === 'stdout' ? io.stdout : io.stderr, timestamps === undefined ? record.log : timestamps.apply(record));
    }
  };
  const following = values.follow && isLive(state);
  await print(reader.read(!following));
  if (!following) return 0;
  for (;;) {
    await sleep(100);
    await print(reader.read());
    const next = readState(state.id);
    if (next === undefined || !isLive(next)) break;
  }
  // The last records may land between the read and the exit.
  await print(reader.read(true));
  return 0;
}
