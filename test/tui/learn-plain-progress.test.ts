/**
`glassbox learn LESSON --plain` saves progress as the player does (one file per lesson, finished
at the last step), without predictions since nobody was asked, and `glassbox report` makes a lab
report of it that says so rather than marking answers wrong.
*/
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { loadLessons } from '../../src/lessons/load.js';
import { loadProgress, progressPath, recordStep, saveProgress, startProgress } from '../../src/tour/progress.js';

const cli = cliInProcess;

const lessons = loadLessons();
const overlayfs = lessons.find((lesson) => lesson.id === 'overlayfs');

let home: string;
let reports: string;
const saved = { home: process.env.GLASSBOX_HOME, learner: process.env.GLASSBOX_LEARNER };
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-plain-home-'));
  reports = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-plain-report-'));
  process.env.GLASSBOX_HOME = home;
  process.env.GLASSBOX_LEARNER = 'seat-12';
});
afterEach(() => {
  for (const [name, value] of [['GLASSBOX_HOME', saved.home], ['GLASSBOX_LEARNER', saved.learner]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(reports, { recursive: true, force: true });
  expect(fs.existsSync(home) || fs.existsSync(reports)).toBe(false);
});

describe.runIf(overlayfs && overlayfs.steps.some((step) => step.predict))('learn --plain progress', () => {
  it('saves a finished progress file without predictions, and report writes a lab report of it', async () => {
    const run = await cli('learn', 'overlayfs', '--plain', '--kernel', 'sim', '--lang', 'en');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(fs.existsSync(progressPath('overlayfs', home))).toBe(true);
    const progress = (await loadProgress('overlayfs', home))!;
    expect(progress).toMatchObject({ lesson: 'overlayfs', learner: 'seat-12', lang: 'en', kernel: 'SIMULATED', finished: true });
    expect(progress.steps.map((step) => step.id)).toEqual(overlayfs!.steps.map((step) => step.id));
    for (const [i, step] of progress.steps.entries()) {
      expect(step.via).toBe('transcript');
      expect(step).not.toHaveProperty('prediction');
      expect(step).not.toHaveProperty('correct');
      // The kernel's answer to the question is still kept, read from the facts the step reported.
      const fact = overlayfs!.steps[i]!.predict?.fact;
      if (fact !== undefined && step.facts[fact] !== undefined) expect(step.actual).toBe(String(step.facts[fact]));
    }

    const report = await cli('report', 'overlayfs', '--no-render', '-o', reports, '--lang', 'en');
    expect(report.err).toBe('');
    expect(report.code).toBe(0);
    const file = path.join(reports, `${String(overlayfs!.order).padStart(2, '0')}-overlayfs.md`);
    const markdown = fs.readFileSync(file, 'utf8');
    expect(markdown).toContain('| learner | seat-12 |');
    expect(markdown).toContain('| finished | yes |');
    expect(markdown).toContain('| predictions right | none asked: the lesson ran as a transcript |');
    const asked = overlayfs!.steps.filter((step) => step.predict).length;
    expect(markdown.match(/not asked: the lesson ran as a transcript, `glassbox learn --plain`/g)).toHaveLength(asked);
    expect(markdown.match(/no verdict: nothing was predicted/g)).toHaveLength(asked);
    // Nothing counts as a wrong answer.
    expect(markdown).not.toMatch(/✗|wrong/);
  });

  it.runIf(process.getuid?.() === 0)('on the real kernel the progress says REAL', async () => {
    const run = await cli('learn', 'overlayfs', '--plain', '--json', '--kernel', 'real');
    expect(run.code).toBe(0);
    expect(await loadProgress('overlayfs', home)).toMatchObject({ kernel: 'REAL', finished: true });
  });

  it('with --json still saves the progress', async () => {
    const run = await cli('learn', 'overlayfs', '--plain', '--json', '--kernel', 'sim');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ lesson: 'overlayfs', failedAt: null });
    expect((await loadProgress('overlayfs', home))?.finished).toBe(true);
  });

  it('with --all runs every lesson and saves each one finished', { timeout: 180_000 }, async () => {
    const run = await cli('learn', '--plain', '--all', '--json', '--kernel', 'sim');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.out) as { lessons: Array<{ lesson: string; failedAt: number | null }> };
    expect(result.lessons.map((lesson) => lesson.lesson)).toEqual(lessons.map((lesson) => lesson.id));
    for (const lesson of lessons) {
      const progress = await loadProgress(lesson.id, home);
      expect(progress, lesson.id).toMatchObject({ finished: true, kernel: 'SIMULATED' });
      expect(progress!.steps).toHaveLength(lesson.steps.length);
    }
  });

  it('keeps a record the learner made in the player, and replaces an earlier transcript', async () => {
    // An earlier transcript run is replaced by the next one (a fresh record, each step once).
    await cli('learn', 'overlayfs', '--plain', '--json', '--kernel', 'sim');
    const first = (await loadProgress('overlayfs', home))!;
    const again = await cli('learn', 'overlayfs', '--plain', '--json', '--kernel', 'sim');
    expect(again.code).toBe(0);
    expect(again.err).toBe('');
    const second = (await loadProgress('overlayfs', home))!;
    expect(second.startedAt >= first.startedAt).toBe(true);
    expect(second.steps).toHaveLength(overlayfs!.steps.length);

    // The learner's own record (a prediction made in the player) is theirs to keep.
    const step = overlayfs!.steps.find((candidate) => candidate.predict)!;
    const mine = recordStep(startProgress({ lesson: 'overlayfs', learner: 'seat-12', lang: 'ko', kernel: 'SIMULATED' }), {
      index: overlayfs!.steps.indexOf(step),
      total: overlayfs!.steps.length,
      id: step.id,
      facts: {},
      view: { kind: 'text', lines: [] },
      calls: [],
      prediction: 'my guess',
      correct: false,
    });
    await saveProgress(mine, home);
    const before = fs.readFileSync(progressPath('overlayfs', home), 'utf8');
    const run = await cli('learn', 'overlayfs', '--plain', '--json', '--kernel', 'sim');
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/progress of overlayfs not saved: it holds your answers from the tour/);
    expect(fs.readFileSync(progressPath('overlayfs', home), 'utf8')).toBe(before);
  });

  it('refuses --all with a lesson and writes nothing', async () => {
    const run = await cli('learn', 'overlayfs', '--plain', '--all', '--kernel', 'sim');
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/learn --all takes no lesson/);
    expect(fs.existsSync(path.join(home, 'progress'))).toBe(false);
  });
});
