import { GlassboxError } from '../errors.js';
import { isGone, procPath, readOptional, type KernelReader } from './reader.js';

/** The fields of /proc/<pid>/stat the TUI shows (proc(5) numbers them from 1). */
export interface ProcessStat {
  pid: number;
  /** The task name, up to 15 bytes, any of which may be a space or `)`. */
  comm: string;
  /** One letter: R running, S sleeping, D disk sleep, Z zombie, T stopped, I idle... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  threads: number;
  /** Clock ticks after boot (usually 100 per second). */
  startTime: number;
  /** User and system CPU time, clock ticks. */
  utime: number;
  stime: number;
  /** Virtual size in bytes and resident set in pages. */
  vsize: number;
  rss: number;
}

export function parseProcessStat(text: string): ProcessStat {
  // comm is whatever prctl(PR_SET_NAME) set, so `(` `)` and spaces may be inside it:
  // it runs from the first '(' to the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).trim().split(' ');
  if (open < 0 || close < open || rest.length < 22) {
    throw new GlassboxError('OBSERVE_BAD_STAT', `cannot parse stat: ${JSON.stringify(text.slice(0, 80))}`, { kind: 'bug' });
  }
  const field = (index: number): number => Number(rest[index]);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: field(1),
    pgrp: field(2),
    session: field(3),
    utime: field(11),
    stime: field(12),
    threads: field(17),
    startTime: field(19),
    vsize: field(20),
    rss: field(21),
  };
}

/** One process's stat, or null if it has exited (ENOENT/ESRCH) by the time we read. */
export function readProcessStat(reader: KernelReader, pid: number): ProcessStat | null {
  const text = readOptional(reader, procPath(pid, 'stat'));
  return text === null ? null : parseProcessStat(text);
}

/** argv of a process (NUL-separated in /proc/<pid>/cmdline); empty for kernel threads, null if gone. */
export function readCommandLine(reader: KernelReader, pid: number): string[] | null {
  const text = readOptional(reader, procPath(pid, 'cmdline'));
  if (text === null) return null;
  const argv = text.split('\0');
  if (argv.at(-1) === '') argv.pop();
  return argv;
}

/**
Every process in the reader's pid namespace, by pid. Processes come and go while we
list /proc: one that vanishes between readdir and read is skipped, not an error.
*/
export function readProcessTable(reader: KernelReader): Map<number, ProcessStat> {
  const table = new Map<number, ProcessStat>();
  const pids = reader
    .readdir('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  for (const pid of pids) {
    let stat: ProcessStat | null;
    try {
      stat = readProcessStat(reader, pid);
    } catch (error) {
      // A task reaped mid-read can also fail the read itself (ESRCH), not only the open.
      if (isGone(error)) continue;
      throw error;
    }
    if (stat !== null) table.set(pid, stat);
  }
  return table;
}

export interface ProcessNode {
  stat: ProcessStat;
  /** Children ordered by pid. */
  children: ProcessNode[];
}

/** The subtree under `rootPid`, or null if it is not in the table. */
export function buildProcessTree(table: Map<number, ProcessStat>, rootPid: number): ProcessNode | null {
  const root = table.get(rootPid);
  if (root === undefined) return null;
  const byParent = new Map<number, ProcessStat[]>();
  for (const stat of table.values()) {
    if (stat.pid === stat.ppid) continue;
    const siblings = byParent.get(stat.ppid) ?? [];
    siblings.push(stat);
    byParent.set(stat.ppid, siblings);
  }
  // Pids are reused while we read, so a snapshot can hold a parent/child loop: visit each pid once.
  const seen = new Set<number>();
  const grow = (stat: ProcessStat): ProcessNode => {
    seen.add(stat.pid);
    const children = (byParent.get(stat.pid) ?? []).filter((child) => !seen.has(child.pid)).sort((a, b) => a.pid - b.pid);
    return { stat, children: children.map(grow) };
  };
  return grow(root);
}

/** Reads the table and builds the tree under `rootPid` (1: everything but kernel threads). */
export function readProcessTree(reader: KernelReader, rootPid = 1): ProcessNode | null {
  return buildProcessTree(readProcessTable(reader), rootPid);
}

/** Depth-first, parents first, with depth: for printing like `ps -ejH`. */
export function walkProcessTree(root: ProcessNode): { stat: ProcessStat; depth: number }[] {
  const out: { stat: ProcessStat; depth: number }[] = [];
  const visit = (node: ProcessNode, depth: number): void => {
    out.push({ stat: node.stat, depth });
    for (const child of node.children) visit(child, depth + 1);
  };
  visit(root, 0);
  return out;
}
