import fs from 'node:fs';
import { GlassboxError } from '../errors.js';
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

/**
Refuses a layer store on a filesystem that cannot keep layers in overlay form. Checks the nearest
existing ancestor of `dir`; on the real kernel its symlinks are resolved first, since mountinfo
lists real paths. Where mountinfo cannot be read (a model kernel without it) nothing is checked.
*/
export function checkLayerStoreFs(kernel: KernelReader & { backend: string }, dir: string): void {
  let existing = dir;
  for (;;) {
    try {
      kernel.lstat(existing);
      break;
    } catch {
      if (existing === '/' || existing === '') return;
      existing = existing.slice(0, existing.lastIndexOf('/')) || '/';
    }
  }
  const real = kernel.backend === 'linux' ? fs.realpathSync.native(existing) : existing;
  let entry: MountEntry | null;
  try {
    entry = filesystemAt(kernel, real);
  } catch {
    return;
  }
  if (entry === null || keepsOverlayLayers(entry.fsType)) return;
  throw new GlassboxError('UNPACK_STORE_FS', `the layer store ${dir} is on ${entry.fsType} (mounted at ${entry.mountPoint}), which cannot keep overlay whiteouts`, {
    kind: 'environment',
    hint: 'put glassbox\'s home on ext4, xfs, btrfs or tmpfs (a volume when glassbox runs in a container): GLASSBOX_HOME=/path',
  });
}
