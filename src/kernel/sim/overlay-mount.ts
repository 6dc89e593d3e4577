import { ERRNO } from '../errno.js';
import { MS } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { DeviceNumber } from './fs-types.js';
import { splitOptions } from './fs-options.js';
import { isDir, type SimInode } from './inode.js';
import { MemFs } from './memfs.js';
import type { OverlaySpec } from './overlayfs.js';
import type { Layer } from './overlay-view.js';
import { resolveExisting, type Location } from './path-walk.js';
import type { VfsContext } from './vfs-context.js';

const BOOLEAN_OPTIONS: Record<string, string[]> = {
  redirect_dir: ['on', 'off', 'follow', 'nofollow'],
  index: ['on', 'off'],
  xino: ['on', 'off', 'auto'],
  metacopy: ['on', 'off'],
  uuid: ['on', 'off', 'null', 'auto'],
  nfs_export: ['on', 'off'],
  verity: ['on', 'off', 'require'],
};
const FLAG_OPTIONS = ['userxattr', 'volatile', 'default_permissions'];

interface ResolvedDir {
  loc: Location;
  layer: Layer;
}

/** A layer directory: it must exist (ENOENT) and be a directory on a filesystem the model can stack (EINVAL). */
function resolveLayer(ctx: VfsContext, path: string): ResolvedDir {
  const { loc } = resolveExisting(ctx, path, true);
  if (!(loc.mount.fs instanceof MemFs) || !isDir(loc.node as SimInode)) throw new ErrnoFailure(ERRNO.EINVAL);
  return { loc, layer: { fs: loc.mount.fs, root: loc.node as SimInode } };
}

function contains(outer: ResolvedDir, inner: ResolvedDir): boolean {
  if (outer.layer.fs !== inner.layer.fs) return false;
  const search = (dir: SimInode): boolean => dir === inner.layer.root || [...dir.children.values()].some((c) => isDir(c) && search(c));
  return search(outer.layer.root);
}

/**
overlayfs(5) mount data: lowerdir=top:...:bottom (`::` before data-only layers), upperdir= and workdir=
together, a few on/off options. Each directory is looked up as its option is parsed (ENOENT first),
then the whole is checked: no lowerdir, upper without work, one lower without upper, work and upper
on different mounts or nested in each other are all EINVAL.
*/
export function planOverlay(ctx: VfsContext, data: string | null | undefined, flags: number, dev: DeviceNumber, source: string): OverlaySpec {
  let lowers: ResolvedDir[] | undefined;
  let upper: ResolvedDir | undefined;
  let work: ResolvedDir | undefined;
  const shown: string[] = [];
  for (const [key, value] of splitOptions(data)) {
    if (key === 'lowerdir') {
      // `lowerdir=` empty, or an empty layer name: EINVAL.
      const names = (value ?? '').split(/::?/);
      if (value === undefined || value === '' || names.some((n) => n === '')) throw new ErrnoFailure(ERRNO.EINVAL);
      lowers = names.map((name) => resolveLayer(ctx, name));
      shown.unshift(`lowerdir=${value}`);
    } else if (key === 'upperdir' || key === 'workdir') {
      if (value === undefined || value === '') throw new ErrnoFailure(ERRNO.EINVAL);
      const dir = resolveLayer(ctx, value);
      if (key === 'upperdir') upper = dir;
      else work = dir;
      shown.push(`${key}=${value}`);
    } else if (key in BOOLEAN_OPTIONS) {
      if (value === undefined || !BOOLEAN_OPTIONS[key]!.includes(value)) throw new ErrnoFailure(ERRNO.EINVAL);
    } else if (!FLAG_OPTIONS.includes(key) || value !== undefined) {
      throw new ErrnoFailure(ERRNO.EINVAL);
    }
  }
  if (lowers === undefined) throw new ErrnoFailure(ERRNO.EINVAL);
  // A workdir without an upperdir is ignored; an upperdir without a workdir is EINVAL.
  if (upper === undefined) work = undefined;
  if (upper !== undefined && work === undefined) throw new ErrnoFailure(ERRNO.EINVAL);
  if (upper === undefined && lowers.length < 2) throw new ErrnoFailure(ERRNO.EINVAL);
  if (upper !== undefined && work !== undefined) {
    // overlayfs: workdir and upperdir must be on the same mount and must not contain each other.
    if (upper.loc.mount !== work.loc.mount) throw new ErrnoFailure(ERRNO.EINVAL);
    if (contains(upper, work) || contains(work, upper)) throw new ErrnoFailure(ERRNO.EINVAL);
    // The upper layer must be writable.
    if ((upper.loc.mount.flags & MS.MS_RDONLY) !== 0 || upper.loc.mount.fs.readOnly) throw new ErrnoFailure(ERRNO.EROFS);
    prepareWorkdir(work);
  }
  // uuid=on: the overlay names itself on the upper root.
  if (upper !== undefined && (flags & MS.MS_RDONLY) === 0) upper.layer.root.xattrs.set('trusted.overlay.uuid', Buffer.from(`${dev.major}:${dev.minor}`.padEnd(16, '-')));
  const readOnly = upper === undefined || (flags & MS.MS_RDONLY) !== 0;
  const options = upper === undefined ? [...shown, 'redirect_dir=on'] : readOnly ? shown : [...shown, 'uuid=on'];
  return {
    dev,
    source,
    lowers: lowers.map((l) => l.layer),
    upper: upper?.layer ?? null,
    options: options.join(','),
  };
}

/** The kernel makes workdir/work (mode 0) fresh on every mount; it holds copy-ups in progress. */
function prepareWorkdir(work: ResolvedDir): void {
  const fs = work.layer.fs;
  fs.unlinkEntry(work.layer.root, 'work');
  const dir = fs.allocate(0o040000, 0, 0);
  fs.link(work.layer.root, 'work', dir);
}

