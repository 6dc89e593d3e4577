/**
Long synchronous work in small pieces, with a turn of the event loop between them: the tour's
keys and frames wait for whatever holds the loop (unpacking into the simulated kernel, packing the
demo's tars, reading layers back). One budget: after `budgetMs` of work since the last turn, the
next `turn()` lets the loop run once.
*/
export interface Pace {
  /** performance.now() at which the current stretch of work should stop for a turn. */
  deadline(): number;
  /** A turn of the event loop when the budget is spent; at once otherwise. */
  turn(): Promise<void>;
}

export function createPace(budgetMs: number): Pace {
  let since = performance.now();
  return {
    deadline: () => since + budgetMs,
    async turn() {
      if (performance.now() - since < budgetMs) return;
      await yieldToEventLoop();
      since = performance.now();
    },
  };
}

/** One turn of the event loop: timers, I/O and input that were waiting run first. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
