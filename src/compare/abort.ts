import { GlassboxError } from '../errors.js';

/** What every part of a comparison throws when its signal fires (Ctrl-C): everything it started is already gone. */
export function abortedError(): GlassboxError {
  return new GlassboxError('COMPARE_INTERRUPTED', 'comparison interrupted: everything it started was stopped and removed', { kind: 'user' });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}
