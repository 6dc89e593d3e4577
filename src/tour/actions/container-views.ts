import type { Kernel } from '../../kernel/types.js';
import { readMountInfo } from '../../observe/mountinfo.js';
import { buildMountTree, walkMountTree } from '../../observe/mount-tree.js';
import { readNamespaces, type NamespaceType } from '../../observe/namespaces.js';
import { readProcessTable, buildProcessTree, walkProcessTree } from '../../observe/process-tree.js';
import { readStatus } from '../../observe/status.js';
import { readOptional } from '../../observe/reader.js';
import type { MountsView, NamespacesView, ProcessRow } from '../types.js';
import type { LiveContainer } from './state.js';

/** The namespaces a container can be given, as /proc/<pid>/ns names them. */
export const SHOWN_NAMESPACES: readonly NamespaceType[] = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'];

/**
The container seen from outside: its PID 1's namespace inodes beside ours, the process tree under
gbx-run with each process's pid inside the container (the last NSpid), and both hostnames.
*/
export function readNamespacesView(kernel: Kernel, live: LiveContainer): NamespacesView {
  const pid = live.started.launched.pid;
  const host = readNamespaces(kernel, 'self');
  const container = readNamespaces(kernel, pid);
  const rows = SHOWN_NAMESPACES.map((type) => ({ type, host: host[type]?.inode ?? 0, container: container[type]?.inode ?? null }));
  const table = readProcessTable(kernel);
  const tree = buildProcessTree(table, live.started.launched.helperPid) ?? buildProcessTree(table, pid);
  const outside: ProcessRow[] = tree === null ? [] : walkProcessTree(tree).map(({ stat, depth }) => ({ pid: stat.pid, ppid: stat.ppid, command: stat.comm, depth }));
  const inner = buildProcessTree(table, pid);
  const inside: ProcessRow[] =
    inner === null
      ? []
      : walkProcessTree(inner).map(({ stat, depth }) => {
          const nsPid = readStatus(kernel, stat.pid).nsPid;
          const parent = depth === 0 ? 0 : (readStatus(kernel, stat.ppid).nsPid.at(-1) ?? 0);
          return { pid: nsPid.at(-1) ?? stat.pid, ppid: parent, command: stat.comm, depth };
        });
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
