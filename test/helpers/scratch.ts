import type { Kernel } from '../../src/kernel/types.js';
import { MNT } from '../../src/kernel/flags.js';
import { parseMountInfo, type MountEntry } from '../../src/observe/mountinfo.js';

/**
Scratch work through a Kernel (real or simulated), so that the same helpers serve both backends.
Nothing here touches anything outside the directory it is given.
*/

export function readMounts(kernel: Kernel): MountEntry[] {
  return parseMountInfo(kernel.readFile('/proc/self/mountinfo'));
}

/** Mount points at or below `dir` that are still mounted. */
export function mountPointsUnder(kernel: Kernel, dir: string): string[] {
  return mountsUnder(readMounts(kernel), dir).map((entry) => entry.mountPoint);
}

/**
Detaches every mount at or below `dir`, newest first; returns what it found. A safety net for
afterAll: tests unmount their own mounts, and the suite fails if this had anything to do.
*/
export function detachMountsUnder(kernel: Kernel, dir: string): string[] {
  const found = mountPointsUnder(kernel, dir);
  for (const mountPoint of [...found].reverse()) {
    try {
      kernel.umount(mountPoint, MNT.MNT_DETACH);
    } catch {
      // Already gone with a parent that was detached first.
    }
  }
  return found;
}

/** rm -rf through the kernel, never crossing into a mount (callers unmount first). */
export function removeTree(kernel: Kernel, path: string): void {
  let stat;
  try {
    stat = kernel.lstat(path);
  } catch {
    return;
  }
  if (stat.type === 'dir') {
    for (const name of kernel.readdir(path)) removeTree(kernel, `${path}/${name}`);
    kernel.rmdir(path);
  } else {
    kernel.unlink(path);
  }
}

/** True when `path` exists (lstat succeeds). */
export function exists(kernel: Kernel, path: string): boolean {
  try {
    kernel.lstat(path);
    return true;
  } catch {
    return false;
  }
}

export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}

/** Mounts at or below `dir`, in mount order (reverse it to unmount children first). */
export function mountsUnder(entries: MountEntry[], dir: string): MountEntry[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return entries.filter((entry) => entry.mountPoint === dir || entry.mountPoint.startsWith(prefix));
}
