import { describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import type { Kernel } from '../../src/kernel/types.js';
import { detectCgroupLayout, ownCgroupDir } from '../../src/observe/cgroup-layout.js';

/**
The simulated v2 host as a learner has it when glassbox is started the recommended way
(`systemd-run --scope -p Delegate=yes`): glassbox alone in a scope whose controllers were handed to
it, and the kernel's v2 rules on that scope (Documentation/admin-guide/cgroup-v2.rst).
*/
const ROOT = '/sys/fs/cgroup';

function delegated(): { k: Kernel; scope: string } {
  const k = createSimKernel({ cgroupLayout: 'v2' });
  const own = k.readFile('/proc/self/cgroup').trim();
  expect(own.startsWith('0::/')).toBe(true);
  return { k, scope: `${ROOT}${own.slice(3)}` };
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

/** Moves glassbox into a leaf of its scope and hands the controllers down, as src/container/cgroups.ts does. */
function handDown(k: Kernel, scope: string, controllers: string): string {
  k.mkdir(`${scope}/supervisor`);
  k.writeFile(`${scope}/supervisor/cgroup.procs`, String(k.getpid()));
  k.writeFile(`${scope}/cgroup.subtree_control`, controllers);
  return `${scope}/supervisor`;
}

describe('simulated cgroup v2, glassbox in a delegated scope', () => {
  it('runs glassbox alone in a system.slice scope whose cgroup.controllers lists the delegated controllers', () => {
    const { k, scope } = delegated();
    expect(scope).toMatch(/^\/sys\/fs\/cgroup\/system\.slice\/run-[\w-]+\.scope$/);
    expect(lines(k.readFile(`${scope}/cgroup.procs`))).toEqual([String(k.getpid())]);
    expect(k.readFile(`${scope}/cgroup.controllers`).trim().split(' ')).toEqual(expect.arrayContaining(['cpu', 'io', 'memory', 'pids']));
    // systemd enabled them in the slice above; the scope's own subtree_control is the delegate's to write.
    expect(k.readFile(`${ROOT}/system.slice/cgroup.subtree_control`).trim().split(' ')).toEqual(expect.arrayContaining(['cpu', 'io', 'memory', 'pids']));
    expect(k.readFile(`${scope}/cgroup.subtree_control`)).toBe('\n');
    expect(k.readdir(scope)).toEqual(expect.arrayContaining(['memory.max', 'memory.events', 'pids.max', 'cpu.max', 'cpu.stat']));
    // The login shell stays in its session: glassbox did not take anyone with it.
    const shell = lines(k.readFile('/proc/1200/cgroup'));
    expect(shell).toEqual(['0::/user.slice/user-0.slice/session-1.scope']);
    const layout = detectCgroupLayout(k);
    expect(layout.kind).toBe('v2');
    expect(ownCgroupDir(layout, 'memory')).toBe(scope);
    expect(layout.hierarchies[0]).toMatchObject({ writable: true, ownSubtreeControl: [] });
  });

  it('keeps the login-session machine on request: glassbox beside its shell, no memory handed to the session', () => {
    const k = createSimKernel({ cgroupLayout: 'v2', cgroupPlacement: 'session' });
    expect(k.readFile('/proc/self/cgroup')).toBe('0::/user.slice/user-0.slice/session-1.scope\n');
    const session = `${ROOT}/user.slice/user-0.slice/session-1.scope`;
    expect(lines(k.readFile(`${session}/cgroup.procs`)).sort()).toEqual(['1200', String(k.getpid())]);
    expect(k.readFile(`${session}/cgroup.controllers`)).toBe('memory pids\n');
    expect(k.readFile(`${ROOT}/system.slice/cgroup.subtree_control`)).toBe('\n');
  });

  it('places glassbox by privilege and by request: nobody stays in its session, v1 takes the scope in every hierarchy', () => {
    // A user's own delegated scope (systemd-run --user) is not modelled: nobody is in the session.
    const nobody = createSimKernel({ cgroupLayout: 'v2', privileged: false });
    expect(nobody.readFile('/proc/self/cgroup')).toBe('0::/user.slice/user-0.slice/session-1.scope\n');
    const v1 = createSimKernel({ cgroupLayout: 'v1', cgroupPlacement: 'delegated' });
    const paths = lines(v1.readFile('/proc/self/cgroup')).map((line) => line.split(':')[2]);
    expect(new Set(paths)).toEqual(new Set(['/system.slice/run-u12.scope']));
    expect(lines(v1.readFile('/sys/fs/cgroup/memory/system.slice/run-u12.scope/cgroup.procs'))).toEqual([String(v1.getpid())]);
    // v1 has no no-internal-process rule: a child group takes limits while glassbox stays put.
    v1.mkdir('/sys/fs/cgroup/memory/system.slice/run-u12.scope/box');
    expect(outcome(() => v1.writeFile('/sys/fs/cgroup/memory/system.slice/run-u12.scope/box/memory.limit_in_bytes', '32m'))).toBe('ok');
    v1.rmdir('/sys/fs/cgroup/memory/system.slice/run-u12.scope/box');
  });

  it('refuses domain controllers for the children of a group with processes (EBUSY), threaded ones not', () => {
    const { k, scope } = delegated();
    const write = (dir: string, value: string) => () => k.writeFile(`${dir}/cgroup.subtree_control`, value);
    // cgroup-v2.rst "No Internal Process Constraint": glassbox is in the scope, so no +memory yet.
    expect(outcome(write(scope, '+memory'))).toBe('EBUSY');
    expect(outcome(write(scope, '+io'))).toBe('EBUSY');
    // pids and cpu are threaded controllers: allowed while the scope could still become a thread root.
    expect(outcome(write(scope, '+pids'))).toBe('ok');
    expect(outcome(write(scope, '+cpu'))).toBe('ok');
    expect(outcome(write(scope, '+hugetlb'))).toBe('ENOENT'); // not delegated: not in cgroup.controllers
    expect(k.readFile(`${scope}/cgroup.subtree_control`)).toBe('cpu pids\n');
    // Alone in the scope, glassbox may move itself to a leaf; then the scope holds no process.
    const leaf = handDown(k, scope, '+memory +io');
    expect(k.readFile(`${scope}/cgroup.subtree_control`)).toBe('cpu io memory pids\n');
    expect(k.readFile(`${scope}/cgroup.procs`)).toBe('');
    expect(k.readFile(`${leaf}/cgroup.procs`)).toBe(`${k.getpid()}\n`);
    // A group that hands domain controllers down takes no process back.
    expect(outcome(() => k.writeFile(`${scope}/cgroup.procs`, String(k.getpid())))).toBe('EBUSY');
    // The leaf holds glassbox: it may not hand memory further down.
    expect(outcome(write(leaf, '+memory'))).toBe('EBUSY');
    // A controller a child still hands down cannot be taken from it.
    k.mkdir(`${scope}/box`);
    k.writeFile(`${scope}/box/cgroup.subtree_control`, '+memory');
    expect(outcome(write(scope, '-memory'))).toBe('EBUSY');
    k.writeFile(`${scope}/box/cgroup.subtree_control`, '-memory');
    expect(outcome(write(scope, '-memory'))).toBe('ok');
    expect(k.readdir(`${scope}/box`)).not.toContain('memory.max');
    k.rmdir(`${scope}/box`);
  });

  it('counts an OOM kill in memory.events when memory.max drops below what a group uses', async () => {
    const { k, scope } = delegated();
    handDown(k, scope, '+memory');
    const box = `${scope}/box`;
    k.mkdir(box);
    expect(k.readFile(`${box}/memory.max`)).toBe('max\n');
    const child = k.spawn(['sleep', '100']);
    try {
      k.writeFile(`${box}/cgroup.procs`, String(child.pid));
      // Charges stay where they were made (the supervisor leaf): a fresh child is charged in box.
      k.writeFile(`${box}/cgroup.procs`, String(k.getpid()));
      const charged = k.spawn(['sleep', '100']);
      k.writeFile(`${scope}/supervisor/cgroup.procs`, String(k.getpid()));
      const used = Number(k.readFile(`${box}/memory.current`));
      expect(used).toBeGreaterThan(0);
      k.writeFile(`${box}/memory.max`, String(used - 4096));
      expect(await charged.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const events = Object.fromEntries(lines(k.readFile(`${box}/memory.events`)).map((line) => line.split(' ')));
      expect(events).toMatchObject({ max: '1', oom: '1', oom_kill: '1' });
      // The other process's memory is charged to the leaf it came from: out of the OOM killer's reach.
      expect(outcome(() => k.kill(child.pid, 0))).toBe('ok');
    } finally {
      k.kill(child.pid, 'SIGKILL');
      await child.exited;
    }
    k.rmdir(box);
    expect(k.readdir(scope)).not.toContain('box');
  });

  it('refuses a fork past pids.max with EAGAIN and counts it in pids.events', async () => {
    const { k, scope } = delegated();
    const leaf = handDown(k, scope, '+pids');
    const capped = `${scope}/capped`;
    k.mkdir(capped);
    k.writeFile(`${capped}/pids.max`, '2');
    k.writeFile(`${capped}/cgroup.procs`, String(k.getpid()));
    const child = k.spawn(['sleep', '100']);
    try {
      expect(k.readFile(`${capped}/pids.current`)).toBe('2\n');
      expect(outcome(() => k.spawn(['true']))).toBe('EAGAIN');
      expect(k.readFile(`${capped}/pids.events`)).toBe('max 1\n');
    } finally {
      k.writeFile(`${leaf}/cgroup.procs`, String(k.getpid()));
      k.kill(child.pid, 'SIGKILL');
      await child.exited;
    }
    expect(k.readFile(`${capped}/pids.current`)).toBe('0\n');
    // The scope's own pids.events counts refusals only for its own limit.
    expect(k.readFile(`${scope}/pids.events`)).toBe('max 0\n');
    k.rmdir(capped);
  });

  it('parses cpu.max and reports throttling fields in cpu.stat only where cpu is enabled', () => {
    const { k, scope } = delegated();
    handDown(k, scope, '+pids');
    k.mkdir(`${scope}/nocpu`);
    expect(k.readdir(`${scope}/nocpu`)).not.toContain('cpu.max');
    expect(k.readFile(`${scope}/nocpu/cpu.stat`)).not.toContain('nr_throttled');
    k.writeFile(`${scope}/cgroup.subtree_control`, '+cpu');
    expect(k.readFile(`${scope}/nocpu/cpu.max`)).toBe('max 100000\n');
    k.writeFile(`${scope}/nocpu/cpu.max`, '50000 100000');
    expect(k.readFile(`${scope}/nocpu/cpu.max`)).toBe('50000 100000\n');
    expect(outcome(() => k.writeFile(`${scope}/nocpu/cpu.max`, '500 100000'))).toBe('EINVAL');
    const stat = Object.fromEntries(lines(k.readFile(`${scope}/nocpu/cpu.stat`)).map((line) => line.split(' ')));
    expect(stat).toMatchObject({ nr_periods: '0', nr_throttled: '0', throttled_usec: '0' });
    k.rmdir(`${scope}/nocpu`);
  });
});
