import { ERRNO } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import { memoryUsage, processesIn, readPidsMax, readProcs, writePidsMax, writeProcs, type CgroupFile } from './cgroup-core.js';
import { PAGE_SIZE, formatCpuList, kstrtoll, kstrtoull, parseCpuList, parseMemoryLimit, strip } from './cgroup-parse.js';
import { CAP, hasCap } from './access.js';
import type { CgroupNode } from './cgroup-tree.js';

/** cgroup v1 interface files (Documentation/admin-guide/cgroup-v1/), as a 6.x kernel has them. */

const count = (cg: CgroupNode, name: string): number => cg.counters.get(name) ?? 0;
const setting = (cg: CgroupNode, name: string, fallback: string): string => cg.settings.get(name) ?? fallback;
/** The largest v1 memory limit as read back: PAGE_COUNTER_MAX pages in bytes. */
const V1_MEMORY_MAX = String((0x7fffffffffffffffn / PAGE_SIZE) * PAGE_SIZE);

function flagFile(name: string, scope: CgroupFile['scope'] = 'all'): CgroupFile {
  return {
    name,
    mode: 0o644,
    scope,
    read: (cg) => `${setting(cg, name, '0')}\n`,
    // write_u64 handlers: any number; non-zero sets the flag.
    write: (cg, text) => cg.settings.set(name, kstrtoull(text) === 0n ? '0' : '1'),
  };
}

export const V1_CORE_FILES: CgroupFile[] = [
  flagFile('cgroup.clone_children'),
  { name: 'cgroup.procs', mode: 0o644, scope: 'all', read: readProcs, write: writeProcs },
  { name: 'cgroup.sane_behavior', mode: 0o444, scope: 'root', read: () => '0\n' },
  flagFile('notify_on_release'),
  {
    name: 'release_agent',
    mode: 0o644,
    scope: 'root',
    read: (cg) => `${setting(cg, 'release_agent', '')}\n`,
    // CVE-2022-0492: only CAP_SYS_ADMIN in the initial user namespace may set the release agent.
    write: (cg, text, _host, caller) => {
      if (!hasCap(caller, CAP.CAP_SYS_ADMIN)) throw new ErrnoFailure(ERRNO.EPERM);
      cg.settings.set('release_agent', strip(text));
    },
  },
  { name: 'tasks', mode: 0o644, scope: 'all', read: readProcs, write: writeProcs },
];

/** memory.limit_in_bytes: `-1` or a size; EINVAL on the root; EBUSY below the current usage. */
function writeMemoryLimit(cg: CgroupNode, text: string, host: Parameters<NonNullable<CgroupFile['write']>>[2]): void {
  if (cg.parent === null) throw new ErrnoFailure(ERRNO.EINVAL);
  const bytes = parseMemoryLimit(text, '-1') * PAGE_SIZE;
  if (BigInt(memoryUsage(cg, host)) > bytes) throw new ErrnoFailure(ERRNO.EBUSY);
  cg.settings.set('memory.limit_in_bytes', String(bytes));
}

function quotaFile(): CgroupFile {
  return {
    name: 'cpu.cfs_quota_us',
    mode: 0o644,
    scope: 'all',
    read: (cg) => `${setting(cg, 'cpu.cfs_quota_us', '-1')}\n`,
    write: (cg, text) => {
      // write_s64 handlers take the text as written: a trailing newline, but no other spaces.
      const quota = kstrtoll(text);
      // sched: no bandwidth control on the root group; a quota must be at least 1ms; negative means none.
      if (cg.parent === null) throw new ErrnoFailure(ERRNO.EINVAL);
      if (quota >= 0n && quota < 1000n) throw new ErrnoFailure(ERRNO.EINVAL);
      cg.settings.set('cpu.cfs_quota_us', quota < 0n ? '-1' : String(quota));
    },
  };
}

function periodFile(): CgroupFile {
  return {
    name: 'cpu.cfs_period_us',
    mode: 0o644,
    scope: 'all',
    read: (cg) => `${setting(cg, 'cpu.cfs_period_us', '100000')}\n`,
    write: (cg, text) => {
      const period = kstrtoull(text);
      if (cg.parent === null || period < 1000n || period > 1000000n) throw new ErrnoFailure(ERRNO.EINVAL);
      cg.settings.set('cpu.cfs_period_us', String(period));
    },
  };
}

function cpusetFile(name: 'cpuset.cpus' | 'cpuset.mems'): CgroupFile {
  return {
    name,
    mode: 0o644,
    scope: 'all',
    read: (cg, host) => `${cg.parent === null ? (name === 'cpuset.cpus' ? formatCpuList([...Array(host.cpuCount).keys()]) : '0') : setting(cg, name, '')}\n`,
    write: (cg, text, host) => {
      // cpuset(7): the top cpuset cannot be changed (EACCES); a child's set must lie within its parent's.
      if (cg.parent === null) throw new ErrnoFailure(ERRNO.EACCES);
      const limit = name === 'cpuset.cpus' ? host.cpuCount : 1;
      const ids = parseCpuList(text, limit);
      if (ids.length === 0 && processesIn(cg, host).length > 0) throw new ErrnoFailure(ERRNO.ENOSPC);
      cg.settings.set(name, formatCpuList(ids));
    },
  };
}

/** A write_s64 file that keeps a number within bounds (EINVAL outside). */
function numberFile(name: string, fallback: string, min: bigint, max: bigint): CgroupFile {
  return {
    name,
    mode: 0o644,
    scope: 'all',
    read: (cg) => `${setting(cg, name, fallback)}\n`,
    write: (cg, text) => {
      const value = kstrtoll(text);
      if (value < min || value > max) throw new ErrnoFailure(ERRNO.EINVAL);
      cg.settings.set(name, String(value));
    },
  };
}

/**
The deprecated and rarely used memory files a 6.x kernel still lists: kmem limits are accepted and
ignored, memsw limits may not go below the memory limit, charge moving is refused (EINVAL), and the
event files are there for eventfd registration only (EINVAL when read).
*/
function legacyMemoryFiles(): CgroupFile[] {
  const zero = (name: string, mode = 0o644): CgroupFile => ({ name, mode, scope: 'all', read: () => '0\n', write: mode === 0o644 ? () => undefined : undefined });
  const limit = (name: string): CgroupFile => ({
    name,
    mode: 0o644,
    scope: 'all',
    read: () => `${V1_MEMORY_MAX}\n`,
    write: (_cg, text) => void parseMemoryLimit(text, '-1'),
  });
  return [
    { name: 'cgroup.event_control', mode: 0o200, scope: 'all', write: () => {
      throw new ErrnoFailure(ERRNO.EINVAL);
    } },
    zero('memory.kmem.failcnt'),
    limit('memory.kmem.limit_in_bytes'),
    zero('memory.kmem.max_usage_in_bytes'),
    { name: 'memory.kmem.slabinfo', mode: 0o444, scope: 'all', read: () => '' },
    zero('memory.kmem.tcp.failcnt'),
    limit('memory.kmem.tcp.limit_in_bytes'),
    zero('memory.kmem.tcp.max_usage_in_bytes'),
    zero('memory.kmem.tcp.usage_in_bytes', 0o444),
    zero('memory.kmem.usage_in_bytes', 0o444),
    zero('memory.memsw.failcnt'),
    {
      name: 'memory.memsw.limit_in_bytes',
      mode: 0o644,
      scope: 'all',
      read: (cg) => `${setting(cg, 'memory.memsw.limit_in_bytes', V1_MEMORY_MAX)}\n`,
      write: (cg, text) => {
        const bytes = parseMemoryLimit(text, '-1') * PAGE_SIZE;
        // cgroup-v1/memory.rst: memory+swap may not be below the memory limit.
        if (cg.parent === null || bytes < BigInt(setting(cg, 'memory.limit_in_bytes', V1_MEMORY_MAX))) throw new ErrnoFailure(ERRNO.EINVAL);
        cg.settings.set('memory.memsw.limit_in_bytes', String(bytes));
      },
    },
    zero('memory.memsw.max_usage_in_bytes'),
    { name: 'memory.memsw.usage_in_bytes', mode: 0o444, scope: 'all', read: (cg, host) => `${memoryUsage(cg, host)}\n` },
    { name: 'memory.move_charge_at_immigrate', mode: 0o644, scope: 'all', read: () => '0\n', write: (_cg, text) => {
      // Deprecated: moving charges is no longer done; only 0 is accepted.
      if (kstrtoull(text) !== 0n) throw new ErrnoFailure(ERRNO.EINVAL);
    } },
    { name: 'memory.numa_stat', mode: 0o444, scope: 'all', read: () => ['total', 'file', 'anon', 'unevictable'].map((k) => `${k}=0 N0=0\n`).join('') + ['total', 'file', 'anon', 'unevictable'].map((k) => `hierarchical_${k}=0 N0=0\n`).join('') },
    { name: 'memory.pressure_level', mode: 0o444, scope: 'all' },
  ];
}

const DEVICE_RULE = /^(a|[cb] (\d+|\*):(\d+|\*) [rwm]{1,3})$/;

function devicesWrite(kind: 'allow' | 'deny'): NonNullable<CgroupFile['write']> {
  return (cg, text) => {
    const rule = strip(text);
    if (!DEVICE_RULE.test(rule)) throw new ErrnoFailure(ERRNO.EINVAL);
    const list = new Set(setting(cg, 'devices.list', 'a *:* rwm').split('\n').filter((l) => l !== ''));
    if (rule === 'a') {
      list.clear();
      if (kind === 'allow') list.add('a *:* rwm');
    } else if (kind === 'allow') list.add(rule);
    else list.delete(rule);
    cg.settings.set('devices.list', [...list].join('\n'));
  };
}

export const V1_CONTROLLER_FILES: Record<string, CgroupFile[]> = {
  memory: [
    { name: 'memory.failcnt', mode: 0o644, scope: 'all', read: (cg) => `${count(cg, 'memory.failcnt')}\n`, write: (cg) => cg.counters.set('memory.failcnt', 0) },
    { name: 'memory.force_empty', mode: 0o200, scope: 'all', write: () => undefined },
    { name: 'memory.limit_in_bytes', mode: 0o644, scope: 'all', read: (cg) => `${setting(cg, 'memory.limit_in_bytes', V1_MEMORY_MAX)}\n`, write: writeMemoryLimit },
    { name: 'memory.max_usage_in_bytes', mode: 0o644, scope: 'all', read: (cg) => `${count(cg, 'memory.peak')}\n`, write: (cg) => cg.counters.set('memory.peak', 0) },
    {
      name: 'memory.oom_control',
      mode: 0o644,
      scope: 'all',
      read: (cg) => `oom_kill_disable ${setting(cg, 'memory.oom_control', '0')}\nunder_oom 0\noom_kill ${count(cg, 'memory.oom_kill')}\n`,
      write: (cg, text) => {
        const value = kstrtoull(text);
        // cgroup-v1/memory.rst: only 0 or 1, and not on the root.
        if (cg.parent === null || value > 1n) throw new ErrnoFailure(ERRNO.EINVAL);
        cg.settings.set('memory.oom_control', String(value));
      },
    },
    { name: 'memory.soft_limit_in_bytes', mode: 0o644, scope: 'all', read: (cg) => `${setting(cg, 'memory.soft_limit_in_bytes', V1_MEMORY_MAX)}\n`, write: (cg, text) => cg.settings.set('memory.soft_limit_in_bytes', String(parseMemoryLimit(text, '-1') * PAGE_SIZE)) },
    { name: 'memory.stat', mode: 0o444, scope: 'all', read: (cg, host) => `cache 0\nrss ${memoryUsage(cg, host)}\nmapped_file 0\nswap 0\ntotal_rss ${memoryUsage(cg, host)}\n` },
    {
      name: 'memory.swappiness',
      mode: 0o644,
      scope: 'all',
      read: (cg) => `${setting(cg, 'memory.swappiness', '60')}\n`,
      write: (cg, text) => {
        const value = kstrtoull(text);
        if (value > 200n) throw new ErrnoFailure(ERRNO.EINVAL);
        cg.settings.set('memory.swappiness', String(value));
      },
    },
    { name: 'memory.usage_in_bytes', mode: 0o444, scope: 'all', read: (cg, host) => `${memoryUsage(cg, host)}\n` },
    // Linux 6.x: hierarchy is always on; writing 0 is refused.
    { name: 'memory.use_hierarchy', mode: 0o644, scope: 'all', read: () => '1\n', write: (_cg, text) => {
      if (kstrtoull(text) !== 1n) throw new ErrnoFailure(ERRNO.EINVAL);
    } },
    ...legacyMemoryFiles(),
  ],
  cpu: [
    quotaFile(),
    periodFile(),
    {
      name: 'cpu.shares',
      mode: 0o644,
      scope: 'all',
      read: (cg) => `${setting(cg, 'cpu.shares', '1024')}\n`,
      // sched: clamped to 2..262144.
      write: (cg, text) => {
        const shares = kstrtoull(text);
        // sched: an idle group has no weight of its own (EINVAL).
        if (setting(cg, 'cpu.idle', '0') === '1') throw new ErrnoFailure(ERRNO.EINVAL);
        cg.settings.set('cpu.shares', String(shares < 2n ? 2n : shares > 262144n ? 262144n : shares));
      },
    },
    // throttled_time in ns (v1); the counters advance as gbx-load spin runs under a quota.
    { name: 'cpu.stat', mode: 0o444, scope: 'all', read: (cg) => `nr_periods ${count(cg, 'cpu.nr_periods')}\nnr_throttled ${count(cg, 'cpu.nr_throttled')}\nthrottled_time ${count(cg, 'cpu.throttled_usec') * 1000}\nnr_bursts 0\nburst_time 0\n` },
    { name: 'cpu.stat.local', mode: 0o444, scope: 'all', read: () => 'throttled_time 0\n' },
    numberFile('cpu.cfs_burst_us', '0', 0n, 0xffffffffn),
    numberFile('cpu.idle', '0', 0n, 1n),
    numberFile('cpu.rt_period_us', '1000000', 1n, 0xffffffffn),
    numberFile('cpu.rt_runtime_us', '0', -1n, 0xffffffffn),
  ],
  cpuacct: [
    { name: 'cpuacct.stat', mode: 0o444, scope: 'all', read: () => 'user 0\nsystem 0\n' },
    { name: 'cpuacct.usage', mode: 0o644, scope: 'all', read: () => '0\n', write: (_cg, text) => {
      if (kstrtoull(text) !== 0n) throw new ErrnoFailure(ERRNO.EINVAL);
    } },
    { name: 'cpuacct.usage_percpu', mode: 0o444, scope: 'all', read: (_cg, host) => `${'0 '.repeat(host.cpuCount)}\n` },
  ],
  cpuset: [
    flagFile('cpuset.cpu_exclusive'),
    cpusetFile('cpuset.cpus'),
    { name: 'cpuset.effective_cpus', mode: 0o444, scope: 'all', read: (cg, host) => `${cg.parent === null ? formatCpuList([...Array(host.cpuCount).keys()]) : setting(cg, 'cpuset.cpus', '')}\n` },
    { name: 'cpuset.effective_mems', mode: 0o444, scope: 'all', read: (cg) => `${cg.parent === null ? '0' : setting(cg, 'cpuset.mems', '')}\n` },
    flagFile('cpuset.mem_exclusive'),
    cpusetFile('cpuset.mems'),
  ],
  devices: [
    { name: 'devices.allow', mode: 0o200, scope: 'all', write: devicesWrite('allow') },
    { name: 'devices.deny', mode: 0o200, scope: 'all', write: devicesWrite('deny') },
    { name: 'devices.list', mode: 0o444, scope: 'all', read: (cg) => `${setting(cg, 'devices.list', 'a *:* rwm')}\n` },
  ],
  freezer: [
    {
      name: 'freezer.state',
      mode: 0o644,
      scope: 'nonroot',
      read: (cg) => `${setting(cg, 'freezer.state', 'THAWED')}\n`,
      write: (cg, text) => {
        const state = strip(text);
        if (state !== 'FROZEN' && state !== 'THAWED') throw new ErrnoFailure(ERRNO.EINVAL);
        cg.settings.set('freezer.state', state);
      },
    },
    { name: 'freezer.self_freezing', mode: 0o444, scope: 'nonroot', read: (cg) => `${setting(cg, 'freezer.state', 'THAWED') === 'FROZEN' ? 1 : 0}\n` },
    { name: 'freezer.parent_freezing', mode: 0o444, scope: 'nonroot', read: () => '0\n' },
  ],
  blkio: ['read_bps_device', 'write_bps_device', 'read_iops_device', 'write_iops_device'].map((name): CgroupFile => ({
    name: `blkio.throttle.${name}`,
    mode: 0o644,
    scope: 'all',
    read: (cg) => setting(cg, `blkio.throttle.${name}`, ''),
    write: (cg, text) => {
      // blkio: "MAJ:MIN VALUE".
      if (!/^\d+:\d+ \d+$/.test(strip(text))) throw new ErrnoFailure(ERRNO.EINVAL);
      cg.settings.set(`blkio.throttle.${name}`, `${strip(text)}\n`);
    },
  })),
  pids: [
    { name: 'pids.current', mode: 0o444, scope: 'nonroot', read: (cg, host) => `${processesIn(cg, host).length}\n` },
    { name: 'pids.events', mode: 0o444, scope: 'nonroot', read: (cg) => `max ${count(cg, 'pids.max')}\n` },
    { name: 'pids.max', mode: 0o644, scope: 'nonroot', read: readPidsMax, write: writePidsMax },
    { name: 'pids.peak', mode: 0o444, scope: 'nonroot', read: (cg) => `${count(cg, 'pids.peak')}\n` },
  ],
};
