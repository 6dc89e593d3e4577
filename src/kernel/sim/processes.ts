import type { ProcessExit } from '../types.js';
import type { CgroupHierarchy, CgroupNode } from './cgroup-tree.js';
import type { MountNamespace } from './mount-table.js';
import type { Namespace, NamespaceSet } from './namespaces.js';
import type { Location } from './path-walk.js';

/** capabilities(7): the five sets of a thread, one bit per capability. */
export interface CapabilitySets {
  inheritable: bigint;
  permitted: bigint;
  effective: bigint;
  bounding: bigint;
  ambient: bigint;
}

/** One resource limit: a number or RLIM_INFINITY. */
export interface RlimitValue {
  soft: number | 'unlimited';
  hard: number | 'unlimited';
}

export type ProcessState = 'R' | 'S' | 'T' | 'Z' | 'I';

/** A process of the model: what /proc/<pid> shows and what signals and cgroups act on. */
export interface SimProcess {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  comm: string;
  argv: string[];
  exe: string;
  uid: number;
  gid: number;
  caps: CapabilitySets;
  noNewPrivs: boolean;
  umask: number;
  cwd: string;
  ns: NamespaceSet;
  mountNs: MountNamespace;
  /** The group it is a member of, per hierarchy. */
  cgroups: Map<CgroupHierarchy, CgroupNode>;
  /** Where its memory was charged, per hierarchy with a memory controller: charges do not move with it. */
  charges: Map<CgroupHierarchy, CgroupNode>;
  memoryBytes: number;
  state: ProcessState;
  kernelThread: boolean;
  /** Clock ticks after boot when it started (field 22 of /proc/<pid>/stat). */
  startTicks: number;
  /** Signals sent while stopped, delivered on SIGCONT (signal(7): a stopped process acts on SIGKILL only). */
  pending?: number[];
  /** Its root directory after chroot(2) or pivot_root(2); absent: the mount namespace's root. */
  root?: Location;
  /** Its number in each pid namespace below the initial one (pid_namespaces(7)); absent: the global pid only. */
  nsPids?: Map<Namespace, number>;
  /** Supplementary groups (setgroups(2)). */
  groups?: number[];
  /** Resource limits set with setrlimit(2), by `docker run --ulimit` name; absent: the host's defaults. */
  rlimits?: Map<string, RlimitValue>;
  /** Open descriptors and what /proc/<pid>/fd shows for them; absent: 0, 1 and 2 on /dev/null. */
  fds?: Map<number, string>;
  /** Resolves `SpawnedProcess.exited`. */
  settle?: (exit: ProcessExit) => void;
  timer?: ReturnType<typeof setTimeout>;
  /** Stops what a running program keeps going (intervals): called once when it ends. */
  onEnd?: () => void;
}

/** Its number in a pid namespace: the global pid in the initial one, undefined where it is not visible. */
export function pidIn(process: SimProcess, ns: Namespace): number | undefined {
  const local = process.nsPids?.get(ns);
  if (local !== undefined) return local;
  return ns.parent === undefined || ns.parent === null ? process.pid : undefined;
}

/** pid_namespaces(7): pid 1 of a namespace below the initial one. */
export function isNamespaceInit(process: SimProcess): boolean {
  return process.nsPids?.get(process.ns.pid) === 1;
}

/**
The process table. A process that ends becomes a zombie at once (it leaves its cgroups then, as
cgroup_exit() does) and is reaped on a later turn of the event loop, the way Node reaps children
before it emits 'exit': so `exited` resolves only when kill(pid, 0) already says ESRCH.
*/
export class ProcessTable {
  private readonly byPid = new Map<number, SimProcess>();
  private nextPid: number;

  constructor(firstFreePid: number) {
    this.nextPid = firstFreePid;
  }

  add(process: SimProcess): void {
    this.byPid.set(process.pid, process);
  }

  /** alloc_pid(): the next number, skipping ones in use. */
  allocatePid(): number {
    while (this.byPid.has(this.nextPid)) this.nextPid += 1;
    return this.nextPid++;
  }

  get(pid: number): SimProcess | undefined {
    return this.byPid.get(pid);
  }

  all(): SimProcess[] {
    return [...this.byPid.values()].sort((a, b) => a.pid - b.pid);
  }

  /** Live members of a group (zombies have left it). */
  membersOf(node: CgroupNode): SimProcess[] {
    return this.all().filter((p) => p.state !== 'Z' && p.cgroups.get(node.hierarchy) === node);
  }

  end(process: SimProcess, exit: ProcessExit): void {
    if (process.state === 'Z') return;
    process.state = 'Z';
    if (process.timer !== undefined) clearTimeout(process.timer);
    process.cgroups.clear();
    process.charges.clear();
    process.memoryBytes = 0;
    const stop = process.onEnd;
    process.onEnd = undefined;
    stop?.();
    // pid_namespaces(7): when the init of a pid namespace ends, the kernel SIGKILLs everyone else in it.
    if (isNamespaceInit(process)) {
      for (const other of this.all()) if (other !== process && other.nsPids?.has(process.ns.pid) === true) this.end(other, { code: null, signal: 'SIGKILL' });
    }
    setImmediate(() => {
      this.byPid.delete(process.pid);
      process.settle?.(exit);
    });
  }
}
