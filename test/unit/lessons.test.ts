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
});
