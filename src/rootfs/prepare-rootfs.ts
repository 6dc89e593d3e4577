import fs from 'node:fs';
import os from 'node:os';
import type { Kernel } from '../kernel/types.js';
import { inspectBacking, type RootfsBacking } from './backing.js';
import { planOverlay, type OverlayInput, type OverlayPlan } from './overlay-plan.js';

export interface RootfsInput {
  /** Layer directories (from unpack: LayerResult.dir), bottom first. */
  layers: readonly string[];
  /** A new directory for this container's overlay (absolute, without symlinks in it). */
  containerDir: string;
  lowerForm?: OverlayInput['lowerForm'];
  /** The upper dir is thrown away at the end: mount `volatile` where the kernel has it (>= 5.10). */
  volatile?: boolean;
}

/**
Looks at the machine (which filesystem will hold upper and work; the top layer's root mode) and
plans the overlay. Reads only: nothing is created until `applyOverlay`.
*/
export function prepareRootfs(kernel: Kernel, input: RootfsInput): { plan: OverlayPlan; backing: RootfsBacking } {
  const containerDir = canonicalDir(kernel, input.containerDir);
  const backing = inspectBacking(kernel, containerDir);
  const top = input.layers[input.layers.length - 1];
  const root = top === undefined ? null : kernel.lstat(top);
  const plan = planOverlay({
    layers: input.layers,
    containerDir,
    rwTmpfs: backing.rwTmpfs,
    ...(input.lowerForm === undefined ? {} : { lowerForm: input.lowerForm }),
    ...(input.volatile === true && hasVolatileOverlay(kernel) ? { volatile: true } : {}),
    ...(root === null ? {} : { rootMode: root.mode & 0o7777, rootUid: root.uid, rootGid: root.gid }),
  });
  return { plan, backing };
}

/** overlayfs learned `volatile` in Linux 5.10; the simulation models a current kernel. */
function hasVolatileOverlay(kernel: Kernel): boolean {
  if (kernel.backend !== 'linux') return true;
  const [major = 0, minor = 0] = os.release().split('.').map((part) => Number.parseInt(part, 10));
  return major > 5 || (major === 5 && minor >= 10);
}

/**
mountinfo lists mount points by their real path, and the teardown finds its mounts there: on the
real kernel the container directory's existing parent is resolved first (`/var/run` → `/run`).
*/
function canonicalDir(kernel: Kernel, dir: string): string {
  if (kernel.backend !== 'linux') return dir;
  const slash = dir.lastIndexOf('/');
  const parent = slash <= 0 ? '/' : dir.slice(0, slash);
  try {
    return `${fs.realpathSync.native(parent)}/${dir.slice(slash + 1)}`.replace(/^\/\//, '/');
  } catch {
    return dir;
  }
}
