import { describe, expect, it } from 'vitest';
import { planCgroups, sharesToWeight } from '../../src/container/cgroup-plan.js';
import { applyCgroups, placeInCgroups, readCgroupOutcome, removeCgroups, warmCgroupTarget } from '../../src/container/cgroups.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import type { Kernel } from '../../src/kernel/types.js';
import type { CgroupHierarchy, CgroupLayout } from '../../src/observe/cgroup-layout.js';
import { detectCgroupLayout } from '../../src/observe/cgroup-layout.js';

function v2Layout(subtreeControl: string[]): CgroupLayout {
  const hierarchy: CgroupHierarchy = {
    version: 2, hierarchyId: 0, mountPoint: '/sys/fs/cgroup', mountRoot: '/', controllers: ['cpu', 'memory', 'pids'],
    name: null, ownPath: '/glassbox.scope', ownDir: '/sys/fs/cgroup/glassbox.scope', ownControllers: ['cpu', 'memory', 'pids'],
    ownSubtreeControl: subtreeControl, writable: true, writableReason: null,
  };
  return { kind: 'v2', hierarchies: [hierarchy] };
}

const limits = { memory: 32 << 20, cpus: 1.5, cpuShares: 512, pidsLimit: 20 };

describe('cgroup plan', () => {
  it('v2: one group below our own, v2 file names and units', () => {
    const plan = planCgroups(v2Layout(['cpu', 'memory', 'pids']), 'abc', { ...limits, memorySwap: 48 << 20 });
    expect(plan.groups).toHaveLength(1);
    const [group] = plan.groups;
    expect(group!.dir).toBe('/sys/fs/cgroup/glassbox.scope/glassbox-abc');
    expect(group!.enable).toEqual([]);
    expect(group!.writes).toEqual([
      { file: 'memory.max', value: String(32 << 20) },
      { file: 'memory.swap.max', value: String(16 << 20) }, // v2 counts swap alone
      { file: 'cpu.max', value: '150000 100000' },
      { file: 'cpu.weight', value: String(sharesToWeight(512)) },
      { file: 'pids.max', value: '20' },
    ]);
  });

  it('v2: controllers our children lack are enabled first', () => {
    expect(planCgroups(v2Layout(['pids']), 'abc', limits).groups[0]!.enable).toEqual(['memory', 'cpu']);
  });

  it('converts cpu shares to weights as runc does', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
  });

  it('refuses a --cgroup-parent that climbs out, and a limit without its controller', () => {
    expect(() => planCgroups(v2Layout(['pids']), 'abc', {}, { parent: '../x' })).toThrow(/cgroup-parent/);
    expect(planCgroups(v2Layout(['pids']), 'abc', {}, { parent: '/app/' }).groups[0]!.dir).toBe('/sys/fs/cgroup/glassbox.scope/app/glassbox-abc');
    const noCpu = v2Layout([]);
    noCpu.hierarchies[0]!.ownControllers = ['memory', 'pids'];
    expect(() => planCgroups(noCpu, 'abc', { cpus: 1 })).toThrow(/no cpu controller in our own cgroup/);
    expect(planCgroups(noCpu, 'abc', {}).groups[0]!.controllers).toEqual(['memory', 'pids']);
  });
});

describe('cgroup driver on the simulated kernel', () => {
  for (const kind of ['v1', 'hybrid'] as const) {
    it(`${kind}: creates groups below our own cgroups, places, reads counters, removes`, async () => {
      const kernel = createSimKernel({ cgroupLayout: kind });
      const layout = detectCgroupLayout(kernel);
      const plan = planCgroups(layout, 'abc', limits);
      expect(plan.groups.map((g) => g.controllers.join())).toEqual(['memory', 'cpu', 'pids']);
      for (const group of plan.groups) expect(group.dir.startsWith(`${group.ownDir}/glassbox-abc`)).toBe(true);
      applyCgroups(kernel, plan);
      const memory = plan.groups[0]!;
      expect(kernel.readFile(`${memory.dir}/memory.limit_in_bytes`).trim()).toBe(String(32 << 20));
      expect(kernel.readFile(`${plan.groups[1]!.dir}/cpu.cfs_quota_us`).trim()).toBe('150000');
      const sleeper = kernel.spawn(['sleep', '100']);
      placeInCgroups(kernel, plan, sleeper.pid);
      expect(kernel.readFile(`${plan.groups[2]!.dir}/cgroup.procs`).trim()).toBe(String(sleeper.pid));
      expect(readCgroupOutcome(kernel, plan)).toEqual({ oomKills: 0, pidsRefused: 0 });
      // Busy while the process is in it: removal waits, then the process exits.
      const removal = removeCgroups(kernel, plan, { timeoutMs: 2000 });
      kernel.kill(sleeper.pid, 'SIGKILL');
      await sleeper.exited;
      await removal;
      for (const group of plan.groups) expect(() => kernel.lstat(group.dir)).toThrow(/ENOENT/);
    });
  }

  it('v2: enabling a controller in a cgroup that holds us is refused, and nothing is left', () => {
    const kernel = createSimKernel({ cgroupLayout: 'v2', cgroupPlacement: 'session' });
    const layout = detectCgroupLayout(kernel);
    const plan = planCgroups(layout, 'abc', { pidsLimit: 5 });
    expect(() => applyCgroups(kernel, plan)).toThrow(/cannot enable \w+ for child groups of/);
    expect(kernel.readdir(plan.groups[0]!.ownDir)).not.toContain('glassbox-abc');
    expect(kernel.readdir(plan.groups[0]!.ownDir)).not.toContain('glassbox-supervisor');
  });

  it('v2: alone in a delegated group, glassbox moves itself into a leaf and hands the controllers down', async () => {
    const kernel = createSimKernel({ cgroupLayout: 'v2', cgroupPlacement: 'session' });
    const own = planCgroups(detectCgroupLayout(kernel), 'abc', { pidsLimit: 5 }).groups[0]!.ownDir;
    // The login shell goes to a scope of its own, leaving glassbox alone (systemd-run --scope -p Delegate=yes).
    const shell = kernel.readFile(`${own}/cgroup.procs`).split('\n').filter((pid) => pid !== '' && Number(pid) !== kernel.getpid());
    expect(shell).toHaveLength(1);
    const other = `${own.slice(0, own.lastIndexOf('/'))}/session-2.scope`;
    kernel.mkdir(other, 0o755);
    kernel.writeFile(`${other}/cgroup.procs`, shell[0]!);

    const plan = planCgroups(detectCgroupLayout(kernel), 'abc', { pidsLimit: 5 });
    expect(plan.groups[0]!.ownDir).toBe(own);
    applyCgroups(kernel, plan);
    expect(kernel.readFile(`${own}/glassbox-supervisor/cgroup.procs`).trim()).toBe(String(kernel.getpid()));
    expect(kernel.readFile(`${plan.groups[0]!.dir}/pids.max`).trim()).toBe('5');
    // Detected again from inside the leaf, the place for containers is still the delegated group.
    expect(planCgroups(detectCgroupLayout(kernel), 'def', { pidsLimit: 5 }).groups[0]!.ownDir).toBe(own);
    await removeCgroups(kernel, plan);
    expect(kernel.readdir(own)).not.toContain('glassbox-abc');
  });
});

describe('warmCgroupTarget: where gbx-run keeps the cgroup lock warm', () => {
  const hierarchy = (version: 1 | 2, ownDir: string | null): CgroupHierarchy => ({
    version, hierarchyId: 1, mountPoint: '/sys/fs/cgroup/x', mountRoot: '/', controllers: [], name: null, ownPath: ownDir === null ? null : '/',
    ownDir, ownControllers: null, ownSubtreeControl: null, writable: true, writableReason: null,
  });
  const linux = { backend: 'linux' } as Kernel;

  it('is the cgroup.procs of the first v1 group glassbox is in, and only on the real kernel', () => {
    const layout: CgroupLayout = { kind: 'hybrid', hierarchies: [hierarchy(2, '/sys/fs/cgroup/unified'), hierarchy(1, null), hierarchy(1, '/sys/fs/cgroup/memory/a'), hierarchy(1, '/sys/fs/cgroup/pids')] };
    expect(warmCgroupTarget(linux, layout)).toBe('/sys/fs/cgroup/memory/a/cgroup.procs');
    // v2 only: glassbox may move itself into a leaf after gbx-run started, so no target.
    expect(warmCgroupTarget(linux, v2Layout(['pids']))).toBeUndefined();
    expect(warmCgroupTarget(createSimKernel({ cgroupLayout: 'v1' }), layout)).toBeUndefined();
  });
});
