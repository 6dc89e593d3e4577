import { useCallback, useRef, useState } from 'react';
import type { Lang } from '../i18n/lang.js';
import type { Lesson } from '../lessons/schema.js';
import { recordStep, startProgress } from '../tour/progress.js';
import type { CallRecord, LessonProgress, StepResult, TourSession, ViewData } from '../tour/types.js';
import { checkPrediction } from './predict.js';
import type { PredictState } from './lesson-lines.js';

// How often live calls and views reach the screen while a step runs (Ink draws at most 30 fps).
const FLUSH_MS = 50;

export type StepStatus = 'idle' | 'running' | 'done' | 'failed' | 'recorded';

/** What the player knows about one step: from this run, or recorded in the saved progress. */
export interface StepState {
  status: StepStatus;
  calls: CallRecord[];
  view?: ViewData;
  facts?: Record<string, string | number | boolean>;
  error?: StepResult['error'];
  predict: PredictState;
  /** Set while an earlier step runs only so that this one can (a resumed lesson). */
  catchingUp?: boolean;
}

/** The steps as the saved progress left them: views and answers shown again, marked as recorded. */
export function restoreSteps(lesson: Lesson, progress: LessonProgress | null): StepState[] {
  return lesson.steps.map((step) => {
    const saved = progress?.steps.find((entry) => entry.id === step.id);
    if (!saved) return { status: 'idle', calls: [], predict: { phase: 'idle' } };
    const predict: PredictState =
      saved.prediction === undefined
        ? { phase: 'idle' }
        : { phase: 'checked', check: { answer: saved.prediction, actual: saved.actual, correct: saved.correct } };
    return { status: 'recorded', calls: saved.calls, view: saved.view, facts: saved.facts, predict };
  });
}

export interface StepRunnerOptions {
  lesson: Lesson;
  session: TourSession;
  lang: Lang;
  learner: string;
  initialProgress: LessonProgress | null;
  saveProgress?: (progress: LessonProgress) => Promise<unknown> | void;
  /** Told when saving failed: the lesson goes on, the screen says why the file is stale. */
  onSaveError?: (error: unknown) => void;
}

/**
Runs steps through the session and keeps their state. A step needs the ones before it (they
made the image, the rootfs, the container), so running step k first runs every earlier step
not yet run in this session: a resumed lesson catches up on the real kernel, not from the file.
*/
export function useStepRunner({ lesson, session, lang, learner, initialProgress, saveProgress, onSaveError }: StepRunnerOptions) {
  const [steps, setSteps] = useState<StepState[]>(() => restoreSteps(lesson, initialProgress));
  const [running, setRunning] = useState(false);
  const runningRef = useRef(false);
  const ranHere = useRef(new Set<number>());
  const saving = useRef<Promise<unknown>>(Promise.resolve());
  const progress = useRef<LessonProgress>(
    initialProgress ?? startProgress({ lesson: lesson.id, learner, lang, kernel: session.mode }),
  );

  const patch = useCallback((index: number, change: (step: StepState) => Partial<StepState>) => {
    setSteps((all) => all.map((step, i) => (i === index ? { ...step, ...change(step) } : step)));
  }, []);

  const setPredict = useCallback((index: number, predict: PredictState) => patch(index, () => ({ predict })), [patch]);

  async function runOne(index: number, catchingUp: boolean, answer: string | undefined): Promise<boolean> {
    patch(index, (step) => ({
      status: 'running',
      calls: [],
      catchingUp,
      error: undefined,
      predict: answer === undefined ? step.predict : { phase: 'answered', answer },
    }));
    // Live updates are gathered and drawn at most every FLUSH_MS: an unpack makes thousands of
    // calls, and a render per call would starve the keys the learner presses meanwhile.
    let pending: { calls: CallRecord[]; view?: ViewData } = { calls: [] };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = (): void => {
      timer = undefined;
      const { calls, view } = pending;
      pending = { calls: [] };
      if (calls.length === 0 && view === undefined) return;
      patch(index, (step) => ({ ...(calls.length > 0 ? { calls: [...step.calls, ...calls] } : {}), ...(view ? { view } : {}) }));
    };
    let result: StepResult;
    try {
      result = await session.run(index, (update) => {
        if (update.call) pending.calls.push(update.call);
        if (update.view) pending.view = update.view;
        timer ??= setTimeout(flush, FLUSH_MS);
      });
    } catch (error) {
      // The session reports failures in its result; a throw is a bug, still shown, never fatal.
      result = { outcome: null, calls: [], ms: 0, error: { code: 'GB_INTERNAL', message: error instanceof Error ? error.message : String(error) } };
    }
    if (timer !== undefined) clearTimeout(timer);
    flush();
    const step = lesson.steps[index]!;
    const outcome = result.outcome;
    const check = answer !== undefined && step.predict ? checkPrediction(step.predict, answer, outcome?.facts) : undefined;
    patch(index, (state) => ({
      status: result.error || !outcome ? 'failed' : 'done',
      catchingUp: false,
      calls: result.calls.length > 0 ? result.calls : state.calls,
      ...(outcome ? { view: outcome.view, facts: outcome.facts } : {}),
      ...(result.error ? { error: result.error } : {}),
      predict: check ? { phase: 'checked', check } : state.predict,
    }));
    if (!outcome || result.error) return false;
    ranHere.current.add(index);
    progress.current = recordStep(progress.current, {
      index,
      total: lesson.steps.length,
      id: step.id,
      facts: outcome.facts,
      view: outcome.view,
      calls: result.calls,
      ...(check ? { prediction: check.answer, ...(check.actual === undefined ? {} : { actual: check.actual }), ...(check.correct === undefined ? {} : { correct: check.correct }) } : {}),
    });
    // Saved in the background, in order: the learner may press r or n the moment ✓ shows.
    const snapshot = progress.current;
    saving.current = saving.current
      .then(() => saveProgress?.(snapshot))
      .catch((error: unknown) => onSaveError?.(error));
    return true;
  }

  /** Runs step `index` (after any earlier step this session has not run); `answer` is the prediction. */
  const runStep = useCallback(
    async (index: number, answer?: string): Promise<void> => {
      if (runningRef.current) return;
      runningRef.current = true;
      setRunning(true);
      try {
        for (let i = 0; i < index; i++) {
          if (ranHere.current.has(i)) continue;
          if (!(await runOne(i, true, undefined))) return;
        }
        await runOne(index, false, answer);
      } finally {
        runningRef.current = false;
        setRunning(false);
      }
    },
    // runOne reads refs and the stable `patch`; a new session or lesson makes a new runner.
    [session, lesson],
  );

  return { steps, running, runStep, setPredict, progress, saving };
}
