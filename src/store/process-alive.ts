import fs from 'node:fs';

/**
Whether a process that wrote a lock or a temp file is still the same running process.
A pid alone is not enough: pids are reused, so the owner also records its start time
(field 22 of /proc/<pid>/stat, in clock ticks since boot) and a match of both is required.
*/
export interface ProcessIdentity {
  pid: number;
  /** undefined where /proc is not available (then the pid alone decides) */
  startTime: string | undefined;
}

export function readStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

let own: ProcessIdentity | undefined;

/** This process: read once (a lock, a temp name and a container's owner each ask for it). */
export function ownIdentity(): ProcessIdentity {
  if (own === undefined || own.pid !== process.pid) own = { pid: process.pid, startTime: readStartTime(process.pid) };
  return { ...own };
}

export function isProcessAlive(owner: ProcessIdentity): boolean {
  if (!Number.isSafeInteger(owner.pid) || owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user. ESRCH: gone.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.startTime === undefined) return true;
  const now = readStartTime(owner.pid);
  return now === undefined || now === owner.startTime;
}
