import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/cli/backend.js';
import type { Lesson } from '../../src/lessons/schema.js';
import { loadLessons } from '../../src/lessons/load.js';
import type { Kernel } from '../../src/kernel/types.js';
import { detectCgroupLayout, ownCgroupDir } from '../../src/observe/cgroup-layout.js';
import { readMountInfo } from '../../src/observe/mountinfo.js';
import { runLessonHeadless, type LessonTrace } from '../../src/tour/headless.js';
import type { CallRecord } from '../../src/tour/types.js';

/**
The tour on a simulated pure cgroup v2 host, with glassbox started the recommended way (alone in a
delegated scope): what most learners' laptops have when they run without root. Every lesson runs to
the end, and the cgroup lesson's answers come from v2 files.
*/
const lessons = loadLessons();
const lesson = (id: string): Lesson => lessons.find((l) => l.id === id)!;

async function v2Backend(): Promise<Awaited<ReturnType<typeof createBackend>>> {
  const backend = await createBackend('sim', { cgroupLayout: 'v2' });
  expect(detectCgroupLayout(backend.kernel).kind).toBe('v2');
  return backend;
}

/** What a lesson may leave: glassbox in its supervisor leaf. No mount, scratch dir or container group. */
function leftovers(kernel: Kernel, scope: string): string[] {
  const mounts = readMountInfo(kernel).filter((m) => m.mountPoint.includes('glassbox-tour-')).map((m) => `mount ${m.mountPoint}`);
  const dirs = kernel.readdir('/tmp').filter((name) => name.startsWith('glassbox-tour-')).map((name) => `dir /tmp/${name}`);
  const groups = kernel.readdir(scope).filter((name) => name.startsWith('glassbox-') && name !== 'glassbox-supervisor').map((name) => `cgroup ${scope}/${name}`);
  return [...mounts, ...dirs, ...groups];
}

const callText = (c: CallRecord): string => `${c.call} ${c.args.join(' ')} -> ${c.result ?? c.errno ?? ''}`;
const stepCalls = (trace: LessonTrace, id: string): string[] => trace.steps.find((s) => s.id === id)!.result.calls.map(callText);

describe('tour on a simulated cgroup v2 host (glassbox in a delegated scope)', () => {
  for (const l of lessons) {
    it(`runs ${l.id} to the end and leaves nothing behind`, async () => {
      const sim = await v2Backend();
      const scope = ownCgroupDir(detectCgroupLayout(sim.kernel), 'memory')!;
      const trace = await runLessonHeadless(l, { kernel: sim.kernel, launcher: sim.launcher, lang: 'en' });
      expect(trace.mode).toBe('SIMULATED');
      expect(trace.steps.map((s) => `${s.id}: ${s.result.error?.message ?? 'ok'}`)).toEqual(l.steps.map((s) => `${s.id}: ok`));
      expect(trace.complete).toBe(true);
      expect(leftovers(sim.kernel, scope)).toEqual([]);
    }, 30_000);
  }

  it('teaches cgroups with v2 files: OOM kill in memory.events, EAGAIN at pids.max, throttling in cpu.stat', async () => {
    const sim = await v2Backend();
    const scope = ownCgroupDir(detectCgroupLayout(sim.kernel), 'memory')!;
    expect(sim.kernel.readFile(`${scope}/cgroup.procs`).trim()).toBe(String(sim.kernel.getpid()));
    const trace = await runLessonHeadless(lesson('cgroups'), { kernel: sim.kernel, launcher: sim.launcher, lang: 'en' });
    expect(trace.complete).toBe(true);
    const facts = Object.fromEntries(trace.steps.map((s) => [s.id, s.result.outcome!.facts]));
    expect(facts.oom).toMatchObject({ exitStatus: 137, oomKilled: true, oomKills: 1, limitMiB: 32 });
    expect(facts.forks).toMatchObject({ forkErrno: 'EAGAIN', forked: 19, pidsMax: 20, pidsRefused: true });
    expect(facts.cpu).toMatchObject({ cpuShare: 0.5, overQuota: false, throttled: true });
    const views = Object.fromEntries(trace.steps.map((s) => [s.id, s.result.outcome!.view]));
    expect(views.oom).toMatchObject({ kind: 'cgroups', layout: 'v2', limitsNow: { memoryBytes: 32 << 20 }, oomKills: 1 });
    expect(views.cpu).toMatchObject({ layout: 'v2', limitsNow: { cpuQuotaUsec: 50_000, cpuPeriodUsec: 100_000 } });

    // The first container meets the no-internal-processes rule, and glassbox steps into its leaf.
    const oom = stepCalls(trace, 'oom');
    const refused = oom.findIndex((c) => c === `write path=${scope}/cgroup.subtree_control data="+memory" -> EBUSY`);
    const moved = oom.findIndex((c) => c.startsWith(`write path=${scope}/glassbox-supervisor/cgroup.procs data="${sim.kernel.getpid()}"`));
    const enabled = oom.findIndex((c) => c.startsWith(`write path=${scope}/cgroup.subtree_control data="+memory" -> `) && !c.endsWith('EBUSY'));
    expect(refused).toBeGreaterThanOrEqual(0);
    expect(moved).toBeGreaterThan(refused);
    expect(enabled).toBeGreaterThan(moved);
    // v2 names only: the limits and the counters the facts come from.
    expect(oom.some((c) => new RegExp(`^write path=${scope}/glassbox-\\w+/memory\\.max data="${32 << 20}"`).test(c))).toBe(true);
    expect(oom.some((c) => new RegExp(`^read path=${scope}/glassbox-\\w+/memory\\.events`).test(c))).toBe(true);
    expect(stepCalls(trace, 'forks').some((c) => /\/pids\.max data="20"/.test(c))).toBe(true);
    expect(stepCalls(trace, 'forks').some((c) => /^read path=.*\/pids\.events/.test(c))).toBe(true);
    expect(stepCalls(trace, 'cpu').some((c) => /\/cpu\.max data="50000 100000"/.test(c))).toBe(true);
    const all = trace.steps.flatMap((s) => s.result.calls.map(callText));
    expect(all.filter((c) => /limit_in_bytes|cfs_quota_us|memory\.oom_control|\/sys\/fs\/cgroup\/(memory|cpu|pids)\//.test(c))).toEqual([]);
    // Samples of the burner's group showed the throttled time growing.
    const throttled = (views.cpu as { usage: { throttledUsec: number[] } }).usage.throttledUsec;
    expect(Math.max(...throttled)).toBeGreaterThan(0);

    // After the lesson: the scope hands the controllers down, glassbox waits in its leaf, no group is left.
    expect(sim.kernel.readFile(`${scope}/cgroup.subtree_control`).trim().split(' ')).toEqual(expect.arrayContaining(['cpu', 'memory', 'pids']));
    expect(sim.kernel.readFile(`${scope}/glassbox-supervisor/cgroup.procs`).trim()).toBe(String(sim.kernel.getpid()));
    expect(leftovers(sim.kernel, scope)).toEqual([]);
  }, 30_000);
});
