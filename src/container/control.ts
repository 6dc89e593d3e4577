import fs from 'node:fs';
import path from 'node:path';
import { constants } from 'node:os';
import { GlassboxError } from '../errors.js';
import type { Kernel } from '../kernel/types.js';
import { acquireLock } from '../store/lock.js';
import { isProcessAlive } from '../store/process-alive.js';
import { collectGarbage, isOrphan } from './gc.js';
import { killRecorded, releaseResources } from './release.js';
import { containerPaths, containersRoot, readState, type ContainerState } from './state.js';

/**
stop, kill, rm and waiting, from any glassbox process. Only the owner writes a running
container's state; these commands signal the container's first process (pid and start time
checked) and watch state.json for the owner to record the exit. A container whose owner died
is an orphan: gc's rules apply (released and removed).
*/
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Its first process has reached execve (so `exec` may join it), its owner and that process are alive. */
export function isRunning(state: ContainerState): boolean {
  return state.status === 'running' && hasLiveInit(state);
}

/** Cloned and recorded, but gbx-run is still building it (root, masked paths, caps): not joinable yet. */
export function isStarting(state: ContainerState): boolean {
  return state.status === 'starting' && hasLiveInit(state);
}

/** Starting or running: there is a process to signal (stop, kill, rm -f). */
export function isLive(state: ContainerState): boolean {
  return isRunning(state) || isStarting(state);
}

function hasLiveInit(state: ContainerState): boolean {
  return !isOrphan(state) && state.processes.init !== undefined && isProcessAlive(state.processes.init);
}

/** What ps and inspect show: a starting or running container whose owner or first process is gone is `dead`. */
export function effectiveStatus(state: ContainerState): ContainerState['status'] {
  if (state.status !== 'running' && state.status !== 'starting') return state.status;
  return hasLiveInit(state) ? state.status : 'dead';
}

/**
Throws unless `exec` may join the container now. A starting container is refused rather than
waited for: its namespaces exist but the masked paths, read-only mounts and the capability
drop may not be done yet, and the wait is normally a few milliseconds, so a caller that races
a start can simply retry (docker refuses an exec into a container that is not running, too).
*/
export function assertJoinable(state: ContainerState): void {
  if (isRunning(state)) return;
  if (isStarting(state)) {
    throw new GlassboxError('CONTAINER_STARTING', `container ${state.name} is still starting: its process has not reached execve yet`, {
      kind: 'user',
      hint: 'try again in a moment (glassbox ps -a shows it Up once it runs)',
    });
  }
  throw new GlassboxError('CONTAINER_NOT_RUNNING', `container ${state.name} is not running`, { kind: 'user' });
}

/** A signal as docker kill takes it: `KILL`, `SIGKILL`, `9`. */
export function parseSignal(value: string): NodeJS.Signals {
  const upper = value.toUpperCase();
  if (/^\d+$/.test(upper)) {
    const found = Object.entries(constants.signals).find(([, number]) => number === Number(upper));
    if (found !== undefined) return found[0] as NodeJS.Signals;
  } else {
    const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as NodeJS.Signals;
    if (name in constants.signals) return name;
  }
  throw new GlassboxError('CONTAINER_BAD_SIGNAL', `invalid signal: ${value}`, { kind: 'user', hint: 'a name (TERM, SIGKILL) or a number (9)' });
}

/** Sends a signal to the container's first process (running or still starting). PID 1 of a pid namespace gets only the signals it handles, and always SIGKILL. */
export function signalContainer(kernel: Kernel, state: ContainerState, signal: NodeJS.Signals): void {
  if (!isLive(state) || !killRecorded(kernel, state.processes.init, signal)) {
    throw new GlassboxError('CONTAINER_NOT_RUNNING', `container ${state.name} is not running`, { kind: 'user' });
  }
}

/**
Waits until the container is no longer running: its owner recorded the exit (or removed it,
--rm), or the owner died (then the orphan is collected here). Returns the last state, or
undefined when the container is gone.
*/
export async function waitForExit(kernel: Kernel, id: string, options: { timeoutMs?: number; root?: string } = {}): Promise<ContainerState | undefined> {
  const root = options.root ?? containersRoot();
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const state = readState(id, root);
    if (state === undefined || state.status === 'exited') return state;
    if (isOrphan(state)) {
      await collectGarbage(kernel, { root });
      return readState(id, root);
    }
    if (Date.now() > deadline) {
      throw new GlassboxError('CONTAINER_STOP_TIMEOUT', `container ${state.name} did not exit within ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s`, {
        kind: 'environment',
      });
    }
    await sleep(delay);
  }
}

/** docker stop: SIGTERM (or the image's StopSignal), then SIGKILL after `timeoutS` seconds. */
export async function stopContainer(kernel: Kernel, state: ContainerState, options: { timeoutS?: number; signal?: NodeJS.Signals; root?: string } = {}): Promise<ContainerState | undefined> {
  const root = options.root ?? containersRoot();
  if (!isLive(state)) return waitForExit(kernel, state.id, { root, timeoutMs: 5000 });
  killRecorded(kernel, state.processes.init, options.signal ?? 'SIGTERM');
  const graceMs = (options.timeoutS ?? 10) * 1000;
  try {
    return await waitForExit(kernel, state.id, { root, timeoutMs: graceMs });
  } catch (error) {
    if (!GlassboxError.is(error) || error.code !== 'CONTAINER_STOP_TIMEOUT') throw error;
  }
  killRecorded(kernel, state.processes.init, 'SIGKILL');
  return waitForExit(kernel, state.id, { root, timeoutMs: 10_000 });
}

/** docker rm [-f]: a running container only with force (SIGKILL first); then everything goes. */
export async function removeContainer(kernel: Kernel, state: ContainerState, options: { force?: boolean; root?: string } = {}): Promise<void> {
  const root = options.root ?? containersRoot();
  let current: ContainerState | undefined = state;
  if (isLive(state)) {
    if (options.force !== true) {
      throw new GlassboxError('CONTAINER_RUNNING', `cannot remove container ${state.name}: it is ${effectiveStatus(state)}`, {
        kind: 'user',
        hint: 'stop it first (glassbox stop), or force it: glassbox rm -f',
      });
    }
    killRecorded(kernel, state.processes.init, 'SIGKILL');
    current = await waitForExit(kernel, state.id, { root, timeoutMs: 10_000 });
  } else if (state.status !== 'exited') {
    current = await waitForExit(kernel, state.id, { root, timeoutMs: 10_000 });
  }
  if (current === undefined) return;
  const release = await acquireLock(path.join(root, `.${state.id}.lock`), { timeoutMs: 10_000 });
  try {
    const fresh = readState(state.id, root);
    if (fresh === undefined) return;
    await releaseResources(kernel, fresh);
    fs.rmSync(containerPaths(state.id, root).dir, { recursive: true, force: true });
  } finally {
    release();
  }
}
