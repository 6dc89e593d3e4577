import path from 'node:path';
import { GlassboxError } from '../errors.js';
import { findCgroupHierarchy, ownCgroupDir, type CgroupLayout } from '../observe/cgroup-layout.js';
import { cgroupFileNames } from '../observe/cgroup-files.js';
import type { CgroupLimits } from './spec.js';

/**
The cgroups of one container, planned before anything is written: one group named
`glassbox-<id>` per hierarchy that holds memory, cpu or pids, always below our own
cgroup in that hierarchy (DESIGN.md: it is right under delegation, and the rest of
the machine's cgroups are not ours). v1, v2 and hybrid differ only in which
hierarchy a controller lives in and in the file names (observe's CGROUP_FILES).
*/
export interface CgroupWrite {
  file: string;
  value: string;
  /** Docker's default, not asked for: skipped when the kernel lacks the file (v1 memsw without swapaccount). */
  optional?: boolean;
}

export interface CgroupGroupPlan {
  version: 1 | 2;
  /** The controllers this group is for (of memory, cpu, pids). */
  controllers: string[];
  /** Our own cgroup in this hierarchy. */
  ownDir: string;
  dir: string;
  /** v2: controllers to enable in ownDir/cgroup.subtree_control first. */
  enable: string[];
  writes: CgroupWrite[];
}

export interface CgroupPlan {
  name: string;
  groups: CgroupGroupPlan[];
}

const CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
type Controller = (typeof CONTROLLERS)[number];

export const CPU_PERIOD_US = 100_000;

function wanted(limits: CgroupLimits, controller: Controller): boolean {
  if (controller === 'memory') return limits.memory !== undefined || limits.memorySwap !== undefined;
  if (controller === 'cpu') return limits.cpus !== undefined || limits.cpuShares !== undefined;
  return limits.pidsLimit !== undefined;
}

/** --cpu-shares (v1: 2..262144) as cpu.weight (v2: 1..10000), the conversion runc uses. */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

function writesFor(controller: Controller, version: 1 | 2, limits: CgroupLimits): CgroupWrite[] {
  const name = (key: Parameters<typeof cgroupFileNames>[0], index = 0): string => cgroupFileNames(key, version)[index]!;
  const writes: CgroupWrite[] = [];
  if (controller === 'memory' && limits.memory !== undefined) {
    // The limit first: v1 refuses a memsw limit below the memory limit (EINVAL).
    writes.push({ file: name('memoryLimit'), value: String(limits.memory) });
    const swap = limits.memorySwap;
    if (version === 1) {
      // v1 memsw counts memory plus swap; Docker's default is twice --memory.
      if (swap === undefined) writes.push({ file: name('memorySwapLimit'), value: String(limits.memory * 2), optional: true });
      else writes.push({ file: name('memorySwapLimit'), value: swap === -1 ? '-1' : String(swap) });
    } else {
      // v2 swap.max counts swap alone.
      if (swap === undefined) writes.push({ file: name('memorySwapLimit'), value: String(limits.memory), optional: true });
      else writes.push({ file: name('memorySwapLimit'), value: swap === -1 ? 'max' : String(swap - limits.memory) });
    }
  }
  if (controller === 'cpu') {
    if (limits.cpus !== undefined) {
      const quota = Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US));
      if (version === 1) {
        writes.push({ file: name('cpuLimit', 1), value: String(CPU_PERIOD_US) }, { file: name('cpuLimit', 0), value: String(quota) });
      } else {
        writes.push({ file: name('cpuLimit'), value: `${quota} ${CPU_PERIOD_US}` });
      }
    }
    if (limits.cpuShares !== undefined) {
      writes.push({ file: name('cpuWeight'), value: String(version === 1 ? limits.cpuShares : sharesToWeight(limits.cpuShares)) });
    }
  }
  if (controller === 'pids' && limits.pidsLimit !== undefined) writes.push({ file: name('pidsLimit'), value: String(limits.pidsLimit) });
  return writes;
}

/** A --cgroup-parent below our own cgroup: relative, no `..`. */
function checkParent(parent: string): string {
  const clean = parent.replace(/^\/+|\/+$/g, '');
  if (clean !== '' && clean.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new GlassboxError('RUN_BAD_CGROUP_PARENT', `invalid --cgroup-parent ${JSON.stringify(parent)}: no . or .. parts`, {
      kind: 'user',
    });
  }
  return clean;
}

export function planCgroups(layout: CgroupLayout, id: string, limits: CgroupLimits, options: { parent?: string } = {}): CgroupPlan {
  if (!/^[0-9a-zA-Z_.-]+$/.test(id)) throw new GlassboxError('RUN_BAD_ID', `invalid container id ${JSON.stringify(id)}`, { kind: 'bug' });
  const name = `glassbox-${id}`;
  const parent = checkParent(options.parent ?? '');
  const byDir = new Map<string, CgroupGroupPlan>();
  for (const controller of CONTROLLERS) {
    const hierarchy = findCgroupHierarchy(layout, controller);
    const own = ownCgroupDir(layout, controller);
    if (hierarchy === null || own === null) {
      if (!wanted(limits, controller)) continue;
      throw new GlassboxError('RUN_NO_CONTROLLER', `cannot limit ${controller}: no ${controller} controller in our own cgroup`, {
        kind: 'environment',
        hint: hierarchy === null ? `the ${controller} controller is not mounted` : `our cgroup ${hierarchy.ownPath ?? '?'} does not have it (delegation)`,
      });
    }
    const group = byDir.get(own) ?? {
      version: hierarchy.version,
      controllers: [],
      ownDir: own,
      dir: path.join(own, parent, name),
      enable: [],
      writes: [],
    };
    group.controllers.push(controller);
    if (hierarchy.version === 2 && !(hierarchy.ownSubtreeControl ?? []).includes(controller)) group.enable.push(controller);
    group.writes.push(...writesFor(controller, hierarchy.version, limits));
    byDir.set(own, group);
  }
  return { name, groups: [...byDir.values()] };
}
