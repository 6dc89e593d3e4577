import type { LessonStep } from '../lessons/schema.js';
import type { StepOutcome } from '../tour/types.js';

export type Prediction = NonNullable<LessonStep['predict']>;

export interface PredictionCheck {
  answer: string;
  /** The fact as the kernel showed it; undefined when the step did not report the fact. */
  actual: string | undefined;
  correct: boolean | undefined;
}

/**
The learner's answer against what the kernel then showed: a choice by its value, a number as
a number (` 1 ` and `01` are 1), text trimmed. No fact, no verdict: the screen says so rather
than marking the learner wrong for a step that could not look.
*/
export function checkPrediction(predict: Prediction, answer: string, facts: StepOutcome['facts'] | undefined): PredictionCheck {
  const fact = facts?.[predict.fact];
  if (fact === undefined) return { answer, actual: undefined, correct: undefined };
  const actual = String(fact);
  if (predict.kind === 'number') {
    const wanted = Number(answer.trim());
    return { answer, actual, correct: answer.trim() !== '' && Number.isFinite(wanted) && wanted === Number(fact) };
  }
  return { answer, actual, correct: answer.trim() === actual.trim() };
}

/** Whether a typed answer can be submitted: a number must be a whole number, a choice one of the choices. */
export function acceptsAnswer(predict: Prediction, answer: string): boolean {
  const trimmed = answer.trim();
  if (trimmed === '') return false;
  if (predict.kind === 'number') return /^-?\d+$/.test(trimmed);
  if (predict.kind === 'choice') return (predict.choices ?? []).some((choice) => choice.value === trimmed);
  return true;
}
