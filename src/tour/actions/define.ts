import { GlassboxError } from '../../errors.js';
import type { Text } from '../../i18n/lang.js';
import type { Requirement } from '../../lessons/requirements.js';
import type { Action, PlannedCall, ViewKind } from '../types.js';

/**
An engine action as the lesson checker sees it: its arguments (as data a lesson file may give),
the facts it can report (what a prediction may ask about), the views it returns, and what the
machine needs to run it on the real kernel.
*/
export type ArgRule =
  | { type: 'string'; required?: boolean; values?: readonly string[] }
  | { type: 'number'; required?: boolean; min?: number; max?: number }
  | { type: 'boolean'; required?: boolean }
  | { type: 'strings'; required?: boolean; values?: readonly string[] };

export interface TourAction<Args = Record<string, unknown>> extends Action<Args> {
  summary: Text;
  args: Record<string, ArgRule>;
  facts: readonly string[];
  views: readonly ViewKind[];
  requires(args: Args): Requirement[];
  /**
  Loads, when the lesson opens, what run() would otherwise load in the middle of the step: a
  require of many modules holds the event loop (undici: 35-45 ms), and a key pressed meanwhile
  waits for it. Synchronous; keep it to loading code.
  */
  warmUp?(): void;
}

export function defineAction<Args>(action: TourAction<Args>): TourAction<Args> {
  return action;
}

/** Problems with a step's args for this action, as `name: why`; empty when they fit. */
export function checkActionArgs(action: Pick<TourAction, 'args'>, args: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(args)) if (!(name in action.args)) problems.push(`${name}: not an argument of this action`);
  for (const [name, rule] of Object.entries(action.args)) {
    const value = args[name];
    if (value === undefined) {
      if (rule.required === true) problems.push(`${name}: required`);
      continue;
    }
    const why = checkValue(rule, value);
    if (why !== null) problems.push(`${name}: ${why}`);
  }
  return problems;
}

function checkValue(rule: ArgRule, value: unknown): string | null {
  switch (rule.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (rule.values !== undefined && !rule.values.includes(value)) return `must be one of ${rule.values.join(', ')}`;
      return null;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) return `must be ${rule.min ?? '…'} to ${rule.max ?? '…'}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'strings':
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return 'must be a list of strings';
      if (rule.values !== undefined) {
        const bad = value.filter((item) => !rule.values!.includes(item as string));
        if (bad.length > 0) return `unknown ${bad.join(', ')} (known: ${rule.values.join(', ')})`;
      }
      return null;
  }
}

/** Thrown by run() when a step needs something an earlier step makes. */
export function missingEarlierStep(what: string, step: string): GlassboxError {
  return new GlassboxError('TOUR_STEP_ORDER', `this step needs ${what}, made by a ${step} step earlier in the lesson`, {
    kind: 'user',
    hint: 'run the lesson\'s earlier steps first (press p to go back)',
  });
}

export function planned(by: PlannedCall['by'], call: string, args: string[], note?: Text): PlannedCall {
  return note === undefined ? { by, call, args } : { by, call, args, note };
}
