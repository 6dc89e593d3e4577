import path from 'node:path';
import { parseArgs } from 'node:util';
import { learnerName } from '../../tour/progress.js';
import { defaultReportDir, writeReports } from '../../report/write-reports.js';
import { printError, printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';

/**
`glassbox report [LESSON...] [-o DIR] [--learner NAME] [--all] [--no-render]`: lab reports a
teacher collects, one Markdown file per lesson with its diagrams beside it.
*/
/** Exit status after Ctrl-C, as a shell's. */
const INTERRUPTED_STATUS = 130;

export async function runReport(options: GlobalOptions, rest: string[], io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const { values, positionals } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      learner: { type: 'string' },
      all: { type: 'boolean', default: false },
      'no-render': { type: 'boolean', default: false },
    },
  });
  const learner = values.learner?.trim() || undefined;
  const outDir = values.output ?? defaultReportDir(learner ?? learnerName());
  // Ctrl-C while Chromium draws: stop it, remove the scratch files, write nothing.
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  signals.once('SIGINT', stop);
  let result;
  try {
    result = await writeReports({
      lessons: positionals,
      all: values.all ?? false,
      outDir,
      lang: options.lang,
      render: !values['no-render'],
      renderer: { signal: controller.signal },
      ...(learner === undefined ? {} : { learner }),
    });
  } finally {
    signals.removeListener('SIGINT', stop);
  }
  if (result === null) {
    io.stderr.write(options.lang === 'ko' ? 'glassbox: 중단했습니다. 보고서를 쓰지 않았습니다\n' : 'glassbox: interrupted, no report written\n');
    return INTERRUPTED_STATUS;
  }
  if (options.json) {
    printJson(io, {
      outDir: result.outDir,
      reports: result.reports,
      rendered: result.render?.rendered ?? null,
      ...(result.render && !result.render.rendered ? { renderReason: result.render.reason } : {}),
      failed: result.failed.map(({ lesson, error }) => ({ lesson, code: error.code, message: error.message, hint: error.hint })),
    });
    return result.failed.length > 0 ? 1 : 0;
  }
  const ko = options.lang === 'ko';
  const lines = result.reports.map((report) => {
    const svgs = report.diagrams.filter((diagram) => diagram.file !== null).length;
    // Relative when under the working directory (the default), else as it is.
    const relative = path.relative(process.cwd(), report.file);
    const shown = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : report.file;
    return `${shown}${report.finished ? '' : ko ? ' (마치지 않음)' : ' (not finished)'}${svgs > 0 ? (ko ? ` + SVG ${svgs}개` : ` + ${svgs} SVG`) : ''}`;
  });
  if (lines.length > 0) printLines(io, lines);
  if (result.render && !result.render.rendered && !values['no-render']) {
    io.stderr.write(ko ? `glassbox: 다이어그램을 mermaid 원본으로 남겼습니다: ${result.render.reason}\n` : `glassbox: diagrams kept as mermaid sources: ${result.render.reason}\n`);
  }
  for (const { error } of result.failed) printError(io, error, false);
  return result.failed.length > 0 ? 1 : 0;
}
