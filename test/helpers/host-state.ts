import fs from 'node:fs';
import path from 'node:path';

/** What the leak check compares before and after the run. */
export interface HostState {
  mounts: Set<string>;
  cgroups: Set<string>;
  processes: Map<number, string>;
}

function mountKeys(): Set<string> {
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return new Set();
  }
  // mount id + mount point: a mount made and removed again does not count.
  return new Set(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const fields = line.split(' ');
        return `${fields[0]} ${fields[4]} (${line.split(' - ')[1]?.split(' ')[0] ?? '?'})`;
      }),
  );
}

/** Our own cgroup directory in each hierarchy, from /proc/self/cgroup and the usual mount points. */
function ownCgroupDirs(): string[] {
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const [id, controllers = '', own = '/'] = line.split(':');
    const names = controllers.split(',').filter(Boolean);
    const candidates =
      id === '0'
        ? ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']
        : names.map((name) => `/sys/fs/cgroup/${name.replace(/^name=/, '')}`);
    for (const mount of candidates) {
      const dir = path.join(mount, own);
      if (fs.existsSync(path.join(mount, 'cgroup.procs'))) {
        dirs.push(dir);
        break;
      }
    }
  }
  return dirs;
}

function cgroupTree(dirs: string[]): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string, depth: number): void => {
    if (depth > 6) return;
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const child = path.join(dir, entry.name);
      found.add(child);
      walk(child, depth + 1);
    }
  };
  for (const dir of dirs) walk(dir, 0);
  return found;
}

/** Processes that carry the run's marker in their environment, except the test runner's own. */
function markedProcesses(marker: string): Map<number, string> {
  const found = new Map<number, string>();
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return found;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!environ.includes(`GLASSBOX_TEST_RUN=${marker}`)) continue;
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
      // The runner's worker processes are ours to leave; they exit with the runner.
      if (/vitest|tinypool/.test(cmdline)) continue;
      found.set(Number(pid), cmdline);
    } catch {
      // vanished or not readable: not a survivor we can name
    }
  }
  return found;
}

export function snapshotHostState(marker: string): HostState {
  return { mounts: mountKeys(), cgroups: cgroupTree(ownCgroupDirs()), processes: markedProcesses(marker) };
}

export function diffHostState(before: HostState, after: HostState): string[] {
  const leaks: string[] = [];
  for (const mount of after.mounts) if (!before.mounts.has(mount)) leaks.push(`mount ${mount}`);
  for (const cgroup of after.cgroups) if (!before.cgroups.has(cgroup)) leaks.push(`cgroup ${cgroup}`);
  for (const [pid, cmdline] of after.processes) if (!before.processes.has(pid)) leaks.push(`process ${pid}: ${cmdline}`);
  return leaks;
}
