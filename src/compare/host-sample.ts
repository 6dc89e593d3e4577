import fs from 'node:fs';

/**
What the host sees of a running workload: memory high-water marks and process counts,
read from /proc and the cgroup files while the workload holds at its end marker.
*/

/** Bytes from a `/proc/<pid>/status` line such as `VmHWM:   123456 kB`; null when absent (a zombie has none). */
export function statusKilobytes(status: string, key: string): number | null {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? null : Number(match[1]) * 1024;
}

export function statusNumber(status: string, key: string): number | null {
  const match = new RegExp(`^${key}:\\s+(\\d+)$`, 'm').exec(status);
  return match === null ? null : Number(match[1]);
}

export interface ProcessSample {
  /** VmHWM: the peak resident set of the process, in bytes. */
  peakRssBytes: number;
  /** The process and its descendants. */
  processes: number;
  /** Threads of the process and its descendants. */
  threads: number;
}

type ReadText = (file: string) => string;
const readText: ReadText = (file) => fs.readFileSync(file, 'utf8');

/** The pids of a process's children, from every thread's `children` file (Linux 3.5+). */
function childrenOf(pid: number, read: ReadText, list: (dir: string) => string[]): number[] {
  const found: number[] = [];
  for (const tid of list(`/proc/${pid}/task`)) {
    try {
      found.push(...read(`/proc/${pid}/task/${tid}/children`).split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return found;
}

/** Samples a process tree (qemu and anything it started); null when the process is gone. */
export function sampleProcessTree(
  pid: number,
  read: ReadText = readText,
  list: (dir: string) => string[] = (dir) => fs.readdirSync(dir),
): ProcessSample | null {
  let status: string;
  try {
    status = read(`/proc/${pid}/status`);
  } catch {
    return null;
  }
  const peak = statusKilobytes(status, 'VmHWM');
  if (peak === null) return null;
  let processes = 0;
  let threads = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    try {
      threads += statusNumber(read(`/proc/${next}/status`), 'Threads') ?? 1;
      processes += 1;
      queue.push(...childrenOf(next, read, list));
    } catch {
      // Exited while we looked.
    }
  }
  return { peakRssBytes: peak, processes, threads };
}

/** Lines of a cgroup list file (cgroup.procs, tasks, cgroup.threads) as a count. */
export function countLines(text: string): number {
  return text.split('\n').filter((line) => line.trim() !== '').length;
}
