/**
One error base for glassbox. Every error has a stable `code`, a `kind` and,
where the user can act, a `hint` saying what to do next.

- `user`: bad input (a flag, a reference, a path); no stack is shown.
- `environment`: the machine lacks something (root, a kernel feature, a binary); no stack.
- `bug`: glassbox itself is wrong; the stack is shown.
*/
export type ErrorKind = 'user' | 'environment' | 'bug';

const brand = Symbol.for('glassbox.error');

export class GlassboxError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly [brand] = true;

  constructor(code: string, message: string, options: { kind?: ErrorKind; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GlassboxError';
    this.code = code;
    this.kind = options.kind ?? 'bug';
    this.hint = options.hint;
  }

  /** Brand check that survives duplicate module copies. */
  static is(value: unknown): value is GlassboxError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** Adds context to an error while keeping its code and kind: `applying layer sha256:ab12…: <cause>`. */
export function withContext(context: string, error: unknown): GlassboxError {
  if (GlassboxError.is(error)) {
    const wrapped = new GlassboxError(error.code, `${context}: ${error.message}`, {
      kind: error.kind,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      cause: error,
    });
    return wrapped;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GlassboxError('GB_INTERNAL', `${context}: ${message}`, { kind: 'bug', cause: error });
}
