/**
The cgroup files glassbox reads and writes, v1 and v2 names side by side: one table
for the cgroup code (which name to use on this layout) and for the tour (showing both).
Written values are plain decimal bytes, pids or microseconds unless `unlimited` says otherwise.
*/
export interface CgroupFileSpec {
  /** The controller whose hierarchy holds the files; null for core files present everywhere. */
  controller: string | null;
  v1: readonly string[];
  v2: readonly string[];
  /** What is written for "no limit"; null if the file is not a limit. */
  unlimited: { v1: string; v2: string } | null;
  about: string;
}

export const CGROUP_FILES = {
  procs: {
    controller: null,
    v1: ['cgroup.procs'],
    v2: ['cgroup.procs'],
    unlimited: null,
    about: 'write a pid to move the process (all its threads) into the group',
  },
  memoryLimit: {
    controller: 'memory',
    v1: ['memory.limit_in_bytes'],
    v2: ['memory.max'],
    // v1 reads back "no limit" as 9223372036854771712 (the largest page-aligned value), not -1.
    unlimited: { v1: '-1', v2: 'max' },
    about: 'hard memory limit in bytes (docker --memory); above it the kernel reclaims, then OOM-kills',
  },
  memorySwapLimit: {
    controller: 'memory',
    v1: ['memory.memsw.limit_in_bytes'],
    v2: ['memory.swap.max'],
    unlimited: { v1: '-1', v2: 'max' },
    // The meanings differ: v1 limits memory+swap together, v2 limits swap alone.
    about: 'v1: memory plus swap; v2: swap only (docker --memory-swap is the v1 meaning)',
  },
  memoryUsage: {
    controller: 'memory',
    v1: ['memory.usage_in_bytes'],
    v2: ['memory.current'],
    unlimited: null,
    about: 'memory charged to the group now, in bytes',
  },
  memoryPeak: {
    controller: 'memory',
    v1: ['memory.max_usage_in_bytes'],
    v2: ['memory.peak'],
    unlimited: null,
    about: 'highest usage seen, in bytes (memory.peak since Linux 5.19)',
  },
  oomEvents: {
    controller: 'memory',
    v1: ['memory.oom_control'],
    v2: ['memory.events'],
    unlimited: null,
    about: 'v1: under_oom and oom_kill (4.13+) counters; v2: oom and oom_kill counters',
  },
  cpuLimit: {
    controller: 'cpu',
    v1: ['cpu.cfs_quota_us', 'cpu.cfs_period_us'],
    v2: ['cpu.max'],
    // docker --cpus=1.5 → v1 quota 150000 with period 100000; v2 "150000 100000" in one file.
    unlimited: { v1: '-1', v2: 'max' },
    about: 'CPU time the group may use per period, in microseconds (docker --cpus)',
  },
  cpuWeight: {
    controller: 'cpu',
    v1: ['cpu.shares'],
    v2: ['cpu.weight'],
    unlimited: null,
    about: 'relative share under contention: v1 default 1024, v2 default 100 (docker --cpu-shares)',
  },
  cpuStat: {
    controller: 'cpu',
    v1: ['cpu.stat'],
    v2: ['cpu.stat'],
    unlimited: null,
    about: 'nr_periods, nr_throttled and time throttled (v1 throttled_time in ns, v2 throttled_usec)',
  },
  pidsLimit: {
    controller: 'pids',
    v1: ['pids.max'],
    v2: ['pids.max'],
    unlimited: { v1: 'max', v2: 'max' },
    about: 'most tasks (processes and threads) the group may hold; fork fails with EAGAIN (docker --pids-limit)',
  },
  pidsCurrent: {
    controller: 'pids',
    v1: ['pids.current'],
    v2: ['pids.current'],
    unlimited: null,
    about: 'tasks in the group now',
  },
  pidsEvents: {
    controller: 'pids',
    v1: ['pids.events'],
    v2: ['pids.events'],
    unlimited: null,
    about: '"max N": how many forks pids.max refused',
  },
  cpusetCpus: {
    controller: 'cpuset',
    // v1 quirk: a new child's cpuset.cpus and cpuset.mems start empty (unless the parent has
    // cgroup.clone_children=1), and moving a task in fails with ENOSPC until both are set.
    v1: ['cpuset.cpus', 'cpuset.mems'],
    v2: ['cpuset.cpus', 'cpuset.mems'],
    unlimited: null,
    about: 'CPUs and memory nodes the group may run on (docker --cpuset-cpus)',
  },
  freeze: {
    controller: 'freezer',
    // v2 has no freezer controller: cgroup.freeze is a core file of every non-root group.
    v1: ['freezer.state'],
    v2: ['cgroup.freeze'],
    unlimited: null,
    about: 'v1: write FROZEN or THAWED; v2: write 1 or 0 (docker pause)',
  },
} as const satisfies Record<string, CgroupFileSpec>;

export type CgroupFileKey = keyof typeof CGROUP_FILES;

/** The file names for one purpose on one cgroup version. */
export function cgroupFileNames(key: CgroupFileKey, version: 1 | 2): readonly string[] {
  const spec: CgroupFileSpec = CGROUP_FILES[key];
  return version === 1 ? spec.v1 : spec.v2;
}

/**
The controller a purpose needs on a version: `controller`, except that v2 freezes with
a core file (there is no v2 freezer controller).
*/
export function cgroupFileController(key: CgroupFileKey, version: 1 | 2): string | null {
  if (version === 2 && key === 'freeze') return null;
  return CGROUP_FILES[key].controller;
}
