import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLessons } from '../../src/lessons/load.js';
import { REQUIREMENTS } from '../../src/lessons/requirements.js';

const dirs: string[] = [];
function lessonDir(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-lessons-'));
  dirs.push(dir);
  for (const [name, body] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
  }
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const good = {
  format_version: 1,
  id: 'x',
  order: 1,
  title: { en: 'X', ko: '엑스' },
  summary: { en: 'about x', ko: 'x에 대해' },
  requires: ['root'],
  steps: [],
};

describe('lessons', () => {
  it('loads the shipped lessons in order, each in Korean and English', () => {
    const lessons = loadLessons();
    expect(lessons.length).toBeGreaterThanOrEqual(10);
    expect(lessons.map((l) => l.order)).toEqual([...lessons.map((l) => l.order)].sort((a, b) => a - b));
    for (const lesson of lessons) {
      expect(lesson.title.ko).toMatch(/[\uac00-\ud7af]|overlayfs/);
      expect(lesson.summary.ko).toMatch(/[\uac00-\ud7af]/);
    }
  });

  it('uses only requirements the doctor knows', () => {
    for (const lesson of loadLessons()) for (const r of lesson.requires) expect(Object.keys(REQUIREMENTS)).toContain(r);
  });

  it('refuses a lesson without Korean, naming the file and field', () => {
    const dir = lessonDir({ '01-x.json': { ...good, title: { en: 'X' } } });
    expect(() => loadLessons(dir)).toThrow(/lesson 01-x\.json: title needs non-empty "en" and "ko"/);
  });

  it('refuses an unknown requirement, a newer format and bad JSON', () => {
    expect(() => loadLessons(lessonDir({ 'a.json': { ...good, requires: ['warp-drive'] } }))).toThrow(/unknown requirement "warp-drive"/);
    expect(() => loadLessons(lessonDir({ 'a.json': { ...good, format_version: 2 } }))).toThrow(/format_version must be 1/);
    expect(() => loadLessons(lessonDir({ 'a.json': '{ nope' }))).toThrow(/lesson a\.json:/);
  });

  it('refuses two lessons with one id', () => {
    expect(() => loadLessons(lessonDir({ 'a.json': good, 'b.json': { ...good, order: 2 } }))).toThrow(/lesson id x is used twice/);
  });

  describe('steps', () => {
    const text = { en: 'x', ko: '엑스' };
    const step = { id: 'a', title: text, why: text, what: text, action: 'image.pull', view: 'text', check: text, hint: text };
    const withSteps = (steps: unknown[]): string => lessonDir({ '01-x.json': { ...good, steps } });

    it('loads a complete step, with a prediction', () => {
      const predict = { question: text, fact: 'layers', kind: 'choice', choices: [{ value: '1', label: text }, { value: '4', label: text }] };
      expect(loadLessons(withSteps([{ ...step, predict, try: text }]))[0]!.steps[0]!.predict?.fact).toBe('layers');
    });

    it('names the step and field of each mistake', () => {
      expect(() => loadLessons(withSteps([{ ...step, hint: { en: 'x' } }]))).toThrow(/steps\[0\]\.hint needs non-empty "en" and "ko"/);
      expect(() => loadLessons(withSteps([{ ...step, chek: text }]))).toThrow(/steps\[0\]\.chek is not a step field/);
      expect(() => loadLessons(withSteps([{ ...step, view: 'graph' }]))).toThrow(/steps\[0\]\.view must be one of/);
      expect(() => loadLessons(withSteps([step, { ...step, id: 'b', action: 'Pull!' }]))).toThrow(/steps\[1\]\.action must name an action/);
      expect(() => loadLessons(withSteps([step, step]))).toThrow(/steps\[1\]\.id "a" is used twice/);
    });

    it('refuses a prediction without a fact, a one-way choice and choices on a number', () => {
      const q = { question: text, kind: 'number' };
      expect(() => loadLessons(withSteps([{ ...step, predict: q }]))).toThrow(/predict\.fact must name a fact/);
      expect(() => loadLessons(withSteps([{ ...step, predict: { ...q, fact: 'f', kind: 'choice', choices: [{ value: 'a', label: text }] } }]))).toThrow(/at least two choices/);
      expect(() => loadLessons(withSteps([{ ...step, predict: { ...q, fact: 'f', choices: [] } }]))).toThrow(/only a choice has choices/);
      expect(() => loadLessons(withSteps([{ ...step, predict: { ...q, fact: 'f', kind: 'guess' } }]))).toThrow(/kind must be choice, number or text/);
    });
  });
});
