import { describe, expect, it } from 'vitest';
import { GlassboxError } from '../../src/errors.js';
import { checkProgressForReport } from '../../src/report/check-progress.js';
import type { LessonProgress } from '../../src/tour/types.js';
import { cgroupsProgress, namespacesProgress, overlayfsProgress } from '../fixtures/report/progress.js';

function problem(progress: unknown): string {
  try {
    checkProgressForReport(progress as LessonProgress, '/home/x/progress/overlayfs.json');
  } catch (error) {
    expect(GlassboxError.is(error)).toBe(true);
    expect((error as GlassboxError).code).toBe('PROGRESS_INVALID');
    expect((error as GlassboxError).kind).toBe('user');
    return (error as Error).message;
  }
  throw new Error('the progress was accepted');
}

describe('report: progress files checked before a report is written', () => {
  it('accepts what the engine saves', () => {
    for (const progress of [overlayfsProgress(), namespacesProgress(), cgroupsProgress()]) {
      expect(checkProgressForReport(progress, 'f.json')).toBe(progress);
    }
  });

  it('names the file and the first bad field', () => {
    const unknownView = overlayfsProgress();
    (unknownView.steps[1]!.view as { kind: string }).kind = 'graph';
    expect(problem(unknownView)).toBe('progress file /home/x/progress/overlayfs.json: at steps[1].view.kind: must be one of layers, overlay, namespaces, mounts, cgroups, compare, text');

    const badUpper = overlayfsProgress();
    (badUpper.steps[2]!.view as { entries: Array<{ upper: unknown }> }).entries[1]!.upper = 'copy';
    expect(problem(badUpper)).toMatch(/at steps\[2\]\.view\.entries\[1\]\.upper: must be one of "file", "dir", "whiteout", "opaque", null$/);

    const badInode = namespacesProgress();
    (badInode.steps[1]!.view as { rows: Array<{ host: unknown }> }).rows[0]!.host = '4026531835';
    expect(problem(badInode)).toMatch(/at steps\[1\]\.view\.rows\[0\]\.host: must be a number$/);

    const badLimit = cgroupsProgress();
    (badLimit.steps[0]!.view as { layout: unknown }).layout = 'v3';
    expect(problem(badLimit)).toMatch(/at steps\[0\]\.view\.layout: must be one of "v1", "v2", "hybrid"$/);
  });

  it('refuses facts that are not plain values, calls that are not a list, a kernel that is neither', () => {
    const facts = overlayfsProgress();
    (facts.steps[0]!.facts as Record<string, unknown>).layers = { nested: true };
    expect(problem(facts)).toMatch(/at steps\[0\]\.facts\.layers: must be a string, a number or true\/false$/);

    const calls = overlayfsProgress();
    (calls.steps[0] as { calls: unknown }).calls = 'none';
    expect(problem(calls)).toMatch(/at steps\[0\]\.calls: must be a list$/);

    const kernel = overlayfsProgress();
    (kernel as { kernel: unknown }).kernel = 'VM';
    expect(problem(kernel)).toMatch(/: at kernel: must be one of "REAL", "SIMULATED"$/);

    const prediction = overlayfsProgress();
    (prediction.steps[2] as { prediction: unknown }).prediction = 3;
    expect(problem(prediction)).toMatch(/at steps\[2\]\.prediction: must be a string$/);
  });
});
