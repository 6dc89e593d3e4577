/**
A lesson that pulls loads the HTTP client when it opens, not in the middle of its first step:
requiring undici holds the event loop for 35-45 ms, and a key pressed meanwhile waits for it.
*/
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBackend } from '../../src/cli/backend.js';
import { loadLessons } from '../../src/lessons/load.js';
import type { Lesson } from '../../src/lessons/schema.js';
import { imagePull } from '../../src/tour/actions/image-pull.js';
import { ACTIONS } from '../../src/tour/actions/index.js';
import { openTourSession } from '../../src/tour/session.js';

const lessons = loadLessons();
const pulls = (lesson: Lesson): boolean => lesson.steps.some((step) => step.action === 'image.pull' || step.action === 'rootfs.prepare');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('warming up a lesson', () => {
  it('a lesson that pulls warms the HTTP client up when it opens, one that does not pull does not', async () => {
    expect(lessons.filter(pulls).length).toBeGreaterThan(0);
    // Every lesson pulls today: a lesson of the steps that do not pull stands for the others.
    const first = lessons.find((lesson) => lesson.steps.some((step) => !pulls({ ...lesson, steps: [step] })))!;
    const noPull: Lesson = { ...first, steps: first.steps.filter((step) => !pulls({ ...first, steps: [step] })) };
    const sim = await createBackend('sim', { cgroupLayout: 'v2' });
    for (const lesson of [...lessons, noPull]) {
      const warm = vi.spyOn(imagePull as { warmUp: () => void }, 'warmUp');
      const session = openTourSession(lesson, { kernel: sim.kernel, launcher: sim.launcher, lang: 'en' });
      expect(warm.mock.calls.length > 0, lesson.id).toBe(pulls(lesson));
      await session.teardown();
      warm.mockRestore();
    }
  });

  it('loads undici itself', () => {
    expect(ACTIONS.get('image.pull')?.warmUp).toBeTypeOf('function');
    expect(() => imagePull.warmUp!()).not.toThrow();
  });
});
