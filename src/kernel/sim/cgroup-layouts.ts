import { V2_CONTROLLERS } from './cgroup-files-v2.js';
import { createHierarchy, ensureCgroup, type CgroupHierarchy, type CgroupNode } from './cgroup-tree.js';

export type CgroupLayout = 'v1' | 'v2' | 'hybrid';

export interface BootCgroups {
  hierarchies: CgroupHierarchy[];
  /** Where pid 1 runs in a hierarchy. */
  initCgroup(h: CgroupHierarchy): CgroupNode;
  /** Where the login session (the shell, and glassbox started from it) runs. */
  sessionCgroup(h: CgroupHierarchy): CgroupNode;
}

const SESSION = '/user.slice/user-0.slice/session-1.scope';
/** v1 hierarchies in the order of this project's test machine (/proc/self/cgroup ids 1..9). */
const V1_HIERARCHIES = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'name=systemd'];
/** Where systemd puts a login session in each v1 hierarchy: accounting controllers follow the unit tree. */
const V1_SESSION: Record<string, string> = {
  cpu: '/user.slice',
  cpuacct: '/user.slice',
  memory: SESSION,
  pids: SESSION,
  'name=systemd': SESSION,
};

/**
Cgroups as systemd leaves them after boot. v2: every controller available, the root handing
cpuset/cpu/io/memory/pids down and the user slices memory and pids, down to the session scope, which
hands nothing further (its children get no controller files until something writes
cgroup.subtree_control). v1: one hierarchy per controller plus name=systemd. hybrid: v1 plus a
cgroup2 hierarchy left with hugetlb only, as on this project's test machine.
*/
export function buildCgroups(layout: CgroupLayout): BootCgroups {
  const hierarchies: CgroupHierarchy[] = [];
  if (layout === 'v1' || layout === 'hybrid') {
    V1_HIERARCHIES.forEach((name, index) => hierarchies.push(createHierarchy(index + 1, 1, [name])));
  }
  if (layout === 'v2') {
    const unified = createHierarchy(0, 2, [...V2_CONTROLLERS]);
    for (const name of ['cpuset', 'cpu', 'io', 'memory', 'pids']) unified.root.subtreeControl.add(name);
    ensureCgroup(unified, '/system.slice');
    for (const path of ['/user.slice', '/user.slice/user-0.slice']) {
      const node = ensureCgroup(unified, path);
      node.subtreeControl.add('memory');
      node.subtreeControl.add('pids');
    }
    hierarchies.push(unified);
  }
  if (layout === 'hybrid') hierarchies.push(createHierarchy(0, 2, ['hugetlb']));
  return {
    hierarchies,
    initCgroup: (h) => ensureCgroup(h, h.version === 2 || h.controllers[0] === 'name=systemd' ? '/init.scope' : '/'),
    sessionCgroup: (h) => ensureCgroup(h, h.version === 2 ? SESSION : V1_SESSION[h.controllers[0]!] ?? '/'),
  };
}
