import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROGRESS_CALLS_KEPT, learnerName, loadProgress, progressPath, recordStep, recordTranscriptStep, saveProgress, startProgress } from '../../src/tour/progress.js';
import type { CallRecord } from '../../src/tour/types.js';
import { namespaces, text } from './fixtures/views.js';

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-progress-'));
});
afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
  expect(fs.existsSync(home)).toBe(false);
});

const start = new Date('2026-11-23T00:00:00Z');
const later = new Date('2026-11-23T00:05:00Z');

describe('lesson progress', () => {
  it('records steps in order, moves current on, finishes at the last step, keeps only the last run of a step', () => {
    let progress = startProgress({ lesson: 'namespaces', learner: 'seat-07', lang: 'ko', kernel: 'REAL', now: start });
    expect(progress).toMatchObject({ format_version: 1, current: 0, finished: false, steps: [], startedAt: start.toISOString() });
    progress = recordStep(progress, { index: 0, total: 3, id: 'look', facts: { hostPid: 42 }, view: text, calls: [] }, later);
    expect(progress.current).toBe(1);
    expect(progress.updatedAt).toBe(later.toISOString());
    progress = recordStep(progress, { index: 1, total: 3, id: 'clone', facts: { pid1: '1' }, view: namespaces, calls: [], prediction: 'host', actual: '1', correct: false }, later);
    progress = recordStep(progress, { index: 1, total: 3, id: 'clone', facts: { pid1: '1' }, view: namespaces, calls: [], prediction: '1', actual: '1', correct: true }, later);
    expect(progress.steps.map((step) => step.id)).toEqual(['look', 'clone']);
    expect(progress.steps[1]).toMatchObject({ prediction: '1', correct: true });
    expect(progress.current).toBe(2);
    expect(progress.finished).toBe(false);
    progress = recordStep(progress, { index: 2, total: 3, id: 'limit', facts: {}, view: text, calls: [] }, later);
    expect(progress).toMatchObject({ current: 2, finished: true });
  });

  it('keeps the last 200 calls of a step', () => {
    const calls: CallRecord[] = Array.from({ length: 450 }, (_, i) => ({ by: 'node', call: 'clone', args: [String(i)], result: String(i), ms: 0 }));
    const progress = recordStep(startProgress({ lesson: 'cgroups', learner: 'a', lang: 'en', kernel: 'SIMULATED' }), { index: 0, total: 1, id: 'bomb', facts: {}, view: text, calls });
    expect(progress.steps[0]!.calls).toHaveLength(PROGRESS_CALLS_KEPT);
    expect(progress.steps[0]!.calls.at(-1)!.args).toEqual(['449']);
  });

  it('records a transcript step without a prediction, with the kernel\'s answer when the step reported the fact', () => {
    let progress = startProgress({ lesson: 'namespaces', learner: 'ci', lang: 'en', kernel: 'SIMULATED', now: start });
    progress = recordTranscriptStep(progress, { index: 0, total: 2, id: 'clone', fact: 'pid1' }, { facts: { pid1: 1 }, view: namespaces }, [], later);
    expect(progress.steps[0]).toEqual({ id: 'clone', ranAt: later.toISOString(), via: 'transcript', actual: '1', facts: { pid1: 1 }, view: namespaces, calls: [] });
    // A question whose fact the step did not report, and a step with no question: no answer kept.
    progress = recordTranscriptStep(progress, { index: 1, total: 2, id: 'look', fact: 'hostname' }, { facts: { pid1: 1 }, view: text }, [], later);
    expect(progress.steps[1]).not.toHaveProperty('actual');
    expect(progress.steps[1]).not.toHaveProperty('prediction');
    expect(progress).toMatchObject({ current: 1, finished: true });
  });

  it('saves atomically under $GLASSBOX_HOME/progress and loads back the same progress', async () => {
    expect(await loadProgress('namespaces', home)).toBeNull();
    const progress = recordStep(
      startProgress({ lesson: 'namespaces', learner: 'seat-07', lang: 'ko', kernel: 'REAL', now: start }),
      { index: 0, total: 2, id: 'clone', facts: { pid1: 1 }, view: namespaces, calls: [{ by: 'helper', call: 'clone', args: ['CLONE_NEWPID'], result: '4242', ms: 1.5 }], prediction: '1', actual: '1', correct: true },
      later,
    );
    const file = await saveProgress(progress, home);
    expect(file).toBe(path.join(home, 'progress', 'namespaces.json'));
    expect(file).toBe(progressPath('namespaces', home));
    expect(await loadProgress('namespaces', home)).toEqual(progress);
    // Saves racing each other leave one whole file and no temporaries.
    await Promise.all(Array.from({ length: 8 }, (_, i) => saveProgress({ ...progress, current: i }, home)));
    expect(fs.readdirSync(path.join(home, 'progress'))).toEqual(['namespaces.json']);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).format_version).toBe(1);
  });

  it('refuses a broken or foreign progress file with a hint instead of overwriting it', async () => {
    fs.mkdirSync(path.join(home, 'progress'));
    const file = path.join(home, 'progress', 'layers.json');
    fs.writeFileSync(file, '{"format_version": 1, "lesson": "lay');
    await expect(loadProgress('layers', home)).rejects.toMatchObject({ code: 'PROGRESS_INVALID', hint: `remove ${file} to start the lesson again` });
    fs.writeFileSync(file, JSON.stringify({ ...startProgress({ lesson: 'layers', learner: 'a', lang: 'en', kernel: 'REAL' }), format_version: 2 }));
    await expect(loadProgress('layers', home)).rejects.toThrow(/format_version 2/);
    fs.writeFileSync(file, JSON.stringify(startProgress({ lesson: 'overlayfs', learner: 'a', lang: 'en', kernel: 'REAL' })));
    await expect(loadProgress('layers', home)).rejects.toThrow(/belongs to lesson "overlayfs"/);
    expect(() => progressPath('../etc/passwd', home)).toThrow(/cannot name a progress file/);
  });

  it('names the learner from GLASSBOX_LEARNER, else the login', () => {
    expect(learnerName({ GLASSBOX_LEARNER: ' seat-12 ' })).toBe('seat-12');
    expect(learnerName({})).toBe(os.userInfo().username);
  });
});
