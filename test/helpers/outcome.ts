import { SyscallError } from '../../src/kernel/errors.js';

/** The errno name a kernel call fails with, or 'ok': one word to compare across backends. */
export function outcome(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (SyscallError.isSyscallError(error)) return error.errnoName;
    throw error;
  }
}
