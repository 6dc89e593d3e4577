/**
The cgroup model behind cgroupfs: hierarchies (one per v1 mount of controllers, one unified v2
hierarchy), their groups, and what each group has been told. Membership lives on the processes
(process.cgroups), so there is one source of truth for cgroup.procs, pids.current and /proc/<pid>/cgroup.
*/
export interface CgroupHierarchy {
  /** The first field of /proc/<pid>/cgroup: 0 for v2, 1.. for v1 hierarchies. */
  id: number;
  version: 1 | 2;
  /** v1: the controllers bound to it (`cpu`, `name=systemd`); v2: those available at its root. */
  controllers: string[];
  root: CgroupNode;
  nextIno: number;
}

export interface CgroupAttrs {
  mode: number;
  uid: number;
  gid: number;
  xattrs: Map<string, Buffer>;
}

export interface CgroupNode {
  name: string;
  parent: CgroupNode | null;
  children: Map<string, CgroupNode>;
  hierarchy: CgroupHierarchy;
  ino: number;
  fileInos: Map<string, number>;
  /** What was written to interface files, in the kernel's normal form. */
  settings: Map<string, string>;
  /** v2 cgroup.subtree_control. */
  subtreeControl: Set<string>;
  /** chmod/chown/xattrs of the directory ('') and of interface files (by name). */
  attrs: Map<string, CgroupAttrs>;
  /** Event counters (`pids.max`, `memory.oom_kill`, ...) and high-water marks. */
  counters: Map<string, number>;
}

export function createHierarchy(id: number, version: 1 | 2, controllers: string[]): CgroupHierarchy {
  const hierarchy = { id, version, controllers, nextIno: 1 } as CgroupHierarchy;
  hierarchy.root = newNode(hierarchy, '', null);
  return hierarchy;
}

function newNode(hierarchy: CgroupHierarchy, name: string, parent: CgroupNode | null): CgroupNode {
  return {
    name,
    parent,
    children: new Map(),
    hierarchy,
    ino: hierarchy.nextIno++,
    fileInos: new Map(),
    settings: new Map(),
    subtreeControl: new Set(),
    attrs: new Map(),
    counters: new Map(),
  };
}

export function createChild(parent: CgroupNode, name: string): CgroupNode {
  const child = newNode(parent.hierarchy, name, parent);
  // cpuset(7): a new v1 cpuset starts with no CPUs and no memory nodes, unless clone_children is set.
  if (parent.settings.get('cgroup.clone_children') === '1') {
    for (const key of ['cpuset.cpus', 'cpuset.mems']) {
      const value = parent.settings.get(key);
      if (value !== undefined) child.settings.set(key, value);
    }
  }
  parent.children.set(name, child);
  return child;
}

export function fileIno(node: CgroupNode, file: string): number {
  let ino = node.fileInos.get(file);
  if (ino === undefined) {
    ino = node.hierarchy.nextIno++;
    node.fileInos.set(file, ino);
  }
  return ino;
}

/** `/user.slice/session-1.scope`: the path /proc/<pid>/cgroup shows. */
export function cgroupPath(node: CgroupNode): string {
  const names: string[] = [];
  for (let n: CgroupNode | null = node; n !== null && n.parent !== null; n = n.parent) names.unshift(n.name);
  return `/${names.join('/')}`;
}

export function findCgroup(hierarchy: CgroupHierarchy, path: string): CgroupNode | undefined {
  let node: CgroupNode | undefined = hierarchy.root;
  for (const name of path.split('/').filter((part) => part !== '')) node = node?.children.get(name);
  return node;
}

/** Makes every group on the path, like `mkdir -p` below the hierarchy root. */
export function ensureCgroup(hierarchy: CgroupHierarchy, path: string): CgroupNode {
  let node = hierarchy.root;
  for (const name of path.split('/').filter((part) => part !== '')) node = node.children.get(name) ?? createChild(node, name);
  return node;
}

export function isDescendant(node: CgroupNode, ancestor: CgroupNode): boolean {
  for (let n: CgroupNode | null = node; n !== null; n = n.parent) if (n === ancestor) return true;
  return false;
}

export function descendants(node: CgroupNode): CgroupNode[] {
  return [node, ...[...node.children.values()].flatMap(descendants)];
}

/**
Whether a controller's interface files (and its accounting) exist in this group: v1 when the
hierarchy has the controller; v2 in non-root groups whose parent enables it in cgroup.subtree_control.
*/
export function controllerActive(node: CgroupNode, controller: string): boolean {
  if (node.hierarchy.version === 1) return node.hierarchy.controllers.includes(controller);
  return node.parent !== null && node.parent.subtreeControl.has(controller);
}

/** v2 cgroup.controllers: all available controllers at the root, the parent's subtree_control below it. */
export function availableControllers(node: CgroupNode): string[] {
  if (node.parent === null) return node.hierarchy.controllers;
  return node.hierarchy.controllers.filter((name) => node.parent!.subtreeControl.has(name));
}

export function bump(node: CgroupNode, counter: string, by = 1): void {
  node.counters.set(counter, (node.counters.get(counter) ?? 0) + by);
}

export function raisePeak(node: CgroupNode, counter: string, value: number): void {
  if (value > (node.counters.get(counter) ?? 0)) node.counters.set(counter, value);
}
