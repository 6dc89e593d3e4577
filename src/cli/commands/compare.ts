import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import { runComparison, DEFAULT_RUNS } from '../../compare/measure.js';
import { loadRecorded } from '../../compare/recorded.js';
import { renderComparison, formatMs } from '../../compare/render.js';
import { toCompareView } from '../../compare/summary.js';
import type { LookupOptions } from '../../compare/vm-assets.js';
import { createKernel } from '../backend.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';

/**
`glassbox compare [--runs N] [--recorded] [--json]`: the same workload in a container
and in a VM, measured side by side. `--recorded` shows the figures recorded on a real
machine (what the tour shows where nothing can be measured). Ctrl-C stops the run in
progress and removes everything it started; the exit status is then 130, as a shell's.
*/
export interface CompareDeps {
  /** SIGINT/SIGTERM source; default: the process. */
  signals?: Pick<NodeJS.Process, 'on' | 'removeListener'>;
  /** Called once per run (tests interrupt here). */
  onRun?: (index: number) => void;
  lookup?: LookupOptions;
}

export const INTERRUPTED_STATUS = 130;

function parseRuns(value: string | undefined): number {
  if (value === undefined) return DEFAULT_RUNS;
  const runs = Number(value);
  if (!/^\d+$/.test(value) || runs < 1 || runs > 50) {
    throw new GlassboxError('CLI_USAGE', `--runs must be a whole number from 1 to 50, not ${JSON.stringify(value)}`, { kind: 'user', hint: 'glassbox compare --runs 5' });
  }
  return runs;
}

export async function runCompare(options: GlobalOptions, args: string[], io: Io, deps: CompareDeps = {}): Promise<number> {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    strict: true,
    options: { runs: { type: 'string' }, recorded: { type: 'boolean', default: false } },
  });
  if (values.recorded) {
    const recorded = loadRecorded();
    if (options.json) printJson(io, { origin: 'recorded', source: recorded.source, command: recorded.command, ...recorded.result, view: toCompareView(recorded.result, 'recorded', recorded.source) });
    else printLines(io, renderComparison(recorded.result, options.lang, { source: recorded.source }));
    return 0;
  }
  const runs = parseRuns(values.runs);
  if (options.kernel === 'sim') {
    throw new GlassboxError('COMPARE_NEEDS_REAL', 'compare measures the real kernel; --kernel sim has nothing to measure', {
      kind: 'user',
      hint: 'see recorded figures: glassbox compare --recorded',
    });
  }
  const kernel = await createKernel('real').catch((error: unknown) => {
    if (GlassboxError.is(error)) {
      throw new GlassboxError(error.code, error.message, { kind: error.kind, hint: 'run as root on Linux, or see figures recorded on a real machine: glassbox compare --recorded', cause: error });
    }
    throw error;
  });

  const controller = new AbortController();
  const signals = deps.signals ?? process;
  const stop = (): void => controller.abort();
  signals.on('SIGINT', stop);
  signals.on('SIGTERM', stop);
  try {
    const result = await runComparison({
      kernel,
      runs,
      signal: controller.signal,
      ...(deps.lookup === undefined ? {} : { lookup: deps.lookup }),
      onRun: (run, index, total) => {
        if (!options.json) {
          io.stderr.write(`run ${index + 1}/${total}: container ${formatMs(run.container.firstOutputMs)}, VM ${formatMs(run.vm.firstOutputMs)}\n`);
        }
        deps.onRun?.(index);
      },
    });
    if (options.json) printJson(io, { origin: 'measured', ...result, view: toCompareView(result) });
    else printLines(io, renderComparison(result, options.lang));
    return 0;
  } catch (error) {
    if (GlassboxError.is(error) && error.code === 'COMPARE_INTERRUPTED') {
      if (options.json) io.stdout.write(`${JSON.stringify({ error: { code: error.code, kind: error.kind, message: error.message } })}\n`);
      else io.stderr.write(`glassbox: ${error.message}\n`);
      return INTERRUPTED_STATUS;
    }
    throw error;
  } finally {
    signals.removeListener('SIGINT', stop);
    signals.removeListener('SIGTERM', stop);
  }
}
