import { GlassboxError } from '../errors.js';

/**
Small shape checkers for the probe's JSON. Each takes the value and where it sits
(`capabilities.effective.names[3]`) and returns it typed, or throws
PROBE_BAD_OUTPUT naming that field. `shape<T>()` must list every field of T, so
the checker and the ProbeReport interface cannot drift apart silently.
*/
export type Check<T> = (value: unknown, at: string) => T;

export function badOutput(at: string, problem: string): GlassboxError {
  return new GlassboxError('PROBE_BAD_OUTPUT', `gbx-probe output: ${at === '' ? 'the report' : at} ${problem}`, {
    kind: 'bug',
    hint: 'rebuild the native helpers (npm run build) so that gbx-probe matches this glassbox',
  });
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const shown = JSON.stringify(value);
  return `${typeof value} ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`;
}

function fail(at: string, value: unknown, expected: string): never {
  throw badOutput(at, `is ${describe(value)}, expected ${expected}`);
}

function child(at: string, key: string | number): string {
  if (typeof key === 'number') return `${at}[${key}]`;
  return at === '' ? key : `${at}.${key}`;
}

/** A whole number >= 0 (every number the probe prints is one). */
export const count: Check<number> = (value, at) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fail(at, value, 'an integer >= 0');

export const text: Check<string> = (value, at) => (typeof value === 'string' ? value : fail(at, value, 'a string'));

export const flag: Check<boolean> = (value, at) => (typeof value === 'boolean' ? value : fail(at, value, 'a boolean'));

export function exactly<const T extends string | number>(expected: T): Check<T> {
  return (value, at) => (value === expected ? expected : fail(at, value, JSON.stringify(expected)));
}

export function oneOf<const T extends readonly string[]>(values: T): Check<T[number]> {
  return (value, at) =>
    typeof value === 'string' && values.includes(value) ? value : fail(at, value, `one of ${values.join(', ')}`);
}

export function matching(pattern: RegExp, expected: string): Check<string> {
  return (value, at) => (typeof value === 'string' && pattern.test(value) ? value : fail(at, value, expected));
}

export function either<A, B>(first: Check<A>, second: Check<B>, expected: string): Check<A | B> {
  return (value, at) => {
    for (const check of [first, second]) {
      try {
        return check(value, at);
      } catch {
        // Try the other one; report both below.
      }
    }
    return fail(at, value, expected);
  };
}

export function nullable<T>(check: Check<T>): Check<T | null> {
  return (value, at) => (value === null ? null : check(value, at));
}

export function listOf<T>(check: Check<T>): Check<T[]> {
  return (value, at) => (Array.isArray(value) ? value.map((item, index) => check(item, child(at, index))) : fail(at, value, 'an array'));
}

function plainObject(value: unknown, at: string): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : fail(at, value, 'an object');
}

function rejectExtraKeys(object: Record<string, unknown>, known: readonly string[], at: string): void {
  const extra = Object.keys(object).find((key) => !known.includes(key));
  if (extra !== undefined) throw badOutput(child(at, extra), 'is not a field this glassbox knows');
}

/** An object with exactly these fields. */
export function shape<T>(fields: { [K in keyof T]-?: Check<T[K]> }): Check<T> {
  const keys = Object.keys(fields);
  return (value, at) => {
    const object = plainObject(value, at);
    const result: Record<string, unknown> = {};
    for (const key of keys) result[key] = (fields as Record<string, Check<unknown>>)[key]!(object[key], child(at, key));
    rejectExtraKeys(object, keys, at);
    return result as T;
  };
}

/** An object with exactly these keys, every value of one kind. */
export function keyed<K extends string, T>(keys: readonly K[], check: Check<T>): Check<Record<K, T>> {
  return (value, at) => {
    const object = plainObject(value, at);
    const result = {} as Record<K, T>;
    for (const key of keys) result[key] = check(object[key], child(at, key));
    rejectExtraKeys(object, keys, at);
    return result;
  };
}
