import { readMountInfo, type MountEntry } from '../observe/mountinfo.js';
import type { KernelReader } from '../observe/reader.js';

/**
Which mounted filesystem holds a path: the mount with the longest mount point that contains it
(the last one mounted, if several share the point). Used to refuse storing layers or an overlay's
upper and work directories on overlayfs itself, which happens when the host's root is an overlay
(glassbox inside a Docker container): overlayfs would swallow the whiteouts stored there (a 0/0
device it makes is one of its own whiteouts) and refuses `trusted.overlay.*` xattrs written through it.
`path` should be absolute and free of symlinks (the caller resolves it on the real kernel).
*/
export function mountContaining(entries: MountEntry[], path: string): MountEntry | null {
  let best: MountEntry | null = null;
  for (const entry of entries) {
    const point = entry.mountPoint;
    const inside = point === '/' || path === point || path.startsWith(`${point}/`);
    if (inside && (best === null || point.length >= best.mountPoint.length)) best = entry;
  }
  return best;
}

export function filesystemAt(reader: KernelReader, path: string): MountEntry | null {
  return mountContaining(readMountInfo(reader), path);
}

/** Filesystems known to keep what overlayfs layers need: 0/0 devices as they are, and trusted.* xattrs. */
export function keepsOverlayLayers(fsType: string): boolean {
  return fsType !== 'overlay' && fsType !== 'fuse.fuse-overlayfs' && !fsType.startsWith('nfs') && fsType !== 'vfat' && fsType !== 'fuseblk';
}
