import { V2_CONTROLLERS } from './cgroup-files-v2.js';
import { createHierarchy, ensureCgroup, type CgroupHierarchy, type CgroupNode } from './cgroup-tree.js';

export type CgroupLayout = 'v1' | 'v2' | 'hybrid';

/**
Where glassbox was started: `delegated`, alone in a scope of its own whose controllers were handed to
it (`systemd-run --scope -p Delegate=yes glassbox learn`, the recommended start on a v2 host); or
`session`, straight from the login shell, sharing the session scope with it.
*/
export type CgroupPlacement = 'delegated' | 'session';

export interface BootCgroups {
  hierarchies: CgroupHierarchy[];
  /** Where pid 1 runs in a hierarchy. */
  initCgroup(h: CgroupHierarchy): CgroupNode;
  /** Where the login session (the shell glassbox was started from) runs. */
  sessionCgroup(h: CgroupHierarchy): CgroupNode;
  /** Where glassbox itself runs: the session, or its delegated scope. */
  selfCgroup(h: CgroupHierarchy): CgroupNode;
}

const SESSION = '/user.slice/user-0.slice/session-1.scope';
/**
The scope `systemd-run --scope` makes as root: the system manager puts transient units in
system.slice unless --slice says otherwise (systemd-run(1)); `run-u<N>` is its generated name.
*/
export const DELEGATED_SCOPE = '/system.slice/run-u12.scope';
/** What Delegate=yes hands a scope on a v2 host: every controller systemd manages there. */
const DELEGATED_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'pids'];
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
The placement a machine gets unless asked: root on v2 as started the recommended way; v1 and hybrid
as on the test machine. A user without root would get its scope from its own user manager
(systemd-run --user), chowned to it: not modelled, so the unprivileged machine stays in its session.
*/
export function defaultPlacement(layout: CgroupLayout, privileged = true): CgroupPlacement {
  return layout === 'v2' && privileged ? 'delegated' : 'session';
}

/**
Cgroups as systemd leaves them after boot. v2: every controller available, the root handing
cpuset/cpu/io/memory/pids down and the user slices memory and pids, down to the session scope, which
hands nothing further (its children get no controller files until something writes
cgroup.subtree_control). v1: one hierarchy per controller plus name=systemd. hybrid: v1 plus a
cgroup2 hierarchy left with hugetlb only, as on this project's test machine.

Delegated placement adds glassbox's own scope. On v2, systemd enables the delegated controllers in
system.slice's cgroup.subtree_control so that they show in the scope's cgroup.controllers, and leaves
the scope's own cgroup.subtree_control empty: writing it is the delegate's business
(cgroup-v2.rst, "Delegation"). Its only process is glassbox, so glassbox may move itself into a leaf
and then hand domain controllers down. On v1, Delegate=yes puts the scope in every hierarchy.
*/
export function buildCgroups(layout: CgroupLayout, placement: CgroupPlacement): BootCgroups {
  const hierarchies: CgroupHierarchy[] = [];
  if (layout === 'v1' || layout === 'hybrid') {
    V1_HIERARCHIES.forEach((name, index) => hierarchies.push(createHierarchy(index + 1, 1, [name])));
  }
  if (layout === 'v2') {
    const unified = createHierarchy(0, 2, [...V2_CONTROLLERS]);
    for (const name of ['cpuset', 'cpu', 'io', 'memory', 'pids']) unified.root.subtreeControl.add(name);
    const system = ensureCgroup(unified, '/system.slice');
    if (placement === 'delegated') for (const name of DELEGATED_CONTROLLERS) system.subtreeControl.add(name);
    for (const path of ['/user.slice', '/user.slice/user-0.slice']) {
      const node = ensureCgroup(unified, path);
      node.subtreeControl.add('memory');
      node.subtreeControl.add('pids');
    }
    hierarchies.push(unified);
  }
  if (layout === 'hybrid') hierarchies.push(createHierarchy(0, 2, ['hugetlb']));
  const sessionCgroup = (h: CgroupHierarchy): CgroupNode => ensureCgroup(h, h.version === 2 ? SESSION : V1_SESSION[h.controllers[0]!] ?? '/');
  return {
    hierarchies,
    initCgroup: (h) => ensureCgroup(h, h.version === 2 || h.controllers[0] === 'name=systemd' ? '/init.scope' : '/'),
    sessionCgroup,
    selfCgroup: (h) => (placement === 'delegated' ? ensureCgroup(h, DELEGATED_SCOPE) : sessionCgroup(h)),
  };
}
