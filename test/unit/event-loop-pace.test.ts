import { describe, expect, it } from 'vitest';
import { createPace } from '../../src/event-loop-pace.js';

const busy = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('createPace', () => {
  it('lets the event loop run only once the budget is spent, then starts a new budget', async () => {
    const pace = createPace(20);
    let ran = 0;
    setImmediate(() => ran++);
    await pace.turn();
    expect(ran).toBe(0); // within the budget: no turn
    expect(pace.deadline()).toBeGreaterThan(performance.now());
    busy(25);
    expect(pace.deadline()).toBeLessThan(performance.now());
    await pace.turn();
    expect(ran).toBe(1); // spent: the waiting callback ran
    setImmediate(() => ran++);
    await pace.turn();
    expect(ran).toBe(1); // a fresh budget after the turn
  });
});
