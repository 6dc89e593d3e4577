import fs from 'node:fs';
import path from 'node:path';
import { MNT } from '../kernel/flags.js';
import type { Kernel } from '../kernel/types.js';
import { readMountInfo } from '../observe/mountinfo.js';
import { acquireLock } from '../store/lock.js';
import { isProcessAlive } from '../store/process-alive.js';
import { releaseResources } from './release.js';
import { containerPaths, containersRoot, fromEarlierBoot, listStates, readState, type ContainerState } from './state.js';

/**
What a killed glassbox left behind, found and removed. A container whose state says created or
running but whose owner (the foreground `run` or the -d monitor; pid and start time) is gone
was abandoned mid-way: everything its state names is released (processes, cgroups, mounts) and
the container is removed. Every command does this for orphans before it looks at containers;
`glassbox gc` also removes what has no state at all: a directory made just before a crash, and
mounts below the containers directory that no container claims.
*/
export interface GcResult {
  /** Containers whose owner was gone: released and removed. */
  orphans: { id: string; name: string; status: string; killed: number[]; cgroups: string[]; unmounted: string[] }[];
  /** Directories without a readable state, removed. */
  strayDirs: string[];
  /** Mounts below the containers directory that no state named, unmounted. */
  strayMounts: string[];
  /** What could not be done (another process holds the container, a busy mount). */
  failed: { id: string; message: string }[];
}

export function isOrphan(state: ContainerState): boolean {
  if (state.status === 'exited') return false;
  if (fromEarlierBoot(state)) return true;
  const owner = state.processes.owner;
  return owner === undefined || !isProcessAlive(owner);
}

/** Releases and removes one orphan, under its lock so that two commands do not both do it. */
async function collectOrphan(kernel: Kernel, id: string, root: string, result: GcResult): Promise<void> {
  const release = await acquireLock(path.join(root, `.${id}.lock`), { timeoutMs: 10_000 });
  try {
    const state = readState(id, root);
    if (state === undefined || !isOrphan(state)) return;
    const done = await releaseResources(kernel, state);
    fs.rmSync(containerPaths(id, root).dir, { recursive: true, force: true });
    result.orphans.push({ id, name: state.name, status: state.status, killed: done.killed, cgroups: done.cgroupsRemoved, unmounted: done.unmounted });
  } finally {
    release();
  }
}

export interface GcOptions {
  root?: string;
  /** Also remove directories without state and unclaimed mounts (`glassbox gc`). */
  strays?: boolean;
  /** A directory without state younger than this may be a create in progress; default 10 s. */
  strayAgeMs?: number;
}

export async function collectGarbage(kernel: Kernel, options: GcOptions = {}): Promise<GcResult> {
  const root = options.root ?? containersRoot();
  const result: GcResult = { orphans: [], strayDirs: [], strayMounts: [], failed: [] };
  const listed = listStates(root);
  for (const entry of listed) {
    if (entry.state === undefined || !isOrphan(entry.state)) continue;
    try {
      await collectOrphan(kernel, entry.id, root, result);
    } catch (error) {
      result.failed.push({ id: entry.id, message: error instanceof Error ? error.message : String(error) });
    }
  }
  if (options.strays !== true) return result;
  const remaining = listStates(root);
  const claimed = new Set(remaining.filter((entry) => entry.state !== undefined).map((entry) => entry.id));
  const prefix = `${fs.existsSync(root) ? fs.realpathSync(root) : root}/`;
  const mounts = readMountInfo(kernel)
    .filter((entry) => entry.mountPoint.startsWith(prefix))
    .filter((entry) => !claimed.has(entry.mountPoint.slice(prefix.length).split('/')[0]!));
  for (const entry of mounts.reverse()) {
    try {
      kernel.umount(entry.mountPoint, MNT.MNT_DETACH);
      result.strayMounts.push(entry.mountPoint);
    } catch (error) {
      result.failed.push({ id: entry.mountPoint, message: error instanceof Error ? error.message : String(error) });
    }
  }
  const now = Date.now();
  for (const entry of remaining) {
    if (claimed.has(entry.id)) continue;
    const dir = containerPaths(entry.id, root).dir;
    try {
      const age = now - fs.statSync(dir).mtimeMs;
      if (entry.error === undefined && age < (options.strayAgeMs ?? 10_000)) continue;
      // Never recurse into a mount: that would delete through it into the layers.
      const below = `${prefix}${entry.id}/`;
      const mounted = readMountInfo(kernel).find((mount) => mount.mountPoint.startsWith(below));
      if (mounted !== undefined) throw new Error(`${mounted.mountPoint} is still mounted`);
      fs.rmSync(dir, { recursive: true, force: true });
      result.strayDirs.push(dir);
    } catch (error) {
      result.failed.push({ id: entry.id, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}
