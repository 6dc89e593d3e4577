import type { Kernel } from '../../kernel/types.js';
import type { OverlayPlan } from '../../rootfs/overlay-plan.js';
import { createLayerFs, isOpaqueDir, isWhiteout, lookupLowerView } from '../../unpack/index.js';
import type { OverlayView } from '../types.js';

/** The overlay's four directories and, for each path of interest, what each part holds: read back through the kernel. */
export function readOverlayView(kernel: Kernel, plan: OverlayPlan, paths: readonly string[], mounted: boolean, event?: OverlayView['event']): OverlayView {
  return {
    kind: 'overlay',
    lower: plan.lowers,
    upper: plan.upper,
    work: plan.work,
    merged: plan.merged,
    entries: paths.map((path) => ({
      path,
      lower: lowerShows(kernel, plan.lowers, path),
      upper: upperHolds(kernel, plan.upper, path),
      merged: mounted ? shows(kernel, `${plan.merged}${path}`) : null,
    })),
    ...(event === undefined ? {} : { event }),
  };
}

/** What the topmost lower that has `path` shows there: its text, `dir`, `→ target`, or null. */
export function lowerShows(kernel: Kernel, lowers: readonly string[], path: string): string | null {
  const hit = lookupLowerView(createLayerFs(kernel, 'kernel'), lowers, path.replace(/^\//, ''));
  if (hit === null) return null;
  return shows(kernel, `${lowers[hit.layer]}${path}`);
}

export function upperHolds(kernel: Kernel, upper: string, path: string): OverlayView['entries'][number]['upper'] {
  const stat = lstatOrNull(kernel, `${upper}${path}`);
  if (stat === null) return null;
  if (isWhiteout(stat)) return 'whiteout';
  if (stat.type === 'dir') return isOpaqueDir(createLayerFs(kernel, 'kernel'), `${upper}${path}`) ? 'opaque' : 'dir';
  return 'file';
}

/** A short printable account of a file: its first line of text, `dir`, or `→ target`. */
export function shows(kernel: Kernel, full: string): string | null {
  const stat = lstatOrNull(kernel, full);
  if (stat === null) return null;
  if (stat.type === 'dir') return 'dir';
  if (stat.type === 'symlink') return `→ ${kernel.readlink(full)}`;
  if (stat.type !== 'file') return stat.type;
  const text = kernel.readFile(full);
  const first = text.split('\n')[0] ?? '';
  return first.length > 48 ? `${first.slice(0, 47)}…` : first;
}

export function lstatOrNull(kernel: Kernel, path: string): ReturnType<Kernel['lstat']> | null {
  try {
    return kernel.lstat(path);
  } catch {
    return null;
  }
}
