import type { Lesson } from '../lessons/schema.js';
import { openTourSession, type SessionSpec } from './session.js';
import type { CallRecord, PlannedCall, StepResult } from './types.js';

/**
A whole lesson without a screen: every step planned and run in order, then the teardown. The
plain transcript prints it, and the real-vs-simulated comparison compares two of them. A step
that fails ends the run (the later steps build on it); the teardown always runs.
*/
export interface StepTrace {
  id: string;
  action: string;
  planned: PlannedCall[];
  result: StepResult;
}

export interface LessonTrace {
  lesson: string;
  mode: 'REAL' | 'SIMULATED';
  reason?: SessionSpec['reason'];
  steps: StepTrace[];
  teardown: { calls: CallRecord[]; failures: string[] };
  /** True when every step ran without error and the teardown left nothing it knew of. */
  complete: boolean;
}

export async function runLessonHeadless(
  lesson: Lesson,
  spec: SessionSpec,
  onStep?: (trace: StepTrace, index: number) => void,
): Promise<LessonTrace> {
  const session = openTourSession(lesson, spec);
  const steps: StepTrace[] = [];
  try {
    for (const [index, step] of lesson.steps.entries()) {
      const planned = session.plan(index);
      const result = await session.run(index, () => undefined);
      const trace = { id: step.id, action: step.action, planned, result };
      steps.push(trace);
      onStep?.(trace, index);
      if (result.error !== undefined) break;
    }
  } finally {
    await session.teardown();
  }
  const teardown = session.teardownReport() ?? { calls: [], failures: [] };
  return {
    lesson: lesson.id,
    mode: session.mode,
    ...(session.reason === undefined ? {} : { reason: session.reason }),
    steps,
    teardown,
    complete: steps.length === lesson.steps.length && steps.every((s) => s.result.error === undefined) && teardown.failures.length === 0,
  };
}
