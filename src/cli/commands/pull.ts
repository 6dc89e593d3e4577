import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import { parsePlatform } from '../../oci/platform.js';
import { parseReference } from '../../oci/reference.js';
import { skipWasmTierUp } from '../../pull/http.js';
// pull-image.js itself, not pull/index.js (which also loads the in-memory sink); the progress
// view is loaded only when there is progress to show (not for -q or --json).
import type { PullEvent } from '../../pull/pull-events.js';
import { pullImage, type PullResult } from '../../pull/pull-image.js';
import type { PullProgress } from '../../pull/progress-view.js';
import { openStore } from '../../store/store.js';
import type { Io } from '../output.js';
import type { GlobalOptions } from '../run.js';

/**
`glassbox pull [--platform os/arch[/variant]] [-q] [--insecure-registry host] [--stall-timeout s] REF`

Like `docker pull`: on a terminal a status line per layer, redrawn in place; without one,
a plain line whenever a layer changes state (and at most every few seconds while it downloads);
`--quiet` prints only the name; `--json` prints each event as one JSON line, then the result.
*/
const PLAIN_PROGRESS_INTERVAL_MS = 5000;
const TTY_REDRAW_MS = 100;

export interface PullCommandDeps {
  /** Where the pull lands; default: the store at $GLASSBOX_HOME/images. */
  openSink?: typeof openStore;
  /** SIGINT source; default: the process. */
  signals?: Pick<NodeJS.Process, 'once' | 'removeListener'>;
}

export async function runPull(options: GlobalOptions, args: string[], io: Io, deps: PullCommandDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      platform: { type: 'string' },
      quiet: { type: 'boolean', short: 'q', default: false },
      'insecure-registry': { type: 'string', multiple: true, default: [] },
      'stall-timeout': { type: 'string' },
      // Global options, tolerated here too.
      json: { type: 'boolean' },
      plain: { type: 'boolean' },
      lang: { type: 'string' },
      kernel: { type: 'string' },
    },
  });
  if (positionals.length !== 1) {
    throw new GlassboxError('CLI_USAGE', 'pull takes one image reference', { kind: 'user', hint: 'glassbox pull busybox:latest' });
  }
  const text = positionals[0]!;
  parseReference(text);
  const platform = values.platform === undefined ? undefined : parsePlatform(values.platform);
  const stallTimeoutMs = values['stall-timeout'] === undefined ? undefined : parseSeconds(values['stall-timeout']);
  const json = options.json || values.json === true;
  const progress = json || values.quiet ? undefined : new (await import('../../pull/progress-view.js')).PullProgress();
  const display = json ? jsonDisplay(io) : progress === undefined ? undefined : io.stdout.isTTY ? ttyDisplay(io, progress) : plainDisplay(io, progress);

  // This process only pulls: see skipWasmTierUp (~100 ms of CPU less per pull).
  skipWasmTierUp();
  const { store } = await (deps.openSink ?? openStore)();
  const abort = new AbortController();
  const signals = deps.signals ?? process;
  const onInterrupt = (): void => abort.abort(new GlassboxError('PULL_INTERRUPTED', 'pull interrupted', { kind: 'user' }));
  signals.once('SIGINT', onInterrupt);
  let result: PullResult;
  try {
    result = await pullImage(text, store, {
      ...(platform ? { platform } : {}),
      ...(stallTimeoutMs === undefined ? {} : { stallTimeoutMs }),
      insecureRegistries: values['insecure-registry'],
      signal: abort.signal,
      ...(display ? { onEvent: display.event } : {}),
    });
  } catch (error) {
    display?.finish();
    if (abort.signal.aborted) {
      io.stderr.write('glassbox: pull interrupted; nothing half-written was kept\n');
      return 130;
    }
    throw error;
  } finally {
    signals.removeListener('SIGINT', onInterrupt);
    await store.close();
  }
  display?.finish();
  if (json) {
    io.stdout.write(`${JSON.stringify({ type: 'pulled', ...summary(result) })}\n`);
  } else {
    io.stdout.write(`${result.reference}\n`);
  }
  return 0;
}

function summary(result: PullResult): object {
  return {
    reference: result.reference,
    digest: result.manifest.digest,
    mediaType: result.manifest.mediaType,
    ...(result.index ? { index: result.index.digest } : {}),
    platform: result.platform,
    config: result.configDescriptor.digest,
    layers: result.layers.map((layer) => ({ digest: layer.digest, size: layer.size, mediaType: layer.mediaType })),
    downloaded: result.downloaded,
    reused: result.reused,
  };
}

function parseSeconds(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new GlassboxError('CLI_USAGE', `--stall-timeout must be a number of seconds, not ${JSON.stringify(text)}`, { kind: 'user' });
  }
  return Math.round(seconds * 1000);
}

interface Display {
  event(event: PullEvent): void;
  finish(): void;
}

function jsonDisplay(io: Io): Display {
  return { event: (event) => io.stdout.write(`${JSON.stringify(event)}\n`), finish: () => undefined };
}

/** A log without a terminal: each state change once, downloads every few seconds. */
function plainDisplay(io: Io, progress: PullProgress): Display {
  const lastPrinted = new Map<string, { state: string; at: number }>();
  let headerShown = 0;
  let footerShown = 0;
  const flushNotes = (): void => {
    for (; headerShown < progress.header.length; headerShown++) io.stdout.write(`${progress.header[headerShown]}\n`);
    for (; footerShown < progress.footer.length; footerShown++) io.stdout.write(`${progress.footer[footerShown]}\n`);
  };
  return {
    event(event) {
      const line = progress.apply(event);
      flushNotes();
      if (line === undefined || event.type !== 'layer') return;
      const last = lastPrinted.get(event.digest);
      const now = Date.now();
      if (last?.state === event.state && (event.state !== 'downloading' || now - last.at < PLAIN_PROGRESS_INTERVAL_MS)) return;
      lastPrinted.set(event.digest, { state: event.state, at: now });
      io.stdout.write(`${line}\n`);
    },
    finish: flushNotes,
  };
}

/** A terminal: the header, then one line per layer redrawn in place, then the footer. */
function ttyDisplay(io: Io, progress: PullProgress): Display {
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    timer = undefined;
    const lines = progress.lines();
    // Move up over what we drew last time and rewrite it; lines only ever get added.
    const up = drawn > 0 ? `\x1b[${drawn}A` : '';
    io.stdout.write(`${up}${lines.map((line) => `\x1b[2K${line}\n`).join('')}`);
    drawn = lines.length;
  };
  return {
    event(event) {
      progress.apply(event);
      if (event.type !== 'layer' || event.state !== 'downloading') draw();
      else timer ??= setTimeout(draw, TTY_REDRAW_MS);
    },
    finish() {
      if (timer) clearTimeout(timer);
      draw();
    },
  };
}
