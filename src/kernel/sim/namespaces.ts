/**
Namespaces as /proc/<pid>/ns shows them: a kind and an inode number. Since Linux 6.x the initial
namespaces have fixed inode numbers (MNT_NS_INIT_INO 0xEFFFFFF8 up to IPC_NS_INIT_INO 0xEFFFFFFF);
new ones get numbers from 0xF0000000 up (proc_alloc_inum), which is what `lsns` shows on a real host.
*/
import type { CgroupHierarchy, CgroupNode } from './cgroup-tree.js';

export type NamespaceKind = 'cgroup' | 'ipc' | 'mnt' | 'net' | 'pid' | 'time' | 'user' | 'uts';

export interface Namespace {
  kind: NamespaceKind;
  inode: number;
  /** pid: the namespace it was made in (null for the initial one), and the next number it hands out. */
  parent?: Namespace | null;
  nextPid?: number;
  /** cgroup: the group per hierarchy that is `/` inside (cgroup_namespaces(7)); absent: each hierarchy's root. */
  cgroupRoots?: Map<CgroupHierarchy, CgroupNode>;
  /** net: whether lo is up (a new network namespace starts with lo down). */
  loopbackUp?: boolean;
}

export interface UtsNamespace extends Namespace {
  kind: 'uts';
  hostname: string;
  domainname: string;
}

export interface NamespaceSet {
  cgroup: Namespace;
  ipc: Namespace;
  mnt: Namespace;
  net: Namespace;
  pid: Namespace;
  pidForChildren: Namespace;
  time: Namespace;
  timeForChildren: Namespace;
  user: Namespace;
  uts: UtsNamespace;
}

export const INITIAL_NS_INODES: Record<NamespaceKind, number> = {
  mnt: 0xeffffff8,
  net: 0xeffffff9,
  time: 0xeffffffa,
  cgroup: 0xeffffffb,
  pid: 0xeffffffc,
  user: 0xeffffffd,
  uts: 0xeffffffe,
  ipc: 0xefffffff,
};

const FIRST_DYNAMIC_INODE = 0xf0000000;

export class NamespaceIds {
  private next = FIRST_DYNAMIC_INODE;

  allocate(): number {
    return this.next++;
  }
}

export function initialNamespaces(hostname: string): NamespaceSet {
  const ns = (kind: NamespaceKind): Namespace => ({ kind, inode: INITIAL_NS_INODES[kind] });
  const pid = ns('pid');
  const time = ns('time');
  return {
    cgroup: ns('cgroup'),
    ipc: ns('ipc'),
    mnt: ns('mnt'),
    net: ns('net'),
    pid,
    pidForChildren: pid,
    time,
    timeForChildren: time,
    user: ns('user'),
    uts: { kind: 'uts', inode: INITIAL_NS_INODES.uts, hostname, domainname: '(none)' },
  };
}

/** The entries of /proc/<pid>/ns in the order the kernel lists them, with the namespace each shows. */
export function namespaceLinks(set: NamespaceSet): [string, Namespace][] {
  return [
    ['cgroup', set.cgroup],
    ['ipc', set.ipc],
    ['mnt', set.mnt],
    ['net', set.net],
    ['pid', set.pid],
    ['pid_for_children', set.pidForChildren],
    ['time', set.time],
    ['time_for_children', set.timeForChildren],
    ['user', set.user],
    ['uts', set.uts],
  ];
}
