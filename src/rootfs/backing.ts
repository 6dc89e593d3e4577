import type { Kernel } from '../kernel/types.js';
// storage-fs.js itself, not unpack/index.js: the index would load the whole extractor (tar, gzip,
// zstd: ~15 modules) on every `run`, where only the mount table is read.
import { filesystemAt, keepsOverlayLayers } from '../unpack/storage-fs.js';

/**
Where upper and work can live. overlayfs refuses an upper dir on overlayfs (and on filesystems
without trusted xattrs or d_type), which is the case whenever the host's own root is an overlay:
glassbox run inside a Docker or Podman container, or a live CD. Then the plan mounts a tmpfs of its
own for upper and work (`rwTmpfs`): the container's changes live in memory and go with the teardown.
*/
export interface RootfsBacking {
  /** The filesystem type holding the container directory (`ext4`, `overlay`, `tmpfs`...). */
  fsType: string;
  /** The mount point of that filesystem. */
  mountPoint: string;
  rwTmpfs: boolean;
  reason: string;
}

export function inspectBacking(kernel: Kernel, containerDir: string): RootfsBacking {
  // The container directory does not exist yet: look at its nearest existing ancestor.
  let dir = containerDir;
  while (dir !== '/' && !exists(kernel, dir)) dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
  const entry = filesystemAt(kernel, dir);
  const fsType = entry?.fsType ?? 'unknown';
  const mountPoint = entry?.mountPoint ?? '/';
  if (keepsOverlayLayers(fsType)) return { fsType, mountPoint, rwTmpfs: false, reason: `${mountPoint} is ${fsType}: upper and work can live there` };
  return { fsType, mountPoint, rwTmpfs: true, reason: `${mountPoint} is ${fsType}, which overlayfs cannot use as an upper layer: upper and work go on a tmpfs` };
}

function exists(kernel: Kernel, path: string): boolean {
  try {
    kernel.lstat(path);
    return true;
  } catch {
    return false;
  }
}
