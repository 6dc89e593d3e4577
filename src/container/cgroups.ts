import { ERRNO } from '../kernel/errno.js';
import { SyscallError } from '../kernel/errors.js';
import type { Kernel } from '../kernel/types.js';
import { GlassboxError, withContext } from '../errors.js';
import { CGROUP_FILES } from '../observe/cgroup-files.js';
import type { CgroupLayout } from '../observe/cgroup-layout.js';
import type { CgroupPlan } from './cgroup-plan.js';

/**
Applies a CgroupPlan through the Kernel interface (so the simulation can follow):
create the groups and write the limits, place the process before it is released,
read what happened after it exited, and remove the groups.
*/
function isErrno(error: unknown, errno: number): boolean {
  return SyscallError.isSyscallError(error) && error.errno === errno;
}

/** Creates every group and writes its limits; on failure removes what it made and throws. */
export function applyCgroups(kernel: Kernel, plan: CgroupPlan): void {
  const made: string[] = [];
  try {
    for (const group of plan.groups) {
      for (const controller of group.enable) {
        try {
          enableController(kernel, group.ownDir, controller);
        } catch (error) {
          // v2's "no internal processes": our own group holds processes (us), so it may not hand controllers down.
          throw new GlassboxError('RUN_CGROUP_DELEGATION', `cannot enable ${controller} for child groups of ${group.ownDir}`, {
            kind: 'environment',
            hint: 'run glassbox in a cgroup of its own whose subtree_control already has the controller (systemd-run --scope -p Delegate=yes)',
            cause: error,
          });
        }
      }
      kernel.mkdir(group.dir, 0o755);
      made.push(group.dir);
      for (const write of group.writes) {
        try {
          kernel.writeFile(`${group.dir}/${write.file}`, write.value);
        } catch (error) {
          if (write.optional === true && isErrno(error, ERRNO.ENOENT)) continue;
          throw error;
        }
      }
    }
  } catch (error) {
    for (const dir of made.reverse()) {
      try {
        kernel.rmdir(dir);
      } catch {
        // best effort: the original error is what the caller needs
      }
    }
    throw withContext(`setting up cgroup ${plan.name}`, error);
  }
}

/** The leaf glassbox moves itself into on cgroup v2, so that its own group may hand controllers down. */
export const SUPERVISOR_CGROUP = 'glassbox-supervisor';

/**
cgroup v2's "no internal processes" rule: a group holding processes cannot enable controllers
for its children (EBUSY). When the only process in our group is glassbox itself (a delegated
scope: systemd-run --scope -p Delegate=yes), move it into a leaf child first, as runtimes do on
a delegated subtree; never move a process we did not start.
*/
function enableController(kernel: Kernel, ownDir: string, controller: string): void {
  const enable = (): void => kernel.writeFile(`${ownDir}/cgroup.subtree_control`, `+${controller}`);
  try {
    enable();
  } catch (error) {
    if (!isErrno(error, ERRNO.EBUSY)) throw error;
    const members = kernel.readFile(`${ownDir}/cgroup.procs`).split('\n').filter((line) => line.trim() !== '');
    if (members.length === 0 || members.some((pid) => Number(pid) !== kernel.getpid())) throw error;
    const leaf = `${ownDir}/${SUPERVISOR_CGROUP}`;
    try {
      kernel.mkdir(leaf, 0o755);
    } catch (mkdirError) {
      if (!isErrno(mkdirError, ERRNO.EEXIST)) throw mkdirError;
    }
    kernel.writeFile(`${leaf}/cgroup.procs`, String(kernel.getpid()));
    enable();
  }
}

/**
The cgroup.procs through which gbx-run keeps the kernel's cgroup lock warm while it waits for
Node (LaunchOptions.warmCgroup; native/gbx-run.c, keep_cgroups_warm, says why): that of the first
v1 group glassbox is in, which is gbx-run's too. Only on the real kernel, and only v1: on v2
glassbox may move itself into a leaf (SUPERVISOR_CGROUP) after gbx-run started, and a write to
its old group would move gbx-run out of where glassbox is.
*/
export function warmCgroupTarget(kernel: Kernel, layout: CgroupLayout): string | undefined {
  if (kernel.backend !== 'linux') return undefined;
  const own = layout.hierarchies.find((hierarchy) => hierarchy.version === 1 && hierarchy.ownDir !== null);
  return own === undefined ? undefined : `${own.ownDir}/cgroup.procs`;
}

/** Moves pid into every group: done while gbx-run holds the child, before it runs anything. */
export function placeInCgroups(kernel: Kernel, plan: CgroupPlan, pid: number): void {
  for (const group of plan.groups) kernel.writeFile(`${group.dir}/cgroup.procs`, String(pid));
}

export interface CgroupOutcome {
  /** The kernel's oom_kill counter of the memory group: processes the OOM killer killed. */
  oomKills: number;
  /** pids.events "max": forks refused by pids.max. */
  pidsRefused: number;
}

function counter(text: string, key: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${key} `));
  return line === undefined ? 0 : Number(line.slice(key.length + 1));
}

/** Read after the process exited, before the groups are removed. */
export function readCgroupOutcome(kernel: Kernel, plan: CgroupPlan): CgroupOutcome {
  const outcome: CgroupOutcome = { oomKills: 0, pidsRefused: 0 };
  for (const group of plan.groups) {
    if (group.controllers.includes('memory')) {
      const file = group.version === 1 ? CGROUP_FILES.oomEvents.v1[0] : CGROUP_FILES.oomEvents.v2[0];
      // v1 memory.oom_control: "oom_kill_disable 0\nunder_oom 0\noom_kill 1" (oom_kill since 4.13).
      outcome.oomKills = counter(kernel.readFile(`${group.dir}/${file}`), 'oom_kill');
    }
    if (group.controllers.includes('pids')) {
      outcome.pidsRefused = counter(kernel.readFile(`${group.dir}/${CGROUP_FILES.pidsEvents.v2[0]}`), 'max');
    }
  }
  return outcome;
}

/** SIGKILLs whatever is left in the groups (a container without its own pid namespace can leave some). */
export function killCgroupProcesses(kernel: Kernel, plan: CgroupPlan): number {
  let killed = 0;
  for (const group of plan.groups) {
    let text: string;
    try {
      text = kernel.readFile(`${group.dir}/cgroup.procs`);
    } catch (error) {
      if (isErrno(error, ERRNO.ENOENT)) continue;
      throw error;
    }
    for (const pid of text.split('\n').filter(Boolean).map(Number)) {
      try {
        kernel.kill(pid, 'SIGKILL');
        killed++;
      } catch (error) {
        if (!isErrno(error, ERRNO.ESRCH)) throw error;
      }
    }
  }
  return killed;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
rmdir each group; EBUSY while the last tasks are still exiting (a killed process
leaves its cgroup only once fully reaped), so retry for a while. Already gone is fine.
*/
export async function removeCgroups(kernel: Kernel, plan: CgroupPlan, options: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? 5000);
  for (const group of [...plan.groups].reverse()) {
    for (let attempt = 0; ; attempt++) {
      try {
        kernel.rmdir(group.dir);
        break;
      } catch (error) {
        if (isErrno(error, ERRNO.ENOENT)) break;
        if (!isErrno(error, ERRNO.EBUSY) || performance.now() > deadline) throw withContext(`removing cgroup ${group.dir}`, error);
        if (attempt > 0 && attempt % 20 === 0) killCgroupProcesses(kernel, plan);
        await sleep(Math.min(50, 2 + attempt * 2));
      }
    }
  }
}
