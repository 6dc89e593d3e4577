import { chargeFork, raisePeaksAfterFork, type CgroupHost } from './cgroup-core.js';
import type { Namespace } from './namespaces.js';
import type { ProcessTable, SimProcess } from './processes.js';

/** What a small program like sleep has resident: 64 pages. */
export const PROGRAM_MEMORY = 64 * 4096;

export interface ForkHost extends CgroupHost {
  processes: ProcessTable;
  startTicks(): number;
}

/** The pid namespaces a process is seen in, innermost first, up to (not including) the initial one. */
function pidNamespaces(ns: Namespace): Namespace[] {
  const chain: Namespace[] = [];
  for (let at: Namespace | null | undefined = ns; at !== undefined && at !== null && at.parent !== undefined && at.parent !== null; at = at.parent) chain.push(at);
  return chain;
}

/**
fork(2)/clone(2) of `parent`: pids.max on the way up (EAGAIN, counted in pids.events), then a pid in
every pid namespace from the child's (`childPidNs`, the parent's pid_for_children) up to the initial
one, where alloc_pid() hands out the next free number. The child starts in the parent's cgroups, and
what it allocates from now on is charged there.
*/
export function forkProcess(host: ForkHost, parent: SimProcess, childPidNs: Namespace = parent.ns.pidForChildren): SimProcess {
  chargeFork(parent.cgroups.values(), host);
  const pid = host.processes.allocatePid();
  const nsPids = new Map<Namespace, number>();
  for (const ns of pidNamespaces(childPidNs)) {
    const local = ns.nextPid ?? 1;
    ns.nextPid = local + 1;
    nsPids.set(ns, local);
  }
  const child: SimProcess = {
    ...parent,
    pid,
    ppid: parent.pid,
    ns: { ...parent.ns, pid: childPidNs, pidForChildren: childPidNs },
    caps: { ...parent.caps },
    cgroups: new Map(parent.cgroups),
    charges: new Map(parent.cgroups),
    memoryBytes: PROGRAM_MEMORY,
    state: 'S',
    kernelThread: false,
    startTicks: host.startTicks(),
    settle: undefined,
    timer: undefined,
    onEnd: undefined,
    pending: [],
    ...(nsPids.size > 0 ? { nsPids } : { nsPids: undefined }),
    ...(parent.groups === undefined ? {} : { groups: [...parent.groups] }),
    ...(parent.rlimits === undefined ? {} : { rlimits: new Map(parent.rlimits) }),
    ...(parent.fds === undefined ? {} : { fds: new Map(parent.fds) }),
  };
  host.processes.add(child);
  raisePeaksAfterFork(child.cgroups.values(), host);
  return child;
}
