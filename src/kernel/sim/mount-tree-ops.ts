import { ERRNO } from '../errno.js';
import { MS } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { FsNode } from './fs-types.js';
import { newMount, type Mount, type MountIds, type MountNamespace } from './mount-table.js';
import { resolveExisting, type Location } from './path-walk.js';
import { statOf, type VfsContext } from './vfs-context.js';

/** Bind, move, propagation types and mount propagation between peers (mount_namespaces(7)). */

/** `path` as seen below `base` ('' when equal); undefined when it is not below. */
function below(path: string, base: string): string | undefined {
  if (path === base) return '';
  const prefix = base === '/' ? '/' : `${base}/`;
  return path.startsWith(prefix) ? `/${path.slice(prefix.length)}` : undefined;
}

function fsJoin(root: string, rest: string): string {
  if (rest === '') return root;
  return root === '/' ? rest : `${root}${rest}`;
}

/** clone_mnt(): the same filesystem and root, the same flags; a shared source's copy is its peer. */
function cloneMount(ids: MountIds, source: Mount, root: FsNode, rootPath: string): Mount {
  const copy = newMount(ids.mountId(), source.fs, root, rootPath, source.flags);
  ids.hold(source.fs);
  copy.shared = source.shared;
  copy.master = source.master;
  return copy;
}

/**
MS_BIND: the source subtree shown again at the target. Without MS_REC the mounts below the source
stay behind; with it they come along (except unbindable ones). EINVAL for an empty source or an
unbindable mount, ENOTDIR for a directory on a file or the other way round.
*/
export function bindMount(ctx: VfsContext, ids: MountIds, source: string, at: Location, atPath: string, recursive: boolean): void {
  if (source === '') throw new ErrnoFailure(ERRNO.EINVAL);
  const src = resolveExisting(ctx, source, true);
  const mount = src.loc.mount;
  if (mount.unbindable) throw new ErrnoFailure(ERRNO.EINVAL);
  if ((statOf(at).type === 'dir') !== (statOf(src.loc).type === 'dir')) throw new ErrnoFailure(ERRNO.ENOTDIR);
  const rootPath = fsJoin(mount.rootPath, below(src.path, mount.mountPath) ?? '');
  const top = cloneMount(ids, mount, src.loc.node, rootPath);
  const pairs: [Mount, Mount][] = [[mount, top]];
  if (at.mount.shared !== 0 && top.shared === 0) top.shared = ids.peerGroup();
  ctx.ns.attach(top, at.mount, at.node, atPath);
  if (recursive) {
    // copy_tree(): every mount below the source point, each under the copy of its parent.
    const queue = [...mount.children];
    while (queue.length > 0) {
      const child = queue.shift()!;
      const rest = below(child.mountPath, src.path);
      const parentCopy = pairs.find(([original]) => original === child.parent)?.[1];
      if (rest === undefined || rest === '' || parentCopy === undefined || child.unbindable) continue;
      const copy = cloneMount(ids, child, child.root, child.rootPath);
      if (parentCopy.shared !== 0 && copy.shared === 0) copy.shared = ids.peerGroup();
      ctx.ns.attach(copy, parentCopy, child.mountpoint!, `${atPath === '/' ? '' : atPath}${rest}`);
      pairs.push([child, copy]);
      queue.push(...child.children);
    }
  }
  propagateMount(ctx.ns, ids, top);
}

/** MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE on a mount, or with MS_REC on its whole tree. */
export function changePropagation(ids: MountIds, mount: Mount, type: number, recursive: boolean): void {
  const targets: Mount[] = [];
  const collect = (m: Mount): void => {
    targets.push(m);
    if (recursive) m.children.forEach(collect);
  };
  collect(mount);
  for (const m of targets) {
    if (type === MS.MS_SHARED) {
      if (m.shared === 0) m.shared = ids.peerGroup();
    } else if (type === MS.MS_SLAVE) {
      // A shared mount with peers becomes their slave; alone, it just stops being shared.
      const peers = targets.length > 0 && m.shared !== 0 ? allPeers(mount, m) : [];
      if (peers.length > 0) m.master = m.shared;
      m.shared = 0;
    } else {
      m.shared = 0;
      m.master = 0;
      m.unbindable = type === MS.MS_UNBINDABLE;
    }
  }
}

function allPeers(anyMount: Mount, m: Mount): Mount[] {
  let root = anyMount;
  while (root.parent !== null) root = root.parent;
  const found: Mount[] = [];
  const walk = (x: Mount): void => {
    if (x !== m && x.shared === m.shared) found.push(x);
    x.children.forEach(walk);
  };
  walk(root);
  return found;
}

/**
A mount made below a shared mount appears below each of its peers and slaves too, where the same
directory is visible (mount_namespaces(7), "propagation"). Copies on peers join the new mount's peer
group; copies on slaves become its slaves.
*/
export function propagateMount(ns: MountNamespace, ids: MountIds, mount: Mount): void {
  const parent = mount.parent;
  if (parent === null || parent.shared === 0 || mount.mountpoint === null) return;
  const rest = below(mount.mountPath, parent.mountPath) ?? '';
  const fsPath = fsJoin(parent.rootPath, rest);
  const receivers = ns.mounts.filter((m) => m !== parent && m !== mount && m.fs === parent.fs && (m.shared === parent.shared || m.master === parent.shared));
  for (const receiver of receivers) {
    const inside = below(fsPath, receiver.rootPath);
    if (inside === undefined || isBelow(receiver, mount)) continue;
    const copy = cloneMount(ids, mount, mount.root, mount.rootPath);
    if (receiver.shared !== parent.shared) {
      copy.master = mount.shared;
      copy.shared = 0;
    }
    const path = inside === '' ? receiver.mountPath : `${receiver.mountPath === '/' ? '' : receiver.mountPath}${inside}`;
    ns.attach(copy, receiver, mount.mountpoint, path);
  }
}

function isBelow(m: Mount, ancestor: Mount): boolean {
  for (let x: Mount | null = m; x !== null; x = x.parent) if (x === ancestor) return true;
  return false;
}

/** The copies that propagation made of `mount` on the peers and slaves of its parent. */
export function propagatedCopies(ns: MountNamespace, mount: Mount): Mount[] {
  const parent = mount.parent;
  if (parent === null || parent.shared === 0) return [];
  return ns.mounts.filter(
    (m) => m !== mount && m.fs === mount.fs && m.root.key === mount.root.key && m.mountpoint?.key === mount.mountpoint?.key && m.parent !== null && m.parent !== parent && (m.parent.shared === parent.shared || m.parent.master === parent.shared),
  );
}

/** MS_MOVE: a mount and everything on it, to another place. */
export function moveMount(ctx: VfsContext, source: string, at: Location, atPath: string): void {
  const src = resolveExisting(ctx, source, true);
  const mount = src.loc.mount;
  // mount(2): EINVAL when the source is not a mount point, is the root, or sits on a shared mount.
  if (src.loc.node.key !== mount.root.key || mount.parent === null || mount.parent.shared !== 0) throw new ErrnoFailure(ERRNO.EINVAL);
  // mount(2): ELOOP when moving a mount below itself.
  if (isBelow(at.mount, mount)) throw new ErrnoFailure(ERRNO.ELOOP);
  if ((statOf(at).type === 'dir') !== (mount.fs.stat(mount.root).type === 'dir')) throw new ErrnoFailure(ERRNO.ENOTDIR);
  const oldPath = mount.mountPath;
  mount.parent.children = mount.parent.children.filter((c) => c !== mount);
  mount.parent = at.mount;
  mount.mountpoint = at.node;
  at.mount.children.push(mount);
  const rename = (m: Mount): void => {
    const rest = below(m.mountPath, oldPath) ?? '';
    m.mountPath = rest === '' ? atPath : `${atPath === '/' ? '' : atPath}${rest}`;
    m.children.forEach(rename);
  };
  rename(mount);
}
