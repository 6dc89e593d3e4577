import { GlassboxError } from '../errors.js';
import { isText, type Text } from '../i18n/lang.js';
import { isRequirement, type Requirement } from './requirements.js';

/**
A lesson is data (lessons/NN-id.json), Korean and English side by side.
`format_version` lets the loader refuse files written for a newer glassbox.
Steps arrive with the tour issue; a lesson may list none yet.
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
  return v as unknown as Lesson;
}
