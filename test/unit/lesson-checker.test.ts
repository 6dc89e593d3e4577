import { describe, expect, it } from 'vitest';
import { loadLessons } from '../../src/lessons/load.js';
import { ACTIONS, checkActionArgs } from '../../src/tour/actions/index.js';

/**
The lesson checker: lessons are data, so this test holds them to the engine. Every step names an
action the engine has, with arguments it takes, a view it returns and a fact it reports; every
action is taught somewhere; every lesson asks the learner at least one prediction; and a lesson's
`requires` is exactly what its actions need on the real kernel (so the doctor's verdict is right).
*/
const lessons = loadLessons();

describe('lesson checker', () => {
  for (const lesson of lessons) {
    describe(`${lesson.order}. ${lesson.id}`, () => {
      it('has steps, and a prediction with a hint', () => {
        expect(lesson.steps.length).toBeGreaterThan(0);
        expect(lesson.steps.some((step) => step.predict !== undefined)).toBe(true);
        for (const step of lesson.steps) {
          expect(step.check.en.length, `${step.id} check`).toBeGreaterThan(0);
          expect(step.hint.ko.length, `${step.id} hint`).toBeGreaterThan(0);
        }
      });

      for (const step of lesson.steps) {
        it(`step ${step.id}: ${step.action} with valid args, view and fact`, () => {
          const action = ACTIONS.get(step.action);
          expect(action, `unknown action ${step.action}`).toBeDefined();
          expect(checkActionArgs(action!, step.args ?? {})).toEqual([]);
          expect(action!.views).toContain(step.view);
          if (step.predict !== undefined) expect(action!.facts).toContain(step.predict.fact);
        });
      }

      it('requires exactly what its actions need', () => {
        const needed = new Set(lesson.steps.flatMap((step) => ACTIONS.get(step.action)?.requires(step.args ?? {}) ?? []));
        expect([...lesson.requires].sort()).toEqual([...needed].sort());
      });
    });
  }

  it('teaches every action somewhere', () => {
    const taught = new Set(lessons.flatMap((lesson) => lesson.steps.map((step) => step.action)));
    expect([...ACTIONS.keys()].filter((name) => !taught.has(name))).toEqual([]);
  });

  it('refuses args an action does not take, and wrong types', () => {
    const inspect = ACTIONS.get('image.inspect')!;
    expect(checkActionArgs(inspect, { show: 'layers' })).toEqual(['show: must be one of manifest, config, history']);
    expect(checkActionArgs(inspect, { shows: 'config' })).toEqual(['shows: not an argument of this action']);
    const workload = ACTIONS.get('cgroup.workload')!;
    expect(checkActionArgs(workload, {})).toEqual(['mode: required']);
    expect(checkActionArgs(workload, { mode: 'spin', seconds: 99 })).toEqual(['seconds: must be 1 to 30']);
    expect(checkActionArgs(ACTIONS.get('container.start')!, { namespaces: ['mnt', 'time'] })).toEqual(['namespaces: unknown time (known: mnt, uts, ipc, pid, net, user, cgroup)']);
  });
});
