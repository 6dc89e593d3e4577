import { GlassboxError } from '../errors.js';
import { isGone, procPath, type KernelReader, type ProcRef } from './reader.js';

/**
The entries of /proc/<pid>/ns. `pid_for_children` and `time_for_children` are the
namespaces the process's next children will be born in: unshare(CLONE_NEWPID) changes
only those; the caller itself never moves to another pid namespace.
*/
export const NAMESPACE_TYPES = [
  'cgroup',
  'ipc',
  'mnt',
  'net',
  'pid',
  'pid_for_children',
  'time',
  'time_for_children',
  'user',
  'uts',
] as const;

export type NamespaceType = (typeof NAMESPACE_TYPES)[number];

/** `mnt:[4026531841]` → kind `mnt`, inode 4026531841: the inode names the namespace. */
export interface NamespaceId {
  /** The link's own kind: `pid` for both pid and pid_for_children. */
  kind: string;
  inode: number;
}

export type NamespaceSet = Record<NamespaceType, NamespaceId | null>;

export function parseNamespaceLink(link: string): NamespaceId {
  const match = /^([a-z_]+):\[(\d+)\]$/.exec(link.trim());
  if (match === null) {
    throw new GlassboxError('OBSERVE_BAD_NS_LINK', `not a namespace link: ${JSON.stringify(link)}`, { kind: 'bug' });
  }
  return { kind: match[1]!, inode: Number(match[2]) };
}

/**
Reads every /proc/<pid>/ns link. A type the kernel lacks (time before 5.6, cgroup before
4.6) is null, and so is pid_for_children of a process that unshared a pid namespace and
has not forked yet: readlink fails with ENOENT until the namespace has its first process
(measured on 6.18). A vanished process reads as all null. Other failures, EACCES on a
process we may not trace for instance, are thrown.
*/
export function readNamespaces(reader: KernelReader, pid: ProcRef = 'self'): NamespaceSet {
  const set = {} as NamespaceSet;
  for (const type of NAMESPACE_TYPES) {
    let link: string;
    try {
      link = reader.readlink(procPath(pid, 'ns', type));
    } catch (error) {
      if (!isGone(error)) throw error;
      set[type] = null;
      continue;
    }
    set[type] = parseNamespaceLink(link);
  }
  return set;
}

export interface NamespaceComparison {
  type: NamespaceType;
  left: NamespaceId | null;
  right: NamespaceId | null;
  /** null when either side is unknown. */
  same: boolean | null;
}

/** Type by type: does `right` (a container) share the namespace of `left` (the host)? */
export function compareNamespaces(left: NamespaceSet, right: NamespaceSet): NamespaceComparison[] {
  return NAMESPACE_TYPES.map((type) => {
    const a = left[type];
    const b = right[type];
    return { type, left: a, right: b, same: a === null || b === null ? null : a.inode === b.inode };
  });
}
