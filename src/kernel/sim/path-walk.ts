import { ERRNO } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import { MAY_EXEC, requireAccess } from './access.js';
import type { Caller, FsNode } from './fs-types.js';
import type { Mount, MountNamespace } from './mount-table.js';

/** A node as seen through a mount: the pair the kernel calls a `struct path`. */
export interface Location {
  mount: Mount;
  node: FsNode;
}

/** One directory on the way down, with the name it was reached by ('' for the root). */
export interface Step {
  loc: Location;
  name: string;
}

export interface WalkEnv {
  caller: Caller;
  ns: MountNamespace;
  /** Absolute path of the working directory (below `root`), for relative paths. */
  cwd: string;
  /** The caller's root directory after chroot(2); absent: its mount namespace's root. */
  root?: Location;
}

export type LastKind = 'normal' | 'dot' | 'dotdot' | 'root';

export interface Walked {
  /** Directories from the root down to the one holding the last component. */
  parents: Step[];
  /** The last component as named; '' when the path names the root. */
  name: string;
  kind: LastKind;
  /** The last component after mounts (and symlinks when followed); null when it does not exist. */
  found: Location | null;
  trailingSlash: boolean;
}

/** path_resolution(7): at most 40 symlinks in one lookup, then ELOOP. */
const MAX_SYMLINKS = 40;
/** PATH_MAX counts the terminating NUL; NAME_MAX is per component. */
const PATH_MAX = 4096;
const NAME_MAX = 255;

export function pathOf(steps: Step[]): string {
  const names = steps.slice(1).map((s) => s.name);
  return `/${names.join('/')}`;
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Crosses into the topmost mount sitting on a node, repeatedly (mounts stack). */
export function crossMounts(ns: MountNamespace, loc: Location): Location {
  let current = loc;
  for (;;) {
    const above = ns.mountedOn(current.mount, current.node);
    if (above === undefined) return current;
    current = { mount: above, node: above.root };
  }
}

function isDirNode(loc: Location): boolean {
  return loc.mount.fs.stat(loc.node).type === 'dir';
}

/**
Walks `path` the way the kernel's path walk does: component by component from the root or the working
directory, checking search permission on each directory, crossing mounts, going up across mount roots
on `..` and expanding symlinks. The last component is followed (`follow`: open, stat, chmod), taken as
it is (`nofollow`: lstat, lchown, l*xattr; a trailing slash still follows), or only looked up in its
directory without crossing a mount or following a link (`parent`: mkdir, unlink, rename: the calls
that use filename_parentat()).
*/
export type LastMode = 'follow' | 'nofollow' | 'parent';

export function walkPath(env: WalkEnv, path: string, lastMode: LastMode): Walked {
  // path_resolution(7): an empty path is ENOENT; a path of PATH_MAX bytes or more is ENAMETOOLONG.
  if (path === '') throw new ErrnoFailure(ERRNO.ENOENT);
  if (Buffer.byteLength(path) >= PATH_MAX) throw new ErrnoFailure(ERRNO.ENAMETOOLONG);
  const rootStep: Step = { loc: env.root ?? { mount: env.ns.root, node: env.ns.root.root }, name: '' };
  let stack: Step[] = [rootStep];
  let queue = split(path.startsWith('/') ? path : `${env.cwd}/${path}`);
  let trailingSlash = path.endsWith('/') && queue.length > 0;
  let links = 0;
  let name = '';
  let kind: LastKind = 'root';
  let found: Location | null = rootStep.loc;

  while (queue.length > 0) {
    const component = queue.shift()!;
    const last = queue.length === 0;
    const dir = stack[stack.length - 1]!;
    // path_resolution(7): ENOTDIR when a non-final component is not a directory; EACCES without search permission.
    if (!isDirNode(dir.loc)) throw new ErrnoFailure(ERRNO.ENOTDIR);
    requireAccess(dir.loc.mount.fs.stat(dir.loc.node), env.caller, MAY_EXEC);
    if (Buffer.byteLength(component) > NAME_MAX) throw new ErrnoFailure(ERRNO.ENAMETOOLONG);
    name = component;
    if (last && lastMode === 'parent') {
      kind = component === '.' ? 'dot' : component === '..' ? 'dotdot' : 'normal';
      const child = kind === 'normal' ? dir.loc.mount.fs.lookup(dir.loc.node, component, env.caller) : dir.loc.node;
      found = child === null ? null : { mount: dir.loc.mount, node: child };
      break;
    }
    if (component === '.') {
      kind = 'dot';
      found = dir.loc;
      continue;
    }
    if (component === '..') {
      // The root's parent is the root itself (chroot and namespace roots never let .. out).
      if (stack.length > 1) stack = stack.slice(0, -1);
      kind = 'dotdot';
      found = stack[stack.length - 1]!.loc;
      continue;
    }
    kind = 'normal';
    const child = dir.loc.mount.fs.lookup(dir.loc.node, component, env.caller);
    if (child === null) {
      // A missing final component is the caller's business (create); a missing directory on the way is ENOENT.
      if (last) {
        found = null;
        break;
      }
      throw new ErrnoFailure(ERRNO.ENOENT);
    }
    const loc = crossMounts(env.ns, { mount: dir.loc.mount, node: child });
    const stat = loc.mount.fs.stat(loc.node);
    if (stat.type === 'symlink' && (!last || lastMode === 'follow' || trailingSlash)) {
      links += 1;
      if (links > MAX_SYMLINKS) throw new ErrnoFailure(ERRNO.ELOOP);
      const target = loc.mount.fs.readlink(loc.node, env.caller);
      // symlink(7): an empty target resolves to nothing.
      if (target === '') throw new ErrnoFailure(ERRNO.ENOENT);
      if (target.startsWith('/')) stack = [rootStep];
      const expanded = split(target);
      if (last && target.endsWith('/')) trailingSlash = true;
      queue = [...expanded, ...queue];
      if (queue.length === 0) {
        // The link pointed at `/` itself.
        kind = 'root';
        name = '';
        found = rootStep.loc;
      }
      continue;
    }
    if (last) {
      found = loc;
      break;
    }
    stack.push({ loc, name: component });
  }
  return { parents: stack, name, kind, found, trailingSlash };
}

/**
Resolves a path that must exist; with a trailing slash the last component must be a directory
(following a symlink to get there).
*/
export function resolveExisting(env: WalkEnv, path: string, follow: boolean): { loc: Location; path: string } {
  const walked = walkPath(env, path, follow ? 'follow' : 'nofollow');
  if (walked.found === null) throw new ErrnoFailure(ERRNO.ENOENT);
  if (walked.trailingSlash && !isDirNode(walked.found)) throw new ErrnoFailure(ERRNO.ENOTDIR);
  return { loc: walked.found, path: locationPath(walked) };
}

/** The absolute path of what a walk found, in the namespace. */
export function locationPath(walked: Walked): string {
  const dir = pathOf(walked.parents);
  return walked.kind === 'normal' ? joinPath(dir, walked.name) : dir;
}

function split(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}
