import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GlassboxError } from '../errors.js';
import type { OverlayPlan } from '../rootfs/overlay-plan.js';
import { glassboxHome } from '../store/layout.js';
import type { ProcessIdentity } from '../store/process-alive.js';
import type { CgroupPlan } from './cgroup-plan.js';
import type { ContainerSpec } from './spec.js';

/**
A container on disk: `$GLASSBOX_HOME/containers/<id>/` holds `state.json`, the container's
`log` (-d) and `fs/` (the overlay: upper, work, merged). The state is written *ahead* of every
resource taken (the overlay plan before the mount, the cgroup plan before mkdir, the helper's
pid before it may run anything), so that whoever finds the container after a crash knows
exactly what to undo. A pid is kept with its start time (/proc/<pid>/stat field 22): a reused
pid then does not match, and nothing that is not ours is killed.

Status: `created` (made, nothing runs), `starting` (gbx-run has cloned the container's first
process and its pids are recorded, but it is still building the root and dropping privileges:
nothing may join it yet), `running` (its execve succeeded), `exited`. `dead` is never written:
readers show it for a starting or running container whose owner is gone.
*/
export type ContainerStatus = 'created' | 'starting' | 'running' | 'exited' | 'dead';

export interface ContainerProcesses {
  /** The glassbox process that owns the container: the foreground `run`, or the -d monitor. */
  owner?: ProcessIdentity;
  /** gbx-run, the container's parent. */
  helper?: ProcessIdentity;
  /** The container's first process, as the host sees it. */
  init?: ProcessIdentity;
}

/** What the user asked for, kept for `inspect` (Config and HostConfig) and `ps`. */
export interface ContainerRunConfig {
  /** The image as typed (`busybox`, `demo`), as `ps` shows it. */
  image: string;
  /** The image's ID (its config's digest). */
  imageId: string;
  /** The full reference it resolved to, when it had a name. */
  imageRef?: string;
  entrypoint: string[];
  cmd: string[];
  tty: boolean;
  openStdin: boolean;
  autoRemove: boolean;
  detach: boolean;
  /** The docker run flags as given (HostConfig). */
  flags: Record<string, unknown>;
}

export interface ContainerState {
  /** Version of this file's shape. */
  format: 1;
  id: string;
  name: string;
  created: string;
  status: ContainerStatus;
  config: ContainerRunConfig;
  /** Layer directories, bottom first. */
  layers: string[];
  spec: ContainerSpec;
  /** Written before the overlay is mounted; `mounted` once it is. */
  rootfs?: { plan: OverlayPlan; mounted: boolean };
  /** Written before the groups are made. */
  cgroups?: CgroupPlan;
  processes: ContainerProcesses;
  /** /proc/sys/kernel/random/boot_id when it was created: after a reboot no pid in here is ours. */
  bootId?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** Why it failed or died (gbx-run's `failed to …`, or "glassbox was killed"). */
  error?: string;
}

export function containersRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(glassboxHome(env), 'containers');
}

export interface ContainerPaths {
  dir: string;
  stateFile: string;
  logFile: string;
  /** The overlay's container directory (made by applyOverlay, removed by teardownOverlay). */
  fsDir: string;
}

export function containerPaths(id: string, root: string = containersRoot()): ContainerPaths {
  const dir = path.join(root, id);
  return { dir, stateFile: path.join(dir, 'state.json'), logFile: path.join(dir, 'log'), fsDir: path.join(dir, 'fs') };
}

/**
Replaces state.json by rename, so a reader (or a crash) sees the old state or the new one.
No fsync: the state guards against glassbox being killed, not against a power cut, which takes
the mounts, cgroups and processes with it (and fsync would cost milliseconds on every run).
*/
export function writeState(state: ContainerState, root: string = containersRoot()): void {
  const { stateFile } = containerPaths(state.id, root);
  const temp = `${stateFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  try {
    fs.renameSync(temp, stateFile);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

export function readState(id: string, root: string = containersRoot()): ContainerState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(containerPaths(id, root).stateFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const state = JSON.parse(text) as ContainerState;
    if (state.format !== 1 || state.id !== id) throw new Error(`format ${String(state.format)}, id ${String(state.id)}`);
    return state;
  } catch (error) {
    throw new GlassboxError('CONTAINER_STATE_INVALID', `the state of container ${id.slice(0, 12)} cannot be read: ${(error as Error).message}`, {
      kind: 'environment',
      hint: 'glassbox gc removes containers whose state is damaged',
      cause: error,
    });
  }
}

/** Directories under the containers root that look like container ids (state or not). */
export function listContainerIds(root: string = containersRoot()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((name) => /^[0-9a-f]{64}$/.test(name));
}

export interface ListedContainer {
  id: string;
  state?: ContainerState;
  error?: GlassboxError;
}

export function listStates(root: string = containersRoot()): ListedContainer[] {
  return listContainerIds(root).map((id) => {
    try {
      const state = readState(id, root);
      return state === undefined ? { id } : { id, state };
    } catch (error) {
      return { id, error: GlassboxError.is(error) ? error : new GlassboxError('CONTAINER_STATE_INVALID', String(error), { kind: 'environment' }) };
    }
  });
}

/** Applies `change` to the state on disk and writes it back: one writer per container at a time. */
export function updateState(state: ContainerState, change: Partial<ContainerState>, root: string = containersRoot()): ContainerState {
  Object.assign(state, change);
  writeState(state, root);
  return state;
}

let cachedBootId: string | null | undefined;

/** This boot's id (a fresh random UUID per boot), or null where the kernel does not show it. */
export function currentBootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}

/** True when the state was written in an earlier boot: its pids, mounts and cgroups died with it. */
export function fromEarlierBoot(state: ContainerState): boolean {
  const now = currentBootId();
  return state.bootId !== undefined && now !== null && state.bootId !== now;
}
