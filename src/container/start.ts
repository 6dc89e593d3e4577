import fs from 'node:fs';
import { withContext } from '../errors.js';
import type { Kernel } from '../kernel/types.js';
import { detectCgroupLayout, type CgroupLayout } from '../observe/cgroup-layout.js';
import { applyOverlay } from '../rootfs/overlay-apply.js';
import { readStartTime, type ProcessIdentity } from '../store/process-alive.js';
import { planCgroups } from './cgroup-plan.js';
import { applyCgroups, placeInCgroups, readCgroupOutcome, warmCgroupTarget, type CgroupOutcome } from './cgroups.js';
import { resolveUserName } from './image-spec.js';
import { startHelper, type LaunchedContainer, type LaunchOptions, type LaunchResult, type StartedHelper } from './launch.js';
import { realLauncher, type ContainerLauncher } from './launcher.js';
import { releaseResources } from './release.js';
import { containerPaths, containersRoot, updateState, type ContainerState } from './state.js';

/**
A created container, started and seen through to its end by the process that owns it (the
foreground `run`, or the -d monitor). Each resource is recorded in state.json before it is
taken: mount, then cgroups, then the helper and the container's pid (with their start times),
with status `starting`. Only when gbx-run reports the program's execve does the status become
`running`: until then the child is still building its root (pivot_root, masked and read-only
paths, the capability drop), and `exec` must not join it. When the container exits, the owner
reads the OOM counter, releases everything but the upper dir (kept for `diff` until `rm`) and
writes the exit; with --rm it removes the container too.
*/
export type PauseStep = 'after-mount' | 'after-cgroup' | 'before-execve' | 'after-launch';

export const PAUSE_ENV = 'GLASSBOX_TEST_PAUSE_AT';

export interface StartCreatedOptions {
  stdio?: LaunchOptions['stdio'];
  launcher?: ContainerLauncher;
  root?: string;
  /** From prepareStart: the layout read and gbx-run started ahead (its stdio wins). */
  prepared?: PreparedStart;
}

/** What the foreground `run` starts before it looks up the image and makes the container. */
export interface PreparedStart {
  layout: CgroupLayout;
  helper: StartedHelper;
}

/**
Starts gbx-run as soon as `run` knows it will need it (the real kernel, the default launcher),
with the stdio it will have: its exec and its wait overlap the image lookup, the container's
state and the overlay mount, and the cgroup lock it keeps warm meanwhile (warmCgroupTarget) lets
the placement skip the kernel's grace period (measured: docs/benchmarks.md). The caller cancels
the helper if no launch took it (helper.cancel() is then a no-op).
*/
export function prepareStart(kernel: Kernel, stdio: LaunchOptions['stdio']): PreparedStart | undefined {
  if (kernel.backend !== 'linux') return undefined;
  const layout = detectCgroupLayout(kernel);
  const warmCgroup = warmCgroupTarget(kernel, layout);
  return { layout, helper: startHelper({ ...(stdio === undefined ? {} : { stdio }), ...(warmCgroup === undefined ? {} : { warmCgroup }) }) };
}

export interface ContainerExit {
  /** As a shell shows it: the code, or 128+signal. */
  status: number;
  oomKilled: boolean;
  /** gbx-run's `failed to …` when the program never ran. */
  error: string | null;
  cgroup: CgroupOutcome | null;
  launch: LaunchResult;
}

export interface RunningContainer {
  state: ContainerState;
  launched: LaunchedContainer;
  /** Waits for the exit, releases everything and records it (or removes the container, --rm). */
  wait(): Promise<ContainerExit>;
}

/** Parks the process at `step` when GLASSBOX_TEST_PAUSE_AT names it: the crash tests kill -9 it there. */
export async function pauseFromEnv(step: PauseStep): Promise<void> {
  if (process.env[PAUSE_ENV] !== step) return;
  process.stderr.write(`glassbox: paused ${step}\n`);
  await new Promise<never>(() => setInterval(() => undefined, 60_000));
}

export function identityOf(pid: number): ProcessIdentity {
  return { pid, startTime: readStartTime(pid) };
}

/** The parent pid from /proc/<pid>/stat: the container's parent is gbx-run. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export async function startCreated(kernel: Kernel, state: ContainerState, options: StartCreatedOptions = {}): Promise<RunningContainer> {
  const root = options.root ?? containersRoot();
  // Tests only: $GLASSBOX_TEST_PAUSE_AT stops at a step, so that a test can kill -9 glassbox there.
  const pause = pauseFromEnv;
  const plan = state.rootfs!.plan;
  let launched: LaunchedContainer;
  try {
    // The plan was written at create: a crash from here on finds the mount through it.
    applyOverlay(kernel, plan);
    state.rootfs = { plan, mounted: true };
    await pause('after-mount');
    const userName = state.config.flags.userName;
    if (typeof userName === 'string') Object.assign(state.spec.process, resolveUserName(plan.merged, userName));

    const layout = options.prepared?.layout ?? detectCgroupLayout(kernel);
    // Recorded before they are made: by run's create already (CreateRequest.cgroupLayout), or here.
    let cgroups = state.cgroups;
    if (cgroups === undefined) {
      cgroups = planCgroups(layout, state.id, state.spec.limits);
      updateState(state, { cgroups }, root);
    }
    applyCgroups(kernel, cgroups);
    await pause('after-cgroup');
    // gbx-run started by prepareStart keeps the lock warm already; one started here is told where.
    const warmCgroup = options.prepared === undefined ? warmCgroupTarget(kernel, layout) : undefined;

    // Only then does gbx-run run in step mode: to hold the child just before its execve.
    const holdBeforeExecve = process.env[PAUSE_ENV] === 'before-execve';
    launched = await (options.launcher ?? realLauncher).launch(state.spec, {
      stdio: options.stdio ?? ['ignore', 'inherit', 'inherit'],
      ...(options.prepared === undefined ? {} : { started: options.prepared.helper }),
      ...(warmCgroup === undefined ? {} : { warmCgroup }),
      beforeRelease: (pid) => {
        // Recorded (with `starting`, in one write) before the child may run anything: a crash
        // from here on finds gbx-run and the container's first process.
        const helper = parentOf(pid);
        const processes = { ...state.processes, init: identityOf(pid), ...(helper === undefined ? {} : { helper: identityOf(helper) }) };
        updateState(state, { status: 'starting', processes }, root);
        placeInCgroups(kernel, cgroups, pid);
      },
      ...(holdBeforeExecve ? { onNext: async (step: { op: string }) => (step.op === 'execve' ? pause('before-execve') : undefined) } : {}),
    });
    // A launcher that does not report execve (none today) is taken at its word at release.
    if (await (launched.running ?? Promise.resolve(true))) {
      updateState(state, { status: 'running', startedAt: new Date().toISOString() }, root);
    }
    // Otherwise it ended before its program ran: it stays `starting`, and wait() records the exit.
    await pause('after-launch');
  } catch (error) {
    await abandon(kernel, state, root);
    throw withContext(`starting container ${state.id.slice(0, 12)}`, error);
  }
  let finished: Promise<ContainerExit> | undefined;
  const wait = (): Promise<ContainerExit> => (finished ??= finish(kernel, state, launched, root));
  return { state, launched, wait };
}

async function finish(kernel: Kernel, state: ContainerState, launched: LaunchedContainer, root: string): Promise<ContainerExit> {
  const launch = await launched.exited;
  let cgroup: CgroupOutcome | null = null;
  try {
    if (state.cgroups !== undefined) cgroup = readCgroupOutcome(kernel, state.cgroups);
  } catch {
    // The counters are a report; the teardown below matters more.
  }
  const autoRemove = state.config.autoRemove;
  const exit: ContainerExit = {
    status: launch.status,
    oomKilled: (cgroup?.oomKills ?? 0) > 0,
    error: launch.error === null ? null : `${launch.error.message}${launch.error.errno === null ? '' : `: ${launch.error.errno}`}`,
    cgroup,
    launch,
  };
  try {
    await releaseResources(kernel, state, { keepFiles: !autoRemove });
  } catch (error) {
    // The exit is still the container's; the state keeps naming what is left, and once this
    // process is gone the container is an orphan that the next command or gc releases.
    process.stderr.write(`glassbox: could not release all of container ${state.id.slice(0, 12)} (glassbox gc will): ${(error as Error).message}\n`);
    return exit;
  }
  if (autoRemove) {
    fs.rmSync(containerPaths(state.id, root).dir, { recursive: true, force: true });
  } else {
    updateState(
      state,
      {
        status: 'exited',
        exitCode: exit.status,
        oomKilled: exit.oomKilled,
        finishedAt: new Date().toISOString(),
        ...(exit.error === null ? {} : { error: exit.error }),
        rootfs: { plan: state.rootfs!.plan, mounted: false },
        processes: {},
      },
      root,
    );
  }
  return exit;
}

/** A start that failed: give everything back and forget the container (docker run leaves nothing either). */
async function abandon(kernel: Kernel, state: ContainerState, root: string): Promise<void> {
  try {
    await releaseResources(kernel, state);
    fs.rmSync(containerPaths(state.id, root).dir, { recursive: true, force: true });
  } catch (error) {
    // Left for gc: the state still names every resource.
    process.stderr.write(`glassbox: could not release container ${state.id.slice(0, 12)} (glassbox gc will): ${(error as Error).message}\n`);
  }
}
