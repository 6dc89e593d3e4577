import { GlassboxError } from '../errors.js';
import type { LessonProgress } from '../tour/types.js';

/**
A progress file checked deeply enough for a report: src/tour/progress.ts checks what resuming
needs (the lesson, the current step, a steps list); a report also reads every step's facts,
calls and view. A teacher's folder may hold files from another glassbox version or edited by
hand, so each problem names the file and the field instead of drawing half a diagram.
*/
type Check = (value: unknown, at: string) => string | null;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str: Check = (value) => (typeof value === 'string' ? null : 'must be a string');
const num: Check = (value) => (typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number');
const bool: Check = (value) => (typeof value === 'boolean' ? null : 'must be true or false');
const strings: Check = (value) => (Array.isArray(value) && value.every((item) => typeof item === 'string') ? null : 'must be a list of strings');
const numbers: Check = (value) => (Array.isArray(value) && value.every((item) => typeof item === 'number') ? null : 'must be a list of numbers');
const nullable = (check: Check): Check => (value, at) => (value === null ? null : check(value, at));
const optional = (check: Check): Check => (value, at) => (value === undefined ? null : check(value, at));
const oneOf = (...allowed: unknown[]): Check => (value) => (allowed.includes(value) ? null : `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);

function shape(fields: Record<string, Check>): Check {
  return (value, at) => {
    if (!isObject(value)) return 'must be an object';
    for (const [key, check] of Object.entries(fields)) {
      const problem = check(value[key], `${at}.${key}`);
      if (problem !== null) return problem.startsWith('at ') ? problem : `at ${at}.${key}: ${problem}`;
    }
    return null;
  };
}

function list(item: Check): Check {
  return (value, at) => {
    if (!Array.isArray(value)) return 'must be a list';
    for (const [index, entry] of value.entries()) {
      const problem = item(entry, `${at}[${index}]`);
      if (problem !== null) return problem.startsWith('at ') ? problem : `at ${at}[${index}]: ${problem}`;
    }
    return null;
  };
}

const processRow = shape({ pid: num, ppid: num, command: str, depth: num });

const VIEWS: Record<string, Check> = {
  layers: shape({
    image: str,
    layers: list(shape({ digest: str, size: num, createdBy: optional(str), changes: list(shape({ path: str, change: oneOf('A', 'C', 'D') })), counts: shape({ added: num, changed: num, deleted: num }) })),
  }),
  overlay: shape({
    lower: strings,
    upper: str,
    work: str,
    merged: str,
    entries: list(shape({ path: str, lower: nullable(str), upper: oneOf('file', 'dir', 'whiteout', 'opaque', null), merged: nullable(str) })),
    event: optional(shape({ kind: oneOf('copy-up', 'whiteout', 'create'), path: str })),
  }),
  namespaces: shape({
    rows: list(shape({ type: str, host: num, container: nullable(num) })),
    inside: list(processRow),
    outside: list(processRow),
    hostname: optional(shape({ host: str, container: nullable(str) })),
  }),
  mounts: shape({
    mounts: list(shape({ id: num, parent: num, mountPoint: str, fstype: str, source: str, options: str, depth: num })),
    added: strings,
    removed: strings,
  }),
  cgroups: shape({
    layout: oneOf('v1', 'v2', 'hybrid'),
    limits: list(shape({ resource: str, v1: str, v2: str, value: str })),
    usage: shape({ memoryBytes: numbers, throttledUsec: numbers, pids: numbers }),
    limitsNow: shape({ memoryBytes: nullable(num), pidsMax: nullable(num), cpuQuotaUsec: nullable(num), cpuPeriodUsec: nullable(num) }),
    oomKills: num,
    exitStatus: nullable(num),
  }),
  compare: shape({
    origin: oneOf('measured', 'recorded'),
    source: optional(str),
    rows: list(shape({ metric: str, unit: str, container: (v) => (typeof v === 'number' || typeof v === 'string' ? null : 'must be a number or a string'), vm: (v) => (typeof v === 'number' || typeof v === 'string' ? null : 'must be a number or a string') })),
    vmAccel: oneOf('kvm', 'tcg', 'none'),
  }),
  text: shape({ lines: strings }),
};

const view: Check = (value, at) => {
  if (!isObject(value)) return 'must be an object';
  const check = typeof value.kind === 'string' && Object.hasOwn(VIEWS, value.kind) ? VIEWS[value.kind]! : undefined;
  if (check === undefined) return `at ${at}.kind: must be one of ${Object.keys(VIEWS).join(', ')}`;
  return check(value, at);
};

const fact: Check = (value) => (['string', 'number', 'boolean'].includes(typeof value) ? null : 'must be a string, a number or true/false');

const step = shape({
  id: str,
  ranAt: str,
  via: optional(oneOf('player', 'transcript')),
  prediction: optional(str),
  actual: optional(str),
  correct: optional(bool),
  facts: (value, at) => {
    if (!isObject(value)) return 'must be an object';
    for (const [key, entry] of Object.entries(value)) if (fact(entry, at) !== null) return `at ${at}.${key}: must be a string, a number or true/false`;
    return null;
  },
  view,
  calls: list(shape({ by: oneOf('node', 'helper', 'store'), call: str, args: strings, result: optional(str), errno: optional(str), ms: num })),
});

const progressShape = shape({
  learner: str,
  lang: oneOf('en', 'ko'),
  kernel: oneOf('REAL', 'SIMULATED'),
  startedAt: str,
  updatedAt: str,
  finished: bool,
  steps: list(step),
});

/** The progress, typed, or a PROGRESS_INVALID error naming `file` and the first bad field. */
export function checkProgressForReport(value: LessonProgress, file: string): LessonProgress {
  const problem = progressShape(value, 'progress');
  if (problem !== null) {
    throw new GlassboxError('PROGRESS_INVALID', `progress file ${file}: ${problem.replace(/^at progress\./, 'at ')}`, {
      kind: 'user',
      hint: 'this file was not written by this glassbox, or was edited: ask the learner for the file again',
    });
  }
  return value;
}
