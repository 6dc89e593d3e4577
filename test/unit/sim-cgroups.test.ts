import { describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import type { Kernel } from '../../src/kernel/types.js';

const SESSION = '/sys/fs/cgroup/user.slice/user-0.slice/session-1.scope';

/** glassbox started from the login shell on a v2 host: it shares the session scope with the shell. */
function v2(): Kernel {
  return createSimKernel({ cgroupLayout: 'v2', cgroupPlacement: 'session' });
}

describe('simulated cgroup v2', () => {
  it('puts glassbox in a session scope below the root, as systemd does', () => {
    const k = v2();
    expect(k.readFile('/proc/self/cgroup')).toBe('0::/user.slice/user-0.slice/session-1.scope\n');
    expect(k.readFile(`${SESSION}/cgroup.procs`).split('\n')).toContain(String(k.getpid()));
    expect(k.readFile(`${SESSION}/cgroup.controllers`)).toBe('memory pids\n');
    expect(k.readFile(`${SESSION}/cgroup.subtree_control`)).toBe('\n');
    expect(k.readFile('/sys/fs/cgroup/cgroup.controllers')).toBe('cpuset cpu io memory hugetlb pids rdma misc\n');
  });

  it('gives children the files of the controllers their parent enables, nothing more', () => {
    const k = v2();
    k.mkdir(`${SESSION}/a`);
    expect(k.readdir(`${SESSION}/a`).some((f) => f.startsWith('pids.') || f.startsWith('memory.max'))).toBe(false);
    k.writeFile(`${SESSION}/cgroup.subtree_control`, '+pids');
    expect(k.readdir(`${SESSION}/a`)).toEqual(expect.arrayContaining(['pids.max', 'pids.current', 'pids.events']));
    expect(k.readFile(`${SESSION}/a/cgroup.controllers`)).toBe('pids\n');
    k.mkdir(`${SESSION}/a/b`);
    expect(k.readdir(`${SESSION}/a/b`).includes('pids.max')).toBe(false);
    k.rmdir(`${SESSION}/a/b`);
    k.rmdir(`${SESSION}/a`);
  });

  it('enforces the no-internal-process rule for domain controllers only', () => {
    const k = v2();
    const write = (value: string) => () => k.writeFile(`${SESSION}/cgroup.subtree_control`, value);
    expect(outcome(write('+cpu'))).toBe('ENOENT');
    expect(outcome(write('+bogus'))).toBe('EINVAL');
    expect(outcome(write('memory'))).toBe('EINVAL');
    // memory is a domain controller and the scope has processes: EBUSY; pids is threaded: fine.
    expect(outcome(write('+memory'))).toBe('EBUSY');
    expect(outcome(write('+pids'))).toBe('ok');
    // Not once a child has processes: the scope could no longer become a thread root.
    expect(outcome(write('-pids'))).toBe('ok');
    k.mkdir(`${SESSION}/busy`);
    const sleeper = k.spawn(['sleep', '1000']);
    k.writeFile(`${SESSION}/busy/cgroup.procs`, String(sleeper.pid));
    expect(outcome(write('+pids'))).toBe('EBUSY');
    k.kill(sleeper.pid, 'SIGKILL');
    k.rmdir(`${SESSION}/busy`);
    expect(outcome(write('+pids'))).toBe('ok');
    // Move ourselves to a leaf, then memory can be handed down too.
    k.mkdir(`${SESSION}/leaf`);
    for (const pid of k.readFile(`${SESSION}/cgroup.procs`).trim().split('\n')) k.writeFile(`${SESSION}/leaf/cgroup.procs`, pid);
    expect(outcome(write('+memory'))).toBe('ok');
    k.mkdir(`${SESSION}/limited`);
    expect(k.readdir(`${SESSION}/limited`)).toEqual(expect.arrayContaining(['memory.max', 'memory.current', 'pids.max']));
    // A group handing domain controllers down takes no processes.
    expect(outcome(() => k.writeFile(`${SESSION}/cgroup.procs`, String(k.getpid())))).toBe('EBUSY');
    // A controller a child still uses cannot be taken away from it.
    k.writeFile(`${SESSION}/limited/cgroup.subtree_control`, '+pids');
    expect(outcome(write('-pids'))).toBe('EBUSY');
  });

  it('parses memory.max, cpu.max and pids.max as the kernel does', () => {
    const k = v2();
    k.writeFile(`${SESSION}/cgroup.subtree_control`, '+pids');
    k.mkdir(`${SESSION}/leaf`);
    k.writeFile(`${SESSION}/leaf/cgroup.procs`, String(k.getpid()));
    k.writeFile(`${SESSION}/leaf/cgroup.procs`, '1200');
    k.writeFile('/sys/fs/cgroup/user.slice/user-0.slice/cgroup.subtree_control', '+pids');
    k.writeFile('/sys/fs/cgroup/cgroup.subtree_control', '+cpu');
    k.writeFile('/sys/fs/cgroup/user.slice/cgroup.subtree_control', '+cpu');
    k.writeFile('/sys/fs/cgroup/user.slice/user-0.slice/cgroup.subtree_control', '+cpu');
    k.writeFile(`${SESSION}/cgroup.subtree_control`, '+memory +cpu');
    const g = `${SESSION}/g`;
    k.mkdir(g);
    const set = (file: string, value: string) => outcome(() => k.writeFile(`${g}/${file}`, value));
    expect(k.readFile(`${g}/memory.max`)).toBe('max\n');
    expect([set('memory.max', '10m'), k.readFile(`${g}/memory.max`)]).toEqual(['ok', '10485760\n']);
    expect([set('memory.max', '100'), k.readFile(`${g}/memory.max`)]).toEqual(['ok', '0\n']);
    expect(set('memory.max', '-1')).toBe('EINVAL');
    expect(set('memory.max', '1x')).toBe('EINVAL');
    expect([set('memory.max', 'max'), k.readFile(`${g}/memory.max`)]).toEqual(['ok', 'max\n']);
    expect(k.readFile(`${g}/cpu.max`)).toBe('max 100000\n');
    expect([set('cpu.max', '50000'), k.readFile(`${g}/cpu.max`)]).toEqual(['ok', '50000 100000\n']);
    expect([set('cpu.max', 'max 20000'), k.readFile(`${g}/cpu.max`)]).toEqual(['ok', 'max 20000\n']);
    expect(set('cpu.max', '500 100000')).toBe('EINVAL');
    expect(set('cpu.max', '50000 2000000')).toBe('EINVAL');
    expect(set('cpu.max', 'lots')).toBe('EINVAL');
    expect(set('cpu.weight', '0')).toBe('ERANGE');
    expect(set('pids.max', '-1')).toBe('EINVAL');
    expect(set('cgroup.kill', '2')).toBe('ERANGE');
    expect(outcome(() => k.readFile(`${g}/cgroup.kill`))).toBe('EINVAL');
    expect(set('cgroup.events', '1')).toBe('EINVAL');
    expect(set('cgroup.type', 'domain')).toBe('EINVAL');
  });

  it('stops a fork at pids.max (EAGAIN) and counts it in pids.events', async () => {
    const k = v2();
    k.writeFile(`${SESSION}/cgroup.subtree_control`, '+pids');
    const g = `${SESSION}/capped`;
    k.mkdir(g);
    k.writeFile(`${g}/pids.max`, '1');
    // glassbox spawns as a child of itself: it moves itself in to have its children counted there.
    k.writeFile(`${g}/cgroup.procs`, String(k.getpid()));
    expect(outcome(() => k.spawn(['true']))).toBe('EAGAIN');
    expect(k.readFile(`${g}/pids.events`)).toBe('max 1\n');
    k.writeFile(`${g}/pids.max`, '2');
    const child = k.spawn(['sleep', '100']);
    expect(k.readFile(`${g}/pids.current`)).toBe('2\n');
    k.kill(child.pid, 'SIGKILL');
    await child.exited;
    expect(k.readFile(`${g}/pids.current`)).toBe('1\n');
  });

  it('keeps charges where they were made and OOM-kills when memory.max drops below the usage', async () => {
    const k = v2();
    // Everyone out of the scope first, so that it may hand memory down.
    k.mkdir(`${SESSION}/self`);
    for (const pid of k.readFile(`${SESSION}/cgroup.procs`).trim().split('\n')) k.writeFile(`${SESSION}/self/cgroup.procs`, pid);
    k.writeFile(`${SESSION}/cgroup.subtree_control`, '+memory');
    const jail = `${SESSION}/jail`;
    k.mkdir(jail);
    k.writeFile(`${jail}/cgroup.procs`, String(k.getpid()));
    const moved = k.spawn(['sleep', '100']);
    const used = Number(k.readFile(`${jail}/memory.current`));
    expect(used).toBeGreaterThan(0);
    k.writeFile(`${SESSION}/self/cgroup.procs`, String(moved.pid));
    expect(Number(k.readFile(`${jail}/memory.current`))).toBe(used);
    const stays = k.spawn(['sleep', '100']);
    k.writeFile(`${jail}/memory.max`, '4096');
    expect(await stays.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(k.readFile(`${jail}/memory.events`)).toContain('oom_kill 1\n');
    // The one that left was out of the OOM killer's reach.
    k.kill(moved.pid, 0);
    k.kill(moved.pid, 'SIGKILL');
    await moved.exited;
  });
});

describe('simulated cgroup v1 and hybrid', () => {
  it('has one hierarchy per controller and glassbox below the root in memory and pids', () => {
    const k = createSimKernel({ cgroupLayout: 'v1' });
    const lines = k.readFile('/proc/self/cgroup').trim().split('\n');
    expect(lines[0]).toBe('9:name=systemd:/user.slice/user-0.slice/session-1.scope');
    expect(lines).toContain('4:memory:/user.slice/user-0.slice/session-1.scope');
    expect(lines).toContain('3:cpuset:/');
    expect(lines.some((l) => l.startsWith('0::'))).toBe(false);
    expect(k.readdir('/sys/fs/cgroup').sort()).toEqual(['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids', 'systemd']);
    expect(k.readFile('/sys/fs/cgroup/pids/release_agent')).toBe('\n');
    expect(outcome(() => k.lstat('/sys/fs/cgroup/pids/user.slice/release_agent'))).toBe('ENOENT');
  });

  it('hybrid adds a cgroup2 mount with only hugetlb', () => {
    const k = createSimKernel({ cgroupLayout: 'hybrid' });
    expect(k.readFile('/sys/fs/cgroup/unified/cgroup.controllers')).toBe('hugetlb\n');
    expect(k.readFile('/proc/self/cgroup').trim().split('\n').at(-1)).toBe('0::/user.slice/user-0.slice/session-1.scope');
  });

  it('refuses a memory limit below the usage (EBUSY) and an empty cpuset (ENOSPC)', () => {
    const k = createSimKernel({ cgroupLayout: 'v1' });
    const mem = '/sys/fs/cgroup/memory/user.slice/user-0.slice/session-1.scope';
    expect(outcome(() => k.writeFile(`${mem}/memory.limit_in_bytes`, '4096'))).toBe('EBUSY');
    expect(outcome(() => k.writeFile('/sys/fs/cgroup/memory/memory.limit_in_bytes', '1g'))).toBe('EINVAL');
    k.mkdir('/sys/fs/cgroup/cpuset/box');
    expect(k.readFile('/sys/fs/cgroup/cpuset/box/cpuset.cpus')).toBe('\n');
    expect(outcome(() => k.writeFile('/sys/fs/cgroup/cpuset/box/cgroup.procs', String(k.getpid())))).toBe('ENOSPC');
    expect(outcome(() => k.writeFile('/sys/fs/cgroup/cpuset/box/cpuset.cpus', '0-2'))).toBe('EINVAL');
    k.writeFile('/sys/fs/cgroup/cpuset/box/cpuset.cpus', '1');
    k.writeFile('/sys/fs/cgroup/cpuset/box/cpuset.mems', '0');
    k.writeFile('/sys/fs/cgroup/cpuset/box/cgroup.procs', String(k.getpid()));
    expect(k.readFile('/proc/self/cgroup')).toContain('3:cpuset:/box\n');
  });
});
