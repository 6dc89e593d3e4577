import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GlassboxError } from '../errors.js';
import type { Lang } from '../i18n/lang.js';
import { glassboxHome } from '../store/layout.js';
import type { CallRecord, LessonProgress, StepOutcome, ViewData } from './types.js';

/**
A learner's progress, one JSON file per lesson under $GLASSBOX_HOME/progress. A teacher
collects these files and `glassbox report` reads them, so the shape (LessonProgress,
format_version 1) is a contract: add fields, never rename them.
*/
export const PROGRESS_FORMAT_VERSION = 1;
// The call log kept per step; a fork bomb lesson would otherwise write megabytes.
export const PROGRESS_CALLS_KEPT = 200;

export function progressDir(home: string = glassboxHome()): string {
  return path.join(home, 'progress');
}

export function progressPath(lessonId: string, home?: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(lessonId)) {
    throw new GlassboxError('PROGRESS_LESSON_ID', `lesson id ${JSON.stringify(lessonId)} cannot name a progress file`, { kind: 'bug' });
  }
  return path.join(progressDir(home), `${lessonId}.json`);
}

/** Who is learning: $GLASSBOX_LEARNER (a classroom sets it per seat), else the login name. */
export function learnerName(env: NodeJS.ProcessEnv = process.env): string {
  const named = env.GLASSBOX_LEARNER?.trim();
  if (named) return named;
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export interface ProgressStart {
  lesson: string;
  learner: string;
  lang: Lang;
  kernel: 'REAL' | 'SIMULATED';
  now?: Date;
}

export function startProgress({ lesson, learner, lang, kernel, now = new Date() }: ProgressStart): LessonProgress {
  const at = now.toISOString();
  return { format_version: 1, lesson, learner, lang, kernel, startedAt: at, updatedAt: at, current: 0, finished: false, steps: [] };
}

export interface StepRecord {
  /** The step's index in the lesson and how many steps the lesson has. */
  index: number;
  total: number;
  id: string;
  facts: StepOutcome['facts'];
  view: ViewData;
  calls: CallRecord[];
  /** 'transcript' when `learn --plain` ran it: no learner was asked. */
  via?: 'player' | 'transcript';
  prediction?: string;
  actual?: string;
  correct?: boolean;
}

/**
The progress after a step ran: its entry replaced (a step run again keeps only its last run),
entries kept in lesson order, `current` moved to the next step, `finished` once the last ran.
Pure: the caller saves.
*/
export function recordStep(progress: LessonProgress, record: StepRecord, now: Date = new Date()): LessonProgress {
  const at = now.toISOString();
  const entry: LessonProgress['steps'][number] = {
    id: record.id,
    ranAt: at,
    ...(record.via === undefined ? {} : { via: record.via }),
    ...(record.prediction === undefined ? {} : { prediction: record.prediction }),
    ...(record.actual === undefined ? {} : { actual: record.actual }),
    ...(record.correct === undefined ? {} : { correct: record.correct }),
    facts: record.facts,
    view: record.view,
    calls: record.calls.slice(-PROGRESS_CALLS_KEPT),
  };
  const steps = progress.steps.filter((step) => step.id !== record.id);
  steps.push(entry);
  const last = record.index >= record.total - 1;
  return {
    ...progress,
    updatedAt: at,
    current: last ? record.index : Math.max(progress.current, record.index + 1),
    finished: progress.finished || last,
    steps,
  };
}

/**
A step as `learn --plain` ran it: nobody was asked, so no prediction and no verdict, only the
kernel's answer to the question (`actual`), marked `via: 'transcript'` so that a report says
why there is no prediction instead of counting it as a wrong one.
*/
export function recordTranscriptStep(
  progress: LessonProgress,
  step: { index: number; total: number; id: string; fact?: string | undefined },
  outcome: StepOutcome,
  calls: CallRecord[],
  now: Date = new Date(),
): LessonProgress {
  const fact = step.fact === undefined ? undefined : outcome.facts[step.fact];
  return recordStep(
    progress,
    {
      index: step.index,
      total: step.total,
      id: step.id,
      facts: outcome.facts,
      view: outcome.view,
      calls,
      via: 'transcript',
      ...(fact === undefined ? {} : { actual: String(fact) }),
    },
    now,
  );
}

function invalid(file: string, why: string): GlassboxError {
  return new GlassboxError('PROGRESS_INVALID', `progress file ${file}: ${why}`, {
    kind: 'user',
    hint: `remove ${file} to start the lesson again`,
  });
}

/** The saved progress of a lesson, or null when there is none yet. */
export async function loadProgress(lessonId: string, home?: string): Promise<LessonProgress | null> {
  const file = progressPath(lessonId, home);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(file, 'is not JSON');
  }
  const v = value as Partial<LessonProgress> | null;
  if (typeof v !== 'object' || v === null) throw invalid(file, 'is not a JSON object');
  if (v.format_version !== PROGRESS_FORMAT_VERSION) throw invalid(file, `has format_version ${JSON.stringify(v.format_version)}, not ${PROGRESS_FORMAT_VERSION}`);
  if (v.lesson !== lessonId) throw invalid(file, `belongs to lesson ${JSON.stringify(v.lesson)}`);
  if (typeof v.current !== 'number' || !Number.isInteger(v.current) || v.current < 0) throw invalid(file, 'has no valid current step');
  if (!Array.isArray(v.steps)) throw invalid(file, 'has no steps list');
  return v as LessonProgress;
}

// Distinct temporary names for saves in flight at once from this process.
let saves = 0;

/**
Saves atomically: a temporary file in the same directory, then rename, so a crash or a
Ctrl-C mid-write leaves the old file whole and a teacher never collects half a JSON.
*/
export async function saveProgress(progress: LessonProgress, home?: string): Promise<string> {
  const file = progressPath(progress.lesson, home);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${++saves}.tmp`;
  try {
    await fs.writeFile(temp, `${JSON.stringify(progress, null, 2)}\n`, { mode: 0o644 });
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  return file;
}
