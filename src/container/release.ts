import { ERRNO } from '../kernel/errno.js';
import { SyscallError } from '../kernel/errors.js';
import { MNT } from '../kernel/flags.js';
import type { Kernel } from '../kernel/types.js';
import { readMountInfo } from '../observe/mountinfo.js';
import { teardownOverlay } from '../rootfs/overlay-apply.js';
import { isProcessAlive, type ProcessIdentity } from '../store/process-alive.js';
import { killCgroupProcesses, removeCgroups } from './cgroups.js';
import { fromEarlierBoot, type ContainerState } from './state.js';

/**
Gives back what a container took, in the reverse order of taking it: its processes (only
those whose pid and start time still match the state), its cgroups (after killing what is
left in them), then its root filesystem. Every step is idempotent: a crash halfway through a
release is finished by the next one.
*/
export interface ReleaseOptions {
  /** Keep the upper dir (an exited container keeps its changes for `diff` until `rm`): unmount only. */
  keepFiles?: boolean;
}

export interface ReleaseResult {
  killed: number[];
  cgroupsRemoved: string[];
  unmounted: string[];
  removedDir: string | null;
}

/** SIGKILL to a process we recorded, if it is still that process. */
export function killRecorded(kernel: Kernel, identity: ProcessIdentity | undefined, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  if (identity === undefined || !isProcessAlive(identity)) return false;
  try {
    kernel.kill(identity.pid, signal);
    return true;
  } catch (error) {
    if (SyscallError.isSyscallError(error) && error.errno === ERRNO.ESRCH) return false;
    throw error;
  }
}

export async function releaseResources(kernel: Kernel, state: ContainerState, options: ReleaseOptions = {}): Promise<ReleaseResult> {
  const result: ReleaseResult = { killed: [], cgroupsRemoved: [], unmounted: [], removedDir: null };
  // gbx-run first: its child has PR_SET_PDEATHSIG and follows it. After a reboot the pids
  // (even with a matching start time, counted from boot) belong to others.
  const processes = fromEarlierBoot(state) ? [] : [state.processes.helper, state.processes.init];
  for (const identity of processes) {
    if (killRecorded(kernel, identity)) result.killed.push(identity!.pid);
  }
  if (state.cgroups !== undefined) {
    killCgroupProcesses(kernel, state.cgroups);
    await removeCgroups(kernel, state.cgroups);
    result.cgroupsRemoved.push(...state.cgroups.groups.map((group) => group.dir));
  }
  const plan = state.rootfs?.plan;
  if (plan !== undefined) {
    if (options.keepFiles === true) {
      if (unmountRootfs(kernel, plan.merged)) result.unmounted.push(plan.merged);
    } else {
      const teardown = teardownOverlay(kernel, plan);
      result.unmounted.push(...teardown.unmounted);
      result.removedDir = teardown.removed;
    }
  }
  return result;
}

/**
Unmounts the overlay at `merged` if one is there. The processes are gone by now, so a plain
unmount works; EBUSY means something else holds it (a shell cd'd into it): detach it then,
it goes when they leave.
*/
export function unmountRootfs(kernel: Kernel, merged: string): boolean {
  const mounted = readMountInfo(kernel).some((entry) => entry.mountPoint === merged && entry.fsType === 'overlay');
  if (!mounted) return false;
  try {
    kernel.umount(merged);
  } catch (error) {
    if (!(SyscallError.isSyscallError(error) && error.errno === ERRNO.EBUSY)) throw error;
    kernel.umount(merged, MNT.MNT_DETACH);
  }
  return true;
}
