import fs from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../errors.js';
import type { Lang } from '../i18n/lang.js';
import { loadLessons } from '../lessons/load.js';
import type { Lesson } from '../lessons/schema.js';
import { loadProgress, progressDir, progressPath } from '../tour/progress.js';
import type { LessonProgress } from '../tour/types.js';
import { glassboxVersion } from '../version.js';
import { planReport, writeReportMarkdown, type ReportPlan } from './build-report.js';
import { checkProgressForReport } from './check-progress.js';
import { renderMermaid, type RenderOutcome, type RenderSpec } from './render-mermaid.js';

/**
`glassbox report`: the progress files of finished lessons (or, with `all`, started ones) become
Markdown lab reports in one folder, with their diagrams as SVG files beside them when a browser
can draw them. One bad progress file does not stop the others: it is reported with the rest.
*/
export interface ReportSpec {
  /** Lesson ids or order numbers; empty: every lesson with a progress file. */
  lessons: string[];
  /** Also lessons started but not finished. */
  all: boolean;
  outDir: string;
  lang: Lang;
  learner?: string;
  /** False: keep the mermaid sources, do not start a browser (`--no-render`). */
  render: boolean;
  /** $GLASSBOX_HOME; default glassboxHome(). */
  home?: string;
  lessonsDir?: string;
  renderer?: RenderSpec;
  now?: Date;
}

export interface ReportResult {
  lesson: string;
  /** The Markdown file (absolute). */
  file: string;
  finished: boolean;
  /** Each diagram and its SVG file, or null when it stayed a mermaid source. */
  diagrams: Array<{ kind: string; file: string | null }>;
}

export interface ReportsResult {
  outDir: string;
  reports: ReportResult[];
  failed: Array<{ lesson: string; error: GlassboxError }>;
  /** How the diagrams came out; null when there were none to draw. */
  render: RenderOutcome | null;
}

/** A folder name from a learner's name: `Kim Minji` → `glassbox-report-kim-minji`. */
export function defaultReportDir(learner: string): string {
  const slug = learner
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `glassbox-report-${slug || 'learner'}`;
}

function listProgress(home: string | undefined): string[] {
  try {
    return fs
      .readdirSync(progressDir(home))
      .filter((name) => /^[a-z0-9][a-z0-9-]*\.json$/.test(name))
      .map((name) => name.slice(0, -'.json'.length))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** An id or an order number to a lesson id; a progress file for a lesson this glassbox lacks still counts. */
function resolveLesson(wanted: string, lessons: Lesson[], saved: string[]): string {
  const lesson = lessons.find((item) => item.id === wanted || String(item.order) === wanted);
  if (lesson) return lesson.id;
  if (saved.includes(wanted)) return wanted;
  throw new GlassboxError('LESSON_UNKNOWN', `no lesson ${JSON.stringify(wanted)}`, { kind: 'user', hint: `lessons: ${lessons.map((item) => item.id).join(', ')}` });
}

async function readProgress(id: string, home: string | undefined): Promise<LessonProgress> {
  const progress = await loadProgress(id, home);
  if (progress === null) {
    throw new GlassboxError('REPORT_NO_PROGRESS', `lesson ${id} has no progress in ${progressDir(home)}`, { kind: 'user', hint: `run it first: glassbox learn ${id}` });
  }
  return checkProgressForReport(progress, progressPath(id, home));
}

function asGlassboxError(error: unknown): GlassboxError {
  return GlassboxError.is(error) ? error : new GlassboxError('GB_INTERNAL', error instanceof Error ? error.message : String(error), { kind: 'bug', cause: error });
}

/** The reports written, or null when the rendering was interrupted (then nothing is written). */
export async function writeReports(spec: ReportSpec): Promise<ReportsResult | null> {
  const lessons = loadLessons(spec.lessonsDir);
  const saved = listProgress(spec.home);
  const explicit = spec.lessons.length > 0;
  // In lesson order, lessons this glassbox no longer has last.
  const order = (id: string): number => lessons.find((lesson) => lesson.id === id)?.order ?? Number.MAX_SAFE_INTEGER;
  const ids = explicit ? [...new Set(spec.lessons.map((wanted) => resolveLesson(wanted, lessons, saved)))] : [...saved].sort((a, b) => order(a) - order(b));
  const plans: Array<{ plan: ReportPlan; finished: boolean }> = [];
  const failed: ReportsResult['failed'] = [];
  for (const id of ids) {
    try {
      const progress = await readProgress(id, spec.home);
      if (!progress.finished && !spec.all) {
        // Named on the command line: say why it is left out. Found by listing: just skip it.
        if (explicit) throw new GlassboxError('REPORT_UNFINISHED', `lesson ${id} is not finished (${progress.steps.length} steps run)`, { kind: 'user', hint: `finish it with glassbox learn ${id}, or add --all` });
        continue;
      }
      const lesson = lessons.find((item) => item.id === id);
      const plan = planReport({ progress, lesson, lang: spec.lang, version: glassboxVersion(), ...(spec.learner === undefined ? {} : { learner: spec.learner }), ...(spec.now ? { now: spec.now } : {}) });
      plans.push({ plan, finished: progress.finished });
    } catch (error) {
      // A lesson named on the command line that cannot be reported is bad input: stop before
      // writing anything. A file that cannot be read is reported, and the others still written.
      if (explicit && GlassboxError.is(error) && (error.code === 'REPORT_NO_PROGRESS' || error.code === 'REPORT_UNFINISHED')) throw error;
      failed.push({ lesson: id, error: asGlassboxError(error) });
    }
  }
  if (plans.length === 0 && failed.length === 0) {
    throw new GlassboxError('REPORT_NOTHING', `no ${spec.all ? 'started' : 'finished'} lesson to report in ${progressDir(spec.home)}`, {
      kind: 'user',
      hint: spec.all ? 'run a lesson first: glassbox learn' : 'finish a lesson with glassbox learn, or add --all for lessons only started',
    });
  }
  const outDir = path.resolve(spec.outDir);
  // Only broken files: nothing to write, not even the folder.
  if (plans.length === 0) return { outDir, reports: [], failed, render: null };
  const created = fs.mkdirSync(outDir, { recursive: true });
  const jobs = plans.flatMap(({ plan }) => plan.diagrams.map((diagram) => ({ source: diagram.source, output: path.join(outDir, diagram.file) })));
  let render: RenderOutcome | null = null;
  if (jobs.length > 0) render = spec.render ? await renderMermaid(jobs, spec.renderer) : { rendered: false, reason: '--no-render' };
  if (spec.renderer?.signal?.aborted) {
    // Nothing stays: SVGs copied just before the Ctrl-C, and a folder this run made.
    for (const job of jobs) fs.rmSync(job.output, { force: true });
    if (created !== undefined) fs.rmSync(created, { recursive: true, force: true });
    return null;
  }
  const drawn = render?.rendered === true;
  // An SVG from an earlier run that this page no longer links would only mislead.
  if (!drawn) for (const job of jobs) fs.rmSync(job.output, { force: true });
  const reports = plans.map(({ plan, finished }) => {
    const file = path.join(outDir, plan.file);
    const outcome = drawn ? { drawn: true as const } : !spec.render ? { drawn: false as const, asked: true as const } : { drawn: false as const, why: render && !render.rendered ? render.reason : '' };
    fs.writeFileSync(file, writeReportMarkdown(plan, outcome));
    return { lesson: plan.lesson, file, finished, diagrams: plan.diagrams.map((diagram) => ({ kind: diagram.kind, file: drawn ? path.join(outDir, diagram.file) : null })) };
  });
  return { outDir, reports, failed, render };
}
