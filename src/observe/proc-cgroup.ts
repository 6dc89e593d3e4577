import { GlassboxError } from '../errors.js';
import { procPath, type KernelReader, type ProcRef } from './reader.js';

/** One line of /proc/<pid>/cgroup: `4:memory:/user.slice` (v1) or `0::/user.slice/x.scope` (v2). */
export interface ProcCgroupEntry {
  /** The hierarchy id; 0 is the cgroup2 hierarchy. */
  hierarchyId: number;
  /** v1: the controllers bound to the hierarchy (`cpu,cpuacct` → both); v2: empty. */
  controllers: string[];
  /** v1 named hierarchy without controllers: `name=systemd` → `systemd`. */
  name: string | null;
  /** The cgroup, relative to the root of the hierarchy as the reader's cgroup namespace sees it. */
  path: string;
  /** The cgroup was removed while the process still sat in it (v2 prints ` (deleted)`). */
  deleted: boolean;
}

export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  const entries: ProcCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    // The path may itself contain ':', so split on the first two only.
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    const id = line.slice(0, first);
    if (first < 0 || second < 0 || !/^\d+$/.test(id)) {
      throw new GlassboxError('OBSERVE_BAD_PROC_CGROUP', `cannot parse cgroup line: ${JSON.stringify(line)}`, { kind: 'bug' });
    }
    const list = line.slice(first + 1, second);
    let path = line.slice(second + 1);
    const deleted = path.endsWith(' (deleted)');
    if (deleted) path = path.slice(0, -' (deleted)'.length);
    const items = list === '' ? [] : list.split(',');
    const named = items.find((item) => item.startsWith('name='));
    entries.push({
      hierarchyId: Number(id),
      controllers: items.filter((item) => !item.startsWith('name=')),
      name: named === undefined ? null : named.slice('name='.length),
      path,
      deleted,
    });
  }
  return entries;
}

/** The cgroups `pid` is in, one per hierarchy. */
export function readProcCgroup(reader: KernelReader, pid: ProcRef = 'self'): ProcCgroupEntry[] {
  return parseProcCgroup(reader.readFile(procPath(pid, 'cgroup')));
}
