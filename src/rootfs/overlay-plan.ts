import { GlassboxError } from '../errors.js';
import type { MountRequest } from '../kernel/types.js';

/**
The container's root filesystem as an overlay mount, planned as data before anything runs: the
directories to make, the short links, and the exact mount(2) call the TUI shows.

  lowerdir = the image's layer directories, top first (overlayfs reads left to right)
  upperdir = this container's changes          workdir = overlayfs's scratch, same filesystem as upper
  merged   = what the container sees as /

Choices, and why:
- `redirect_dir=nofollow`: renaming a directory that came from a layer fails with EXDEV (tools such
  as mv then copy), instead of leaving a `trusted.overlay.redirect` xattr in the upper dir. The upper
  dir stays a plain tree that `diffUpper` can read, and redirects in lower layers are never followed
  (unpack refuses `trusted.overlay.*` from images; this is the second fence).
- `metacopy=off`: a chown or chmod copies the whole file up. metacopy would store metadata-only
  files pointing into the layers; the kernel docs warn against it with untrusted layers.
- `index=off`: no inode index; the same layers may be mounted by many containers at once and moved
  around without overlayfs refusing a mount because an index points elsewhere.
- `volatile` (asked for by `run --rm`, kernel >= 5.10): overlayfs skips syncing the upper
  filesystem, on fsync and at unmount (otherwise the unmount flushes every dirty page of the disk the
  upper dir is on: measured 1–25 ms here). After a crash such an upper dir cannot be mounted again,
  which costs nothing when the container is removed at its end anyway (podman does the same for --rm).
- Duplicate lowers are removed (keeping the topmost copy: applying a layer again puts it on top);
  the kernel refuses a directory twice with ELOOP.
- The mount data must fit in one page (4096 bytes with its NUL: the kernel copies one page and
  cuts the rest). Image layer paths are ~100 bytes, so past ~35 layers the lowers are named through
  short symlinks `l/0`, `l/1`… in the container directory, and mount(2) runs with that directory as
  the working directory so that the data says `lowerdir=l/0:l/1:…` (Docker's overlay2 does the
  same). That form fits about 650 layers; overlayfs itself stops at 500.
*/
export interface OverlayInput {
  /** Layer directories in image order, bottom first (as rootfs.diff_ids lists them). */
  layers: readonly string[];
  /** A new directory for this mount: upper, work, merged and the short links go there. */
  containerDir: string;
  /** `auto` (default): absolute paths when they fit in a page, short links otherwise. */
  lowerForm?: 'auto' | 'absolute' | 'links';
  /** Put upper and work on a tmpfs of their own (when containerDir is on overlayfs; see backing.ts). */
  rwTmpfs?: boolean;
  /** Mode and owner of the container's `/` (the upper dir's root shows as `/`): the top layer's root. */
  rootMode?: number;
  rootUid?: number;
  rootGid?: number;
  /** Add `volatile`: the upper dir is thrown away at the end (run --rm). */
  volatile?: boolean;
}

export type RootfsStep =
  | { op: 'mkdir'; path: string; mode: number }
  | { op: 'lchown'; path: string; uid: number; gid: number }
  | { op: 'symlink'; target: string; path: string }
  | { op: 'mount'; request: MountRequest; cwd: string | null; role: 'rw-tmpfs' | 'rootfs' };

export interface OverlayPlan {
  containerDir: string;
  /** The container's root: where the overlay is mounted. */
  merged: string;
  upper: string;
  work: string;
  /** Layer directories as overlayfs stacks them: top first, duplicates removed. */
  lowers: string[];
  /** Layers left out as duplicates (their position in the input, bottom first). */
  dropped: { dir: string; position: number }[];
  lowerForm: 'absolute' | 'links';
  /** `<containerDir>/rw` when upper and work live on their own tmpfs. */
  rwDir: string | null;
  /** In order; `applyOverlay` runs them, `formatPlan` prints them. */
  steps: RootfsStep[];
  /** The overlay mount itself: the last step. */
  mount: MountRequest;
  /** Where mount(2) must run (the links form names everything relative to it), or null. */
  cwd: string | null;
}

/** mount(2) copies one page of data, NUL included. */
export const MOUNT_DATA_LIMIT = 4095;
/** OVL_MAX_STACK in fs/overlayfs. */
export const MAX_LOWERS = 500;
export const OVERLAY_OPTIONS = 'redirect_dir=nofollow,index=off,metacopy=off';

/** Characters that the overlay option parser treats as separators or escapes. */
const UNSAFE_IN_OPTIONS = /[,:\\\s]/;

function planError(message: string, hint: string): GlassboxError {
  return new GlassboxError('ROOTFS_PLAN', message, { kind: 'user', hint });
}

export function planOverlay(input: OverlayInput): OverlayPlan {
  const containerDir = input.containerDir.replace(/\/+$/, '');
  if (!containerDir.startsWith('/')) throw planError(`container directory ${containerDir} is not absolute`, 'pass an absolute path');
  if (input.layers.length === 0) throw planError('an image with no layers has no root filesystem', 'pull an image that has at least one layer');
  const { lowers, dropped } = stackLowers(input.layers);
  if (lowers.length > MAX_LOWERS) {
    throw planError(`${lowers.length} layers: overlayfs stacks at most ${MAX_LOWERS}`, 'squash the image (docker build --squash, or rebuild with fewer layers)');
  }
  const rwDir = input.rwTmpfs === true ? `${containerDir}/rw` : null;
  const rwBase = rwDir ?? containerDir;
  const merged = `${containerDir}/merged`;
  const upper = `${rwBase}/upper`;
  const work = `${rwBase}/work`;

  const options = input.volatile === true ? `${OVERLAY_OPTIONS},volatile` : OVERLAY_OPTIONS;
  const absolute = `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work},${options}`;
  const plainPaths = [...lowers, upper, work].every((path) => !UNSAFE_IN_OPTIONS.test(path));
  const wanted = input.lowerForm ?? 'auto';
  if (wanted === 'absolute' && !plainPaths) {
    throw planError('a layer or container path contains one of , : \\ or a space', 'use the links form (lowerForm: links)');
  }
  const lowerForm = wanted === 'auto' ? (plainPaths && absolute.length <= MOUNT_DATA_LIMIT ? 'absolute' : 'links') : wanted;
  const links = lowers.map((dir, index) => ({ name: `l/${index.toString(36)}`, target: dir }));
  const rwRelative = rwDir === null ? '' : 'rw/';
  const data =
    lowerForm === 'absolute'
      ? absolute
      : `lowerdir=${links.map((link) => link.name).join(':')},upperdir=${rwRelative}upper,workdir=${rwRelative}work,${options}`;
  if (Buffer.byteLength(data) > MOUNT_DATA_LIMIT) {
    throw planError(`the overlay mount data is ${Buffer.byteLength(data)} bytes, more than a page (${MOUNT_DATA_LIMIT})`, 'squash the image into fewer layers');
  }

  const steps: RootfsStep[] = [{ op: 'mkdir', path: containerDir, mode: 0o700 }];
  if (rwDir !== null) {
    steps.push({ op: 'mkdir', path: rwDir, mode: 0o700 });
    steps.push({
      op: 'mount',
      request: { source: 'tmpfs', target: rwDir, fstype: 'tmpfs', flags: 0, data: 'mode=0700' },
      cwd: null,
      role: 'rw-tmpfs',
    });
  }
  steps.push({ op: 'mkdir', path: upper, mode: input.rootMode ?? 0o755 });
  if ((input.rootUid ?? 0) !== 0 || (input.rootGid ?? 0) !== 0) {
    steps.push({ op: 'lchown', path: upper, uid: input.rootUid ?? 0, gid: input.rootGid ?? 0 });
  }
  steps.push({ op: 'mkdir', path: work, mode: 0o700 });
  steps.push({ op: 'mkdir', path: merged, mode: 0o755 });
  if (lowerForm === 'links') {
    steps.push({ op: 'mkdir', path: `${containerDir}/l`, mode: 0o700 });
    for (const link of links) steps.push({ op: 'symlink', target: link.target, path: `${containerDir}/${link.name}` });
  }
  const cwd = lowerForm === 'links' ? containerDir : null;
  const mount: MountRequest = { source: 'overlay', target: merged, fstype: 'overlay', flags: 0, data };
  steps.push({ op: 'mount', request: mount, cwd, role: 'rootfs' });
  return { containerDir, merged, upper, work, lowers, dropped, lowerForm, rwDir, steps, mount, cwd };
}

/** Bottom-first layers → top-first lowers, keeping the topmost copy of a repeated layer. */
export function stackLowers(layers: readonly string[]): { lowers: string[]; dropped: { dir: string; position: number }[] } {
  const seen = new Set<string>();
  const lowers: string[] = [];
  const dropped: { dir: string; position: number }[] = [];
  for (let position = layers.length - 1; position >= 0; position--) {
    const dir = layers[position]!.replace(/\/+$/, '');
    if (!dir.startsWith('/')) throw planError(`layer directory ${dir} is not absolute`, 'pass absolute layer directories');
    if (seen.has(dir)) dropped.unshift({ dir, position });
    else {
      seen.add(dir);
      lowers.push(dir);
    }
  }
  return { lowers, dropped };
}
