import { GlassboxError } from '../errors.js';
import { isText, type Text } from '../i18n/lang.js';
import { isRequirement, type Requirement } from './requirements.js';

/**
A lesson is data (lessons/NN-id.json), Korean and English side by side.
`format_version` lets the loader refuse files written for a newer glassbox.
*/
export const LESSON_FORMAT_VERSION = 1;

export interface Lesson {
  format_version: number;
  id: string;
  order: number;
  title: Text;
  summary: Text;
  /** What the machine needs for this lesson to run on the real kernel. */
  requires: Requirement[];
  steps: LessonStep[];
}

/**
One step: why → what will happen → (predict) → run → what changed → check → try this.
`action` names an engine action (src/tour/actions); `args` are its arguments as data.
*/
export interface LessonStep {
  id: string;
  title: Text;
  /** Why this step matters. */
  why: Text;
  /** What will happen when it runs. */
  what: Text;
  action: string;
  args?: Record<string, unknown>;
  /** The state view shown after the step. */
  view: 'layers' | 'overlay' | 'namespaces' | 'mounts' | 'cgroups' | 'compare' | 'text';
  /** Asked before the step runs; the answer is compared with `facts[fact]` of the outcome. */
  predict?: {
    question: Text;
    fact: string;
    /** `choice`: one of `choices` (their `value`s); `number`: a whole number; `text`: compared trimmed. */
    kind: 'choice' | 'number' | 'text';
    choices?: Array<{ value: string; label: Text }>;
  };
  /** What to look at in the state view to check your work. */
  check: Text;
  /** Shown when the prediction was wrong or the learner asks. */
  hint: Text;
  /** Something to try next, on your own. */
  try?: Text;
}

function fail(file: string, field: string, why: string): never {
  throw new GlassboxError('LESSON_INVALID', `lesson ${file}: ${field} ${why}`, {
    kind: 'user',
    hint: 'see docs/lessons.md for the lesson file format',
  });
}

/** Checks one parsed lesson file and returns it typed; every problem names the file and field. */
export function validateLesson(value: unknown, file: string): Lesson {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(file, 'the file', 'is not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.format_version !== LESSON_FORMAT_VERSION) {
    fail(file, 'format_version', `must be ${LESSON_FORMAT_VERSION} (found ${JSON.stringify(v.format_version)})`);
  }
  if (typeof v.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(v.id)) fail(file, 'id', 'must be lowercase words joined by -');
  if (typeof v.order !== 'number' || !Number.isInteger(v.order) || v.order < 0) fail(file, 'order', 'must be a whole number');
  if (!isText(v.title)) fail(file, 'title', 'needs non-empty "en" and "ko" strings');
  if (!isText(v.summary)) fail(file, 'summary', 'needs non-empty "en" and "ko" strings');
  if (!Array.isArray(v.requires)) fail(file, 'requires', 'must be a list');
  for (const requirement of v.requires) {
    if (!isRequirement(requirement)) fail(file, 'requires', `names an unknown requirement ${JSON.stringify(requirement)}`);
  }
  if (!Array.isArray(v.steps)) fail(file, 'steps', 'must be a list');
  const ids = new Set<string>();
  v.steps.forEach((step, index) => {
    const id = validateStep(step, file, `steps[${index}]`);
    if (ids.has(id)) fail(file, `steps[${index}].id`, `${JSON.stringify(id)} is used twice`);
    ids.add(id);
  });
  return v as unknown as Lesson;
}

const VIEWS: ReadonlySet<string> = new Set(['layers', 'overlay', 'namespaces', 'mounts', 'cgroups', 'compare', 'text']);
const STEP_FIELDS: ReadonlySet<string> = new Set(['id', 'title', 'why', 'what', 'action', 'args', 'view', 'predict', 'check', 'hint', 'try']);
const PREDICT_KINDS: ReadonlySet<string> = new Set(['choice', 'number', 'text']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
Checks one step's shape: every text in both languages, a known view, a prediction that names a
fact and (for a choice) at least two distinct choices. Whether `action` and `args` fit the engine
is the lesson checker's job (test/unit/lesson-checker.test.ts): the engine is not loaded here.
*/
function validateStep(value: unknown, file: string, at: string): string {
  if (!isObject(value)) fail(file, at, 'must be an object');
  for (const key of Object.keys(value)) if (!STEP_FIELDS.has(key)) fail(file, `${at}.${key}`, 'is not a step field');
  if (typeof value.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(value.id)) fail(file, `${at}.id`, 'must be lowercase words joined by -');
  for (const key of ['title', 'why', 'what', 'check', 'hint'] as const) {
    if (!isText(value[key])) fail(file, `${at}.${key}`, 'needs non-empty "en" and "ko" strings');
  }
  if (value.try !== undefined && !isText(value.try)) fail(file, `${at}.try`, 'needs non-empty "en" and "ko" strings');
  if (typeof value.action !== 'string' || !/^[a-z][a-z-]*(\.[a-z][a-z-]*)*$/.test(value.action)) fail(file, `${at}.action`, 'must name an action (`overlay.mount`)');
  if (value.args !== undefined && !isObject(value.args)) fail(file, `${at}.args`, 'must be an object');
  if (typeof value.view !== 'string' || !VIEWS.has(value.view)) fail(file, `${at}.view`, `must be one of ${[...VIEWS].join(', ')}`);
  if (value.predict !== undefined) validatePredict(value.predict, file, `${at}.predict`);
  return value.id;
}

function validatePredict(value: unknown, file: string, at: string): void {
  if (!isObject(value)) fail(file, at, 'must be an object');
  if (!isText(value.question)) fail(file, `${at}.question`, 'needs non-empty "en" and "ko" strings');
  if (typeof value.fact !== 'string' || value.fact === '') fail(file, `${at}.fact`, 'must name a fact of the step\'s outcome');
  if (typeof value.kind !== 'string' || !PREDICT_KINDS.has(value.kind)) fail(file, `${at}.kind`, 'must be choice, number or text');
  if (value.kind === 'choice') {
    if (!Array.isArray(value.choices) || value.choices.length < 2) fail(file, `${at}.choices`, 'a choice needs at least two choices');
    const seen = new Set<string>();
    value.choices.forEach((choice: unknown, index: number) => {
      if (!isObject(choice) || typeof choice.value !== 'string' || choice.value === '') fail(file, `${at}.choices[${index}].value`, 'must be a non-empty string');
      if (!isText(choice.label)) fail(file, `${at}.choices[${index}].label`, 'needs non-empty "en" and "ko" strings');
      if (seen.has(choice.value)) fail(file, `${at}.choices[${index}].value`, `${JSON.stringify(choice.value)} is used twice`);
      seen.add(choice.value);
    });
  } else if (value.choices !== undefined) {
    fail(file, `${at}.choices`, 'only a choice has choices');
  }
}
