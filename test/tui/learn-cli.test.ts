/**
`glassbox learn LESSON` without a terminal: the whole lesson as a transcript, through the CLI,
on the simulated kernel always and on the real one when this process is root.
*/
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { loadLessons } from '../../src/lessons/load.js';

const cli = cliInProcess;

function mountTable(): string {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8');
}

const overlayfs = loadLessons().find((lesson) => lesson.id === 'overlayfs');
const isRoot = process.getuid?.() === 0;

describe.runIf(overlayfs && overlayfs.steps.length > 0)('glassbox learn LESSON --plain', () => {
  it('prints every step with its calls, state and facts on the simulated kernel, then tears down', async () => {
    const { code, out, err } = await cli('learn', 'overlayfs', '--plain', '--kernel', 'sim', '--lang', 'en');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^kernel: SIMULATED \(/m);
    for (const [i, step] of overlayfs!.steps.entries()) {
      expect(out).toContain(`== Step ${i + 1}/${overlayfs!.steps.length}: ${step.title.en} ==`);
    }
    expect(out.match(/^Call log:$/gm)).toHaveLength(overlayfs!.steps.length);
    expect(out.match(/^Kernel state:$/gm)).toHaveLength(overlayfs!.steps.length);
    // The overlay view names the four directories and the whiteout the delete step made.
    expect(out).toMatch(/^ {2}upper {2}\S+\/upper$/m);
    expect(out).toMatch(/whiteout/);
    expect(out.trimEnd().endsWith('everything the lesson created was removed')).toBe(true);
  });

  it('gives the step results as JSON with --json', async () => {
    const { code, out } = await cli('learn', 'overlayfs', '--plain', '--json', '--kernel', 'sim');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { lesson: string; kernel: string; failedAt: number | null; steps: Array<{ id: string; outcome: { facts: object } | null }> };
    expect(report).toMatchObject({ lesson: 'overlayfs', kernel: 'SIMULATED', failedAt: null });
    expect(report.steps.map((step) => step.id)).toEqual(overlayfs!.steps.map((step) => step.id));
    for (const step of report.steps) expect(step.outcome).not.toBeNull();
  });

  it.runIf(isRoot)('runs on the real kernel and leaves the mount table as it found it', async () => {
    const before = mountTable().split('\n').map((line) => line.split(' ').slice(4, 5).join()).sort();
    const { code, out } = await cli('learn', 'overlayfs', '--plain', '--kernel', 'real', '--lang', 'ko');
    expect(code).toBe(0);
    expect(out).toMatch(/^커널: REAL$/m);
    expect(out).toMatch(/mount\(/);
    const after = mountTable().split('\n').map((line) => line.split(' ').slice(4, 5).join()).sort();
    expect(after).toEqual(before);
  });
});
