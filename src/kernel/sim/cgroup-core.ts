import { ERRNO } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import { controllerActive, descendants, isDescendant, raisePeak, bump, type CgroupNode } from './cgroup-tree.js';
import { kstrtoll, strip } from './cgroup-parse.js';
import type { Caller } from './fs-types.js';
import type { ProcessTable, SimProcess } from './processes.js';
import { SIGNALS } from './signals.js';

/** What cgroup interface files need from the rest of the machine. */
export interface CgroupHost {
  processes: ProcessTable;
  /** Delivers a signal as the kernel does (cgroup.kill, the OOM killer). */
  signal(process: SimProcess, signal: number): void;
  cpuCount: number;
}

/** One interface file: its mode, where it appears, and its handlers (none: EINVAL, as kernfs answers). */
export interface CgroupFile {
  name: string;
  mode: number;
  scope: 'all' | 'root' | 'nonroot';
  read?: (cg: CgroupNode, host: CgroupHost) => string;
  write?: (cg: CgroupNode, text: string, host: CgroupHost, caller: Caller) => void;
}

/** PIDS_MAX: PID_MAX_LIMIT + 1. */
const PIDS_MAX = 4194305n;
const INT_MAX = 2147483647n;
/** v2's threaded controllers may share a group with processes (cgroup-v2.rst, "no internal process"). */
export const THREADED_CONTROLLERS = new Set(['cpu', 'cpuset', 'perf_event', 'pids']);

export function processesIn(cg: CgroupNode, host: CgroupHost): SimProcess[] {
  return host.processes.all().filter((p) => p.state !== 'Z' && isDescendantOf(p, cg));
}

function isDescendantOf(process: SimProcess, cg: CgroupNode): boolean {
  const member = process.cgroups.get(cg.hierarchy);
  return member !== undefined && isDescendant(member, cg);
}

export function memoryUsage(cg: CgroupNode, host: CgroupHost): number {
  let bytes = 0;
  for (const p of host.processes.all()) {
    const charged = p.charges.get(cg.hierarchy);
    if (charged !== undefined && isDescendant(charged, cg)) bytes += p.memoryBytes;
  }
  return bytes;
}

export function readProcs(cg: CgroupNode, host: CgroupHost): string {
  return host.processes.membersOf(cg).map((p) => `${p.pid}\n`).join('');
}

/**
cgroup.procs / tasks: moves the process named by the pid (0: the writer). EINVAL for anything but a
non-negative int, ESRCH for no such process, EINVAL for a kernel thread, then the version's own rules.
*/
export function writeProcs(cg: CgroupNode, text: string, host: CgroupHost, caller: Caller): void {
  let pid: bigint;
  try {
    pid = kstrtoll(strip(text));
  } catch {
    throw new ErrnoFailure(ERRNO.EINVAL);
  }
  if (pid < 0n || pid > INT_MAX) throw new ErrnoFailure(ERRNO.EINVAL);
  const target = host.processes.get(pid === 0n ? caller.pid : Number(pid));
  if (target === undefined || target.state === 'Z') throw new ErrnoFailure(ERRNO.ESRCH);
  if (target.kernelThread) throw new ErrnoFailure(ERRNO.EINVAL);
  if (cg.hierarchy.version === 1) {
    // cgroups(7) v1: the writer's effective uid must be 0 or match the target's uid.
    if (caller.uid !== 0 && caller.uid !== target.uid) throw new ErrnoFailure(ERRNO.EACCES);
    // cpuset(7): ENOSPC when the cpuset has no CPUs or no memory nodes to run on.
    if (cg.parent !== null && cg.hierarchy.controllers.includes('cpuset')) {
      const cpus = cg.settings.get('cpuset.cpus') ?? '';
      const mems = cg.settings.get('cpuset.mems') ?? '';
      if (cpus === '' || mems === '') throw new ErrnoFailure(ERRNO.ENOSPC);
    }
  } else if (cg.parent !== null && cg.subtreeControl.size > 0) {
    // cgroups(7) v2, "no internal processes": EBUSY for a group that hands domain controllers to children.
    const domain = [...cg.subtreeControl].some((name) => !THREADED_CONTROLLERS.has(name));
    const populatedChild = [...cg.children.values()].some((child) => processesIn(child, host).length > 0);
    if (domain || populatedChild) throw new ErrnoFailure(ERRNO.EBUSY);
  }
  target.cgroups.set(cg.hierarchy, cg);
  for (let n: CgroupNode | null = cg; n !== null; n = n.parent) raisePeak(n, 'pids.peak', processesIn(n, host).length);
}

export function readPidsMax(cg: CgroupNode): string {
  return `${cg.settings.get('pids.max') ?? 'max'}\n`;
}

/** pids.max: `max` or an integer 0 ≤ n < PIDS_MAX (kstrtoll: EINVAL for text, ERANGE for overflow). */
export function writePidsMax(cg: CgroupNode, text: string): void {
  const value = strip(text);
  if (value === 'max') {
    cg.settings.set('pids.max', 'max');
    return;
  }
  const limit = kstrtoll(value);
  if (limit < 0n || limit >= PIDS_MAX) throw new ErrnoFailure(ERRNO.EINVAL);
  cg.settings.set('pids.max', String(limit));
}

/**
fork(2): EAGAIN when a pids limit on the way up would be exceeded; counts the event in pids.events of
the group whose limit stopped it.
*/
export function chargeFork(groups: Iterable<CgroupNode>, host: CgroupHost): void {
  for (const start of groups) {
    for (let cg: CgroupNode | null = start; cg !== null; cg = cg.parent) {
      if (cg.parent === null || !controllerActive(cg, 'pids')) continue;
      const limit = cg.settings.get('pids.max') ?? 'max';
      if (limit !== 'max' && processesIn(cg, host).length + 1 > Number(limit)) {
        bump(cg, 'pids.max');
        throw new ErrnoFailure(ERRNO.EAGAIN);
      }
    }
  }
}

export function raisePeaksAfterFork(groups: Iterable<CgroupNode>, host: CgroupHost): void {
  for (const start of groups) {
    for (let cg: CgroupNode | null = start; cg !== null; cg = cg.parent) {
      raisePeak(cg, 'pids.peak', processesIn(cg, host).length);
      raisePeak(cg, 'memory.peak', memoryUsage(cg, host));
    }
  }
}

/** cgroup_mkdir(): a newline in the name is EINVAL; cgroup.max.depth/descendants are EAGAIN. */
export function checkMkdir(parent: CgroupNode, name: string): void {
  if (name.includes('\n')) throw new ErrnoFailure(ERRNO.EINVAL);
  let depth = 1;
  for (let cg: CgroupNode | null = parent; cg !== null; cg = cg.parent, depth += 1) {
    const maxDepth = cg.settings.get('cgroup.max.depth');
    const maxDescendants = cg.settings.get('cgroup.max.descendants');
    if (maxDepth !== undefined && depth > Number(maxDepth)) throw new ErrnoFailure(ERRNO.EAGAIN);
    if (maxDescendants !== undefined && descendants(cg).length - 1 >= Number(maxDescendants)) throw new ErrnoFailure(ERRNO.EAGAIN);
  }
}

/** cgroup_rmdir(): EBUSY while the group has processes or child groups. */
export function checkRmdir(cg: CgroupNode, host: CgroupHost): void {
  if (cg.children.size > 0 || processesIn(cg, host).length > 0) throw new ErrnoFailure(ERRNO.EBUSY);
}

/** Kills every process in a subtree with SIGKILL (cgroup.kill). */
export function killAll(cg: CgroupNode, host: CgroupHost): void {
  for (const p of processesIn(cg, host)) host.signal(p, SIGNALS.SIGKILL!);
}
