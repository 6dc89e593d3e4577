import fs from 'node:fs';
import { GlassboxError, withContext } from '../errors.js';
import { MNT } from '../kernel/flags.js';
import type { Kernel, MountRequest } from '../kernel/types.js';
import { readMountInfo, type MountEntry } from '../observe/mountinfo.js';
import { createLayerFs } from '../unpack/create-layer-fs.js';
import type { OverlayPlan, RootfsStep } from './overlay-plan.js';

/**
Runs an overlay plan through the Kernel, step by step. If a step fails, the steps already done are
undone in reverse (unmount, then remove the container directory), so a failed mount leaves nothing.
*/
export function applyOverlay(kernel: Kernel, plan: OverlayPlan): void {
  const done: RootfsStep[] = [];
  try {
    for (const step of plan.steps) {
      runStep(kernel, step);
      done.push(step);
    }
  } catch (error) {
    undoSteps(kernel, done);
    throw withContext(`mounting the root filesystem at ${plan.merged}`, error);
  }
}

function runStep(kernel: Kernel, step: RootfsStep): void {
  switch (step.op) {
    case 'mkdir':
      kernel.mkdir(step.path, step.mode);
      // mkdir(2) masks the mode with the umask; the plan's mode is meant exactly.
      kernel.chmod(step.path, step.mode);
      return;
    case 'lchown':
      kernel.lchown(step.path, step.uid, step.gid);
      return;
    case 'symlink':
      kernel.symlink(step.target, step.path);
      return;
    default:
      if (step.cwd === null) kernel.mount(step.request);
      else mountIn(kernel, step.cwd, step.request);
  }
}

/**
mount(2) with relative paths in its data, resolved against `cwd`. On the real kernel that is the
process's working directory for the duration of one synchronous call (all of glassbox uses
absolute paths, so nothing else notices). The Kernel interface has no chdir, and the simulated
kernel neither chdirs nor limits mount data to a page, so there the same paths are made absolute.
*/
function mountIn(kernel: Kernel, cwd: string, request: MountRequest): void {
  if (kernel.backend !== 'linux') {
    kernel.mount({ ...request, data: absoluteOverlayData(request.data ?? '', cwd) });
    return;
  }
  const previous = process.cwd();
  try {
    process.chdir(cwd);
  } catch (error) {
    throw new GlassboxError('ROOTFS_CHDIR', `cannot enter ${cwd} to mount with short layer links: ${(error as Error).message}`, {
      kind: 'environment',
      hint: 'run glassbox in the main thread (worker threads cannot chdir)',
      cause: error,
    });
  }
  try {
    kernel.mount(request);
  } finally {
    process.chdir(previous);
  }
}

/** `lowerdir=l/0:l/1,upperdir=upper,…` → the same with every relative directory under `cwd`. */
export function absoluteOverlayData(data: string, cwd: string): string {
  const absolute = (path: string): string => (path.startsWith('/') || path === '' ? path : `${cwd}/${path}`);
  return data
    .split(',')
    .map((option) => {
      const eq = option.indexOf('=');
      if (eq === -1) return option;
      const key = option.slice(0, eq);
      const value = option.slice(eq + 1);
      if (key === 'lowerdir') return `${key}=${value.split(':').map(absolute).join(':')}`;
      if (key === 'upperdir' || key === 'workdir') return `${key}=${absolute(value)}`;
      return option;
    })
    .join(',');
}

function undoSteps(kernel: Kernel, done: RootfsStep[]): void {
  for (const step of [...done].reverse()) {
    try {
      if (step.op === 'mount') kernel.umount(step.request.target);
      // The first step made the container directory: removing it removes every later mkdir and link.
      else if (step === done[0]) createLayerFs(kernel).removeTree(step.path);
    } catch {
      // Best effort: the original failure is what the caller needs to see.
    }
  }
}

export interface TeardownOptions {
  /** MNT_DETACH: unmount even while processes still use it (they keep their view until they exit). */
  lazy?: boolean;
}

export interface TeardownResult {
  unmounted: string[];
  removed: string;
}

/**
Undoes `applyOverlay`: unmounts the overlay and the tmpfs under it (only if what is mounted there is
still what the plan mounted), then removes the container directory, upper dir included. Refuses to
remove anything while something else is still mounted below it (a bind mount of the container's
would otherwise be emptied through).
*/
export function teardownOverlay(kernel: Kernel, plan: OverlayPlan, options: TeardownOptions = {}): TeardownResult {
  const unmounted: string[] = [];
  const mountSteps = plan.steps.filter((step): step is Extract<RootfsStep, { op: 'mount' }> => step.op === 'mount').reverse();
  for (const step of mountSteps) {
    const entry = lastMountAt(readMountInfo(kernel), step.request.target);
    if (entry === undefined) continue;
    if (!isOurs(entry, step.request)) {
      throw new GlassboxError('ROOTFS_NOT_OURS', `${step.request.target} has a ${entry.fsType} mount that glassbox did not make (${entry.superOptions.join(',')})`, {
        kind: 'user',
        hint: 'unmount it yourself if it should go; glassbox only unmounts its own mounts',
      });
    }
    kernel.umount(step.request.target, options.lazy === true ? MNT.MNT_DETACH : 0);
    unmounted.push(step.request.target);
  }
  const prefix = `${plan.containerDir}/`;
  const left = readMountInfo(kernel)
    .filter((entry) => entry.mountPoint === plan.containerDir || entry.mountPoint.startsWith(prefix))
    .map((entry) => entry.mountPoint);
  // A second look that does not depend on path spelling: a mount shows as another device.
  if (left.length === 0 && stillMounted(kernel, plan)) left.push(plan.merged);
  if (left.length > 0) {
    throw new GlassboxError('ROOTFS_BUSY', `still mounted below ${plan.containerDir}: ${left.join(', ')}`, {
      kind: 'user',
      hint: 'unmount those first; the container directory is removed only when nothing is mounted in it',
    });
  }
  createLayerFs(kernel).removeTree(plan.containerDir);
  return { unmounted, removed: plan.containerDir };
}

/** On the real kernel: is merged (or the rw dir) on another device than the container directory? */
function stillMounted(kernel: Kernel, plan: OverlayPlan): boolean {
  if (kernel.backend !== 'linux') return false;
  try {
    const dev = fs.lstatSync(plan.containerDir).dev;
    return [plan.merged, plan.rwDir].some((dir) => dir !== null && fs.existsSync(dir) && fs.lstatSync(dir).dev !== dev);
  } catch {
    return false;
  }
}

function lastMountAt(entries: MountEntry[], target: string): MountEntry | undefined {
  return entries.filter((entry) => entry.mountPoint === target).pop();
}

/** Same filesystem type, and for the overlay the same upperdir option as the plan gave it. */
function isOurs(entry: MountEntry, request: MountRequest): boolean {
  if (entry.fsType !== request.fstype) return false;
  if (request.fstype !== 'overlay') return true;
  const upper = (request.data ?? '').split(',').find((option) => option.startsWith('upperdir='));
  const shown = entry.superOptions.find((option) => option.startsWith('upperdir='));
  return upper === undefined || shown === undefined || shown === upper || shown.endsWith(`/${upper.slice('upperdir='.length)}`);
}
