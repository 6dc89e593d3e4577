import { GlassboxError } from '../errors.js';
import type { Text } from '../i18n/lang.js';
import type { Lesson, LessonStep } from '../lessons/schema.js';
import { ACTIONS, type TourAction } from './actions/index.js';
import { createTourContext, type TourContextSpec } from './context.js';
import { createCallRecorder } from './record-calls.js';
import type { CallRecord, PlannedCall, StepOutcome, StepResult, StepUpdate, TourContext, TourSession } from './types.js';

/**
One lesson being run: its steps' actions on one context, the call log of each step taken from
both trace channels (only this session's calls), and a teardown that undoes everything the
lesson made, newest first, once.
*/
export interface SessionSpec extends TourContextSpec {
  /** Why the simulation was chosen, when it was. */
  reason?: Text;
}

export interface LessonSession extends TourSession {
  readonly lesson: Lesson;
  readonly ctx: TourContext;
  /** The calls the teardown made, and the undos that failed (empty when all went). */
  teardownReport(): { calls: CallRecord[]; failures: string[] } | null;
}

export function actionFor(step: LessonStep): TourAction {
  const action = ACTIONS.get(step.action);
  if (action === undefined) throw new GlassboxError('LESSON_INVALID', `step ${step.id} names an unknown action ${step.action}`, { kind: 'bug' });
  return action;
}

export function openTourSession(lesson: Lesson, spec: SessionSpec): LessonSession {
  const owned = createTourContext(spec);
  for (const action of new Set(lesson.steps.map((step) => ACTIONS.get(step.action)))) action?.warmUp?.();
  const recorder = createCallRecorder();
  let closed = false;
  let running: Promise<unknown> | null = null;
  let teardown: Promise<void> | undefined;
  let report: { calls: CallRecord[]; failures: string[] } | null = null;
  const stepAt = (index: number): LessonStep => {
    const step = lesson.steps[index];
    if (step === undefined) throw new GlassboxError('TOUR_NO_STEP', `lesson ${lesson.id} has no step ${index + 1}`, { kind: 'bug' });
    return step;
  };
  return {
    mode: spec.kernel.label,
    ...(spec.reason === undefined || spec.kernel.label === 'REAL' ? {} : { reason: spec.reason }),
    lesson,
    ctx: owned.ctx,
    plan(index: number): PlannedCall[] {
      const step = stepAt(index);
      return actionFor(step).plan(step.args ?? {}, owned.ctx);
    },
    async run(index: number, update: (update: StepUpdate) => void): Promise<StepResult> {
      const step = stepAt(index);
      if (closed) throw new GlassboxError('TOUR_CLOSED', 'this lesson was torn down: open it again to run its steps', { kind: 'bug' });
      if (running !== null) throw new GlassboxError('TOUR_BUSY', 'a step of this lesson is still running', { kind: 'user', hint: 'wait for it to finish' });
      const calls: CallRecord[] = [];
      const onCall = (call: CallRecord): void => {
        calls.push(call);
        update({ call });
      };
      const started = performance.now();
      try {
        const work: Promise<StepOutcome> = recorder.record(
          () =>
            actionFor(step).run(step.args ?? {}, owned.ctx, (change) => {
              // Calls an action reports itself (HTTP requests, hashes) join the log beside the kernel's.
              if (change.call !== undefined) calls.push(change.call);
              update(change);
            }),
          onCall,
        );
        running = work;
        const outcome = await work;
        return { outcome, calls, ms: performance.now() - started };
      } catch (error) {
        return { outcome: null, calls, ms: performance.now() - started, error: describeError(error) };
      } finally {
        running = null;
      }
    },
    teardown(): Promise<void> {
      closed = true;
      teardown ??= (async () => {
        // A step still running (q or Ctrl-C mid-step) is told to stop and waited for, so that
        // what it makes is registered before the undos run.
        owned.abort();
        await running?.catch(() => undefined);
        const calls: CallRecord[] = [];
        const failures = await recorder.record(() => owned.teardown(), (call) => calls.push(call));
        report = { calls, failures };
      })();
      return teardown;
    },
    teardownReport: () => report,
  };
}

export function describeError(error: unknown): NonNullable<StepResult['error']> {
  if (GlassboxError.is(error)) return { code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) };
  return { code: 'GB_INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
