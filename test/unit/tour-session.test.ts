import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/cli/backend.js';
import type { Lesson } from '../../src/lessons/schema.js';
import { loadLessons } from '../../src/lessons/load.js';
import { readMountInfo } from '../../src/observe/mountinfo.js';
import { detectCgroupLayout, ownCgroupDir } from '../../src/observe/cgroup-layout.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTourContext, sweepAbandonedWorkdirs } from '../../src/tour/context.js';
import { runLessonHeadless } from '../../src/tour/headless.js';
import { openTourSession } from '../../src/tour/session.js';
import type { Kernel } from '../../src/kernel/types.js';

/** The engine on the simulated kernel: call logs per session, step errors as data, teardown. */
const lesson = (id: string): Lesson => loadLessons().find((l) => l.id === id)!;

function leftovers(kernel: Kernel): string[] {
  const mounts = readMountInfo(kernel).filter((m) => m.mountPoint.includes('glassbox-tour-')).map((m) => `mount ${m.mountPoint}`);
  const dirs = kernel.readdir('/tmp').filter((name) => name.startsWith('glassbox-tour-')).map((name) => `dir /tmp/${name}`);
  return [...mounts, ...dirs];
}

describe('tour session', () => {
  it('runs a lesson headless, every step with calls and facts, and leaves nothing in the kernel', async () => {
    const sim = await createBackend('sim', { cgroupLayout: 'v2' });
    const trace = await runLessonHeadless(lesson('overlayfs'), { kernel: sim.kernel, launcher: sim.launcher, lang: 'en' });
    expect(trace.mode).toBe('SIMULATED');
    expect(trace.complete).toBe(true);
    for (const step of trace.steps) expect(step.result.calls.length, step.id).toBeGreaterThan(0);
    const whiteout = trace.steps.find((s) => s.id === 'whiteout')!;
    expect(whiteout.result.outcome?.facts).toMatchObject({ whiteout: true, stillInLower: true, upper: 'whiteout' });
    expect(whiteout.result.calls.some((c) => c.call === 'unlink' && c.result === '0')).toBe(true);
    expect(trace.teardown.calls.some((c) => c.call === 'umount2')).toBe(false); // the lesson unmounted itself
    expect(leftovers(sim.kernel)).toEqual([]);
  });

  // On v2 our own cgroup holds glassbox, so memory (a domain controller) cannot be enabled for child
  // groups (EBUSY, the no-internal-processes rule) until glassbox, alone in its delegated scope, moves
  // itself into a leaf: the simulated v2 host is started the recommended way (systemd-run --scope -p Delegate=yes).
  it('runs the container lessons on a v2 layout (glassbox in a leaf cgroup before enabling memory)', async () => {
    const sim = await createBackend('sim', { cgroupLayout: 'v2' });
    const scope = ownCgroupDir(detectCgroupLayout(sim.kernel), 'memory')!;
    const trace = await runLessonHeadless(lesson('docker-run-flags'), { kernel: sim.kernel, launcher: sim.launcher, lang: 'en' });
    expect(trace.steps.map((s) => s.result.error?.message ?? 'ok')).toEqual(lesson('docker-run-flags').steps.map(() => 'ok'));
    expect(trace.complete).toBe(true);
    const facts = Object.fromEntries(trace.steps.map((s) => [s.id, s.result.outcome!.facts]));
    expect(facts.map).toMatchObject({ memoryBytes: 64 << 20, cpuQuotaUsec: 50_000, pidsMax: 50 });
    const writes = trace.steps.flatMap((s) => s.result.calls).filter((c) => c.call === 'write').map((c) => `${c.args[0]} ${c.args[1]} ${c.errno ?? 'ok'}`);
    const refused = writes.indexOf(`path=${scope}/cgroup.subtree_control data="+memory" EBUSY`);
    expect(refused).toBeGreaterThanOrEqual(0);
    expect(writes.indexOf(`path=${scope}/glassbox-supervisor/cgroup.procs data="${sim.kernel.getpid()}" ok`)).toBeGreaterThan(refused);
    expect(writes.indexOf(`path=${scope}/cgroup.subtree_control data="+memory" ok`)).toBeGreaterThan(refused);
    expect(writes.some((w) => w.includes('/memory.max data="67108864" ok'))).toBe(true);
    expect(sim.kernel.readFile('/proc/self/cgroup').trim()).toBe(`0::${scope.slice('/sys/fs/cgroup'.length)}/glassbox-supervisor`);
    expect(sim.kernel.readdir(scope).filter((name) => name.startsWith('glassbox-') && name !== 'glassbox-supervisor')).toEqual([]);
    expect(leftovers(sim.kernel)).toEqual([]);
  }, 20_000);

  for (const layout of ['v1', 'hybrid'] as const) {
    it(`runs the cgroup lesson on a ${layout} layout with the kernel's answers (OOM 137, EAGAIN at pids.max, throttled)`, async () => {
      const sim = await createBackend('sim', { cgroupLayout: layout });
      const trace = await runLessonHeadless(lesson('cgroups'), { kernel: sim.kernel, launcher: sim.launcher, lang: 'ko' });
      expect(trace.steps.map((s) => s.result.error?.message ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'ok']);
      const facts = Object.fromEntries(trace.steps.map((s) => [s.id, s.result.outcome!.facts]));
      expect(facts.oom).toMatchObject({ exitStatus: 137, oomKilled: true, limitMiB: 32 });
      expect(facts.forks).toMatchObject({ forkErrno: 'EAGAIN', forked: 19, pidsMax: 20, pidsRefused: true });
      expect(facts.cpu).toMatchObject({ cpuShare: 0.5, overQuota: false, throttled: true });
      const view = trace.steps[1]!.result.outcome!.view;
      expect(view).toMatchObject({ kind: 'cgroups', layout, limits: [{ resource: 'memory', v1: 'memory.limit_in_bytes', v2: 'memory.max' }] });
      expect(leftovers(sim.kernel)).toEqual([]);
    }, 20_000);
  }

  it('logs only its own calls while another session uses the same kernel at the same time', async () => {
    const a = await createBackend('sim', { cgroupLayout: 'v2' });
    const b = a;
    const left = openTourSession(lesson('layers'), { kernel: a.kernel, launcher: a.launcher, lang: 'en' });
    const right = openTourSession(lesson('layers'), { kernel: b.kernel, launcher: b.launcher, lang: 'ko' });
    try {
      await Promise.all([left.run(0, () => undefined), right.run(0, () => undefined)]);
      const [l, r] = await Promise.all([left.run(1, () => undefined), right.run(1, () => undefined)]);
      const scratch = (session: typeof left): string => session.ctx.session.get('scratch') as string;
      expect(scratch(left)).not.toBe(scratch(right));
      const paths = (calls: typeof l.calls): string[] => calls.flatMap((c) => c.args.filter((arg) => arg.includes('glassbox-tour-') && !arg.startsWith('prefix=')));
      expect(paths(l.calls).length).toBeGreaterThan(0);
      expect(paths(l.calls).every((arg) => arg.includes(scratch(left)))).toBe(true);
      expect(paths(r.calls).every((arg) => arg.includes(scratch(right)))).toBe(true);
    } finally {
      await Promise.all([left.teardown(), right.teardown()]);
    }
    expect(leftovers(a.kernel)).toEqual([]);
    expect(leftovers(b.kernel)).toEqual([]);
  });

  it('reports a step run out of order as an error with a hint, and refuses to run after teardown', async () => {
    const sim = await createBackend('sim');
    const session = openTourSession(lesson('overlayfs'), { kernel: sim.kernel, launcher: sim.launcher, lang: 'en' });
    const copyUp = lesson('overlayfs').steps.findIndex((s) => s.id === 'copy-up');
    const result = await session.run(copyUp, () => undefined);
    expect(result.outcome).toBeNull();
    expect(result.error).toMatchObject({ code: 'TOUR_STEP_ORDER', hint: expect.stringMatching(/earlier steps/) });
    await session.teardown();
    await session.teardown();
    await expect(session.run(0, () => undefined)).rejects.toMatchObject({ code: 'TOUR_CLOSED' });
  });

  it('tears down in the middle of a step (q while a workload runs): the step stops, nothing is left', async () => {
    const sim = await createBackend('sim', { cgroupLayout: 'v1' });
    const l = lesson('cgroups');
    const session = openTourSession(l, { kernel: sim.kernel, launcher: sim.launcher, lang: 'en' });
    expect((await session.run(0, () => undefined)).error).toBeUndefined();
    const spin = l.steps.findIndex((s) => s.id === 'cpu');
    let sampled = false;
    const running = session.run(spin, (update) => void (update.view !== undefined && (sampled = true)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    await session.teardown();
    // The 2-second burner was stopped, not waited out.
    expect(performance.now() - started).toBeLessThan(1500);
    await running;
    expect(sampled).toBe(true);
    expect(leftovers(sim.kernel)).toEqual([]);
    for (const controller of ['cpu', 'memory', 'pids']) {
      const own = ownCgroupDir(detectCgroupLayout(sim.kernel), controller)!;
      expect(sim.kernel.readdir(own).filter((name) => name.startsWith('glassbox-')), own).toEqual([]);
    }
  });

  it('plans every step before anything runs, without touching the kernel', async () => {
    const sim = await createBackend('sim');
    for (const l of loadLessons()) {
      const session = openTourSession(l, { kernel: sim.kernel, launcher: sim.launcher, lang: 'en' });
      for (const index of l.steps.keys()) expect(session.plan(index).length, `${l.id} step ${index}`).toBeGreaterThan(0);
      await session.teardown();
    }
    expect(leftovers(sim.kernel)).toEqual([]);
  });
});

describe('tour context', () => {
  it('undoes in reverse order, once, and goes on past a failing undo', async () => {
    const sim = await createBackend('sim');
    const done: string[] = [];
    const owned = createTourContext({ kernel: sim.kernel, launcher: sim.launcher, lang: 'en', workdir: '/nonexistent' });
    owned.ctx.defer('first', () => void done.push('first'));
    owned.ctx.defer('broken', () => {
      throw new Error('already gone');
    });
    owned.ctx.defer('last', async () => void done.push('last'));
    const [failures, again] = await Promise.all([owned.teardown(), owned.teardown()]);
    expect(done).toEqual(['last', 'first']);
    expect(failures).toEqual(['broken: already gone']);
    expect(again).toBe(failures);
    expect(owned.ctx.signal.aborted).toBe(true);
  });
});

describe('abandoned workdirs', () => {
  it('removes the workdir of a tour whose process is gone, and keeps a live one and a foreign one', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-sweep-'));
    try {
      const dead = path.join(tmp, 'glassbox-tour-dead00');
      const live = path.join(tmp, 'glassbox-tour-live00');
      const foreign = path.join(tmp, 'glassbox-tour-other0');
      for (const dir of [dead, live, foreign]) fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
      // A pid far above pid_max: no such process.
      fs.writeFileSync(path.join(dead, 'owner.json'), JSON.stringify({ pid: 2 ** 30, startTime: '1' }));
      fs.writeFileSync(path.join(live, 'owner.json'), JSON.stringify({ pid: process.pid, startTime: undefined }));
      expect(sweepAbandonedWorkdirs(tmp)).toEqual([dead]);
      expect(fs.readdirSync(tmp).sort()).toEqual(['glassbox-tour-live00', 'glassbox-tour-other0']);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

