import type { Kernel } from '../kernel/types.js';
import { detectCgroupLayout, type CgroupLayout } from '../observe/cgroup-layout.js';
import { planCgroups, type CgroupPlan } from './cgroup-plan.js';
import { applyCgroups, killCgroupProcesses, placeInCgroups, readCgroupOutcome, removeCgroups, warmCgroupTarget, type CgroupOutcome } from './cgroups.js';
import { realLauncher, type ContainerLauncher } from './launcher.js';
import { type LaunchedContainer, type LaunchOptions, type LaunchResult } from './launch.js';
import type { ContainerSpec } from './spec.js';

/**
One container from cgroups to teardown: plan and create the groups, launch gbx-run,
place the child before it is released, and once it has exited read the OOM and
pids counters, kill leftovers and remove the groups. Nothing is left behind, on
success or failure.
*/
export interface StartOptions extends Omit<LaunchOptions, 'beforeRelease'> {
  /** The cgroup layout; detected through the kernel when not given. */
  layout?: CgroupLayout;
  /** --cgroup-parent: a path below our own cgroup. */
  cgroupParent?: string;
  /** What starts the process: gbx-run (default) or the simulated kernel's model of it. */
  launcher?: ContainerLauncher;
}

export interface RunResult extends LaunchResult {
  /** True when the kernel's OOM killer killed a process of the container. */
  oomKilled: boolean;
  cgroup: CgroupOutcome;
  plan: CgroupPlan;
}

export interface StartedContainer {
  launched: LaunchedContainer;
  plan: CgroupPlan;
  /** Waits for the exit, reads the counters and tears down the cgroups. */
  wait(): Promise<RunResult>;
}

export async function startContainer(kernel: Kernel, spec: ContainerSpec, options: StartOptions = {}): Promise<StartedContainer> {
  const layout = options.layout ?? detectCgroupLayout(kernel);
  const plan = planCgroups(layout, spec.id, spec.limits, options.cgroupParent === undefined ? {} : { parent: options.cgroupParent });
  applyCgroups(kernel, plan);
  let launched: LaunchedContainer;
  try {
    const warmCgroup = warmCgroupTarget(kernel, layout);
    launched = await (options.launcher ?? realLauncher).launch(spec, {
      ...options,
      ...(warmCgroup === undefined ? {} : { warmCgroup }),
      beforeRelease: (pid) => placeInCgroups(kernel, plan, pid),
    });
  } catch (error) {
    killCgroupProcesses(kernel, plan);
    await removeCgroups(kernel, plan);
    throw error;
  }
  let finished: Promise<RunResult> | undefined;
  const wait = (): Promise<RunResult> =>
    (finished ??= (async () => {
      let result: LaunchResult;
      let outcome: CgroupOutcome;
      try {
        result = await launched.exited;
        outcome = readCgroupOutcome(kernel, plan);
      } finally {
        killCgroupProcesses(kernel, plan);
        await removeCgroups(kernel, plan);
      }
      return { ...result, oomKilled: outcome.oomKills > 0, cgroup: outcome, plan };
    })());
  return { launched, plan, wait };
}

/** Starts a container and waits for it: the foreground `run`. */
export async function runContainer(kernel: Kernel, spec: ContainerSpec, options: StartOptions = {}): Promise<RunResult> {
  return (await startContainer(kernel, spec, options)).wait();
}
