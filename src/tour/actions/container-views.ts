import type { Kernel } from '../../kernel/types.js';
import { readMountInfo } from '../../observe/mountinfo.js';
import { buildMountTree, walkMountTree } from '../../observe/mount-tree.js';
import { readNamespaces, type NamespaceType } from '../../observe/namespaces.js';
import { readProcessStat } from '../../observe/process-tree.js';
import { readStatus } from '../../observe/status.js';
import { readOptional } from '../../observe/reader.js';
import type { MountsView, NamespacesView, ProcessRow } from '../types.js';
import type { LiveContainer } from './state.js';

/** The namespaces a container can be given, as /proc/<pid>/ns names them. */
export const SHOWN_NAMESPACES: readonly NamespaceType[] = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'];

/**
The container seen from outside: its PID 1's namespace inodes beside ours, gbx-run and its child
as the host numbers them and the child as the container numbers it (the last NSpid), and both
hostnames.
*/
export function readNamespacesView(kernel: Kernel, live: LiveContainer): NamespacesView {
  const pid = live.started.launched.pid;
  const host = readNamespaces(kernel, 'self');
  const container = readNamespaces(kernel, pid);
  const rows = SHOWN_NAMESPACES.map((type) => ({ type, host: host[type]?.inode ?? 0, container: container[type]?.inode ?? null }));
  // Only the two processes a lesson container has (gbx-run and its child): scanning all of /proc
  // would make the call log as long as the host's process list.
  const helper = readProcessStat(kernel, live.started.launched.helperPid);
  const child = readProcessStat(kernel, pid);
  const outside: ProcessRow[] = [];
  if (helper !== null) outside.push({ pid: helper.pid, ppid: helper.ppid, command: helper.comm, depth: 0 });
  if (child !== null) outside.push({ pid: child.pid, ppid: child.ppid, command: child.comm, depth: helper === null ? 0 : 1 });
  const inside: ProcessRow[] = child === null ? [] : [{ pid: readStatus(kernel, pid).nsPid.at(-1) ?? pid, ppid: live.report?.ppid ?? 0, command: child.comm, depth: 0 }];
  return {
    kind: 'namespaces',
    rows,
    inside,
    outside,
    hostname: { host: (readOptional(kernel, '/proc/sys/kernel/hostname') ?? '').trim(), container: live.report?.hostname ?? null },
  };
}

/** Namespace types (of SHOWN_NAMESPACES) whose inode differs between the host and the container. */
export function differingNamespaces(view: NamespacesView): string[] {
  return view.rows.filter((row) => row.container !== null && row.container !== row.host).map((row) => row.type);
}

/** The container's mount table as a tree, read from outside through /proc/<pid>/mountinfo. */
export function readMountsView(kernel: Kernel, pid: number, previous: readonly string[]): MountsView {
  const entries = readMountInfo(kernel, pid);
  const mounts = walkMountTree(buildMountTree(entries)).map(({ entry, depth }) => ({
    id: entry.mountId,
    parent: entry.parentId,
    mountPoint: entry.mountPoint,
    fstype: entry.fsType,
    source: entry.source,
    options: entry.options.join(','),
    depth,
  }));
  const now = mounts.map((m) => m.mountPoint);
  return { kind: 'mounts', mounts, added: now.filter((p) => !previous.includes(p)), removed: previous.filter((p) => !now.includes(p)) };
}
