/**
A stack of undo steps for tests that change the kernel: each step is pushed right after the change it
undoes, and all run in reverse order in `finally`, even when the test or an earlier step failed.
*/
export interface Cleanup {
  defer(step: () => unknown, label?: string): void;
  /** Runs every step, newest first; throws the first failure after trying all of them. */
  run(): Promise<void>;
}

export function createCleanup(): Cleanup {
  const steps: { step: () => unknown; label: string }[] = [];
  return {
    defer(step, label = `step ${steps.length + 1}`) {
      steps.push({ step, label });
    },
    async run() {
      const failures: string[] = [];
      while (steps.length > 0) {
        const { step, label } = steps.pop()!;
        try {
          await step();
        } catch (error) {
          failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (failures.length > 0) throw new Error(`cleanup failed: ${failures.join('; ')}`);
    },
  };
}

/** Runs `body` with a cleanup stack and always runs the stack afterwards; a body failure wins. */
export async function withCleanup<T>(body: (cleanup: Cleanup) => Promise<T> | T): Promise<T> {
  const cleanup = createCleanup();
  let result: T;
  try {
    result = await body(cleanup);
  } catch (error) {
    await cleanup.run().catch(() => undefined);
    throw error;
  }
  await cleanup.run();
  return result;
}
