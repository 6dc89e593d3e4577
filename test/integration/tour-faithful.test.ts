import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src/cli/backend.js';
import { loadLessons } from '../../src/lessons/load.js';
import { runLessonHeadless, type LessonTrace } from '../../src/tour/headless.js';
import { diffTraces, normalizeTrace } from '../../src/tour/normalize-trace.js';
import type { Kernel } from '../../src/kernel/types.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from '../../src/container/spec.js';
import { detectCgroupLayout } from '../../src/observe/cgroup-layout.js';
import { diffHostState, snapshotHostState } from '../helpers/host-state.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';

/**
Issue #7's faithfulness check: every lesson runs headless on the real kernel and on the
simulation, the two traces are normalized (temp paths, ports, ids, pids, inodes, the host's
name, sizes of host files, usage samples) and must agree call for call, errno for errno, fact
for fact and view for view. The simulation follows the host's cgroup layout, so the same files
are written on both. Where they disagree, the real kernel is right and the simulation is fixed.
*/
const gate = await realKernelGate();

function hostnameOf(kernel: Kernel): string {
  return kernel.readFile('/proc/sys/kernel/hostname').trim();
}

function exists(kernel: Kernel, path: string): boolean {
  try {
    kernel.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Masked and read-only paths only one of the two hosts has (this machine's kernel has no /proc/kcore, say). */
function absentOnOne(a: Kernel, b: Kernel): string[] {
  return [...DEFAULT_MASKED_PATHS, ...DEFAULT_READONLY_PATHS].filter((path) => exists(a, path) !== exists(b, path));
}

function ownCgroups(kernel: Kernel): Array<{ mountPoint: string; ownDir: string }> {
  return detectCgroupLayout(kernel).hierarchies.flatMap((h) => (h.ownDir === null ? [] : [{ mountPoint: h.mountPoint, ownDir: h.ownDir }]));
}

async function runOn(backend: Backend, lessonId: string): Promise<LessonTrace> {
  const lesson = loadLessons().find((l) => l.id === lessonId)!;
  return runLessonHeadless(lesson, { kernel: backend.kernel, launcher: backend.launcher, lang: 'en' });
}

if (gate.mode !== 'run') {
  describeGateOutcome('tour: every lesson, real vs simulated', gate);
} else {
  describe('tour: every lesson, real vs simulated', () => {
    let real: Backend;
    const before = snapshotHostState('tour-faithful');

    beforeAll(async () => {
      real = await createBackend('real');
    });

    afterAll(() => {
      // Nothing a lesson made is left: no mount, no cgroup, no process, no scratch directory.
      expect(diffHostState(before, snapshotHostState('tour-faithful'))).toEqual([]);
    });

    for (const lesson of loadLessons()) {
      it(`${lesson.order}. ${lesson.id}: the same calls, errnos, facts and views`, async () => {
        const realTrace = await runOn(real, lesson.id);
        // A fresh simulated machine per lesson, as a learner's `--kernel sim` would get.
        const sim = await createBackend('sim');
        const simTrace = await runOn(sim, lesson.id);
        expect(realTrace.teardown.failures).toEqual([]);
        expect(simTrace.teardown.failures).toEqual([]);
        expect(realTrace.steps.map((s) => s.result.error?.message ?? 'ok')).toEqual(lesson.steps.map(() => 'ok'));
        const absentMasked = absentOnOne(real.kernel, sim.kernel);
        const normalized = [
          normalizeTrace(realTrace, { hostname: hostnameOf(real.kernel), absentMasked, cgroups: ownCgroups(real.kernel) }),
          normalizeTrace(simTrace, { hostname: hostnameOf(sim.kernel), absentMasked, cgroups: ownCgroups(sim.kernel) }),
        ] as const;
        // GLASSBOX_TRACE_DUMP=dir keeps both normalized traces, to diff them by hand.
        const dump = process.env.GLASSBOX_TRACE_DUMP;
        if (dump !== undefined) fs.writeFileSync(path.join(dump, `${lesson.id}.json`), JSON.stringify(normalized, null, 1));
        const differences = diffTraces(...normalized);
        expect(differences, differences.join('\n')).toEqual([]);
        // Every prediction's fact is there on both, with the same answer.
        for (const [index, step] of lesson.steps.entries()) {
          if (step.predict === undefined) continue;
          expect(realTrace.steps[index]?.result.outcome?.facts, `${step.id} reports ${step.predict.fact}`).toHaveProperty(step.predict.fact);
        }
      }, 120_000);
    }
  });
}
