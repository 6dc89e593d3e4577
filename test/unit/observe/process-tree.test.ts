import { describe, expect, it } from 'vitest';
import {
  buildProcessTree,
  parseProcessStat,
  readCommandLine,
  readProcessTable,
  readProcessTree,
  walkProcessTree,
} from '../../../src/observe/process-tree.js';
import { SyscallError } from '../../../src/kernel/errors.js';
import { ERRNO } from '../../../src/kernel/errno.js';
import type { KernelReader } from '../../../src/observe/reader.js';
import { memoryReader } from '../../fixtures/observe/readers.js';

// A stat line as the kernel writes it, 52 fields; the tail is recorded from this machine.
function statLine(pid: number, comm: string, ppid: number, state = 'S'): string {
  return `${pid} (${comm}) ${state} ${ppid} ${pid} 2277 0 -1 4194304 102 0 0 0 3 1 0 0 20 0 1 0 56136 3133440 393 18446744073709551615 94246238863360 94246238883241 140720422725728 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94246238899248 94246238900864 94246793392128 140720422734559 140720422734579 140720422734579 140720422735851 0\n`;
}

function procTree(processes: [number, string, number][]): Record<string, string> {
  return Object.fromEntries(processes.map(([pid, comm, ppid]) => [`/proc/${pid}/stat`, statLine(pid, comm, ppid)]));
}

describe('stat parsing', () => {
  it('reads the fields after the name', () => {
    expect(parseProcessStat(statLine(3802, 'cat', 3798, 'R'))).toEqual({
      pid: 3802,
      comm: 'cat',
      state: 'R',
      ppid: 3798,
      pgrp: 3802,
      session: 2277,
      utime: 3,
      stime: 1,
      threads: 1,
      startTime: 56136,
      vsize: 3133440,
      rss: 393,
    });
  });

  it('keeps spaces and parentheses inside the name', () => {
    const stat = parseProcessStat(statLine(10, 'a) S 1 (b', 4));
    expect(stat.comm).toBe('a) S 1 (b');
    expect(stat.ppid).toBe(4);
    expect(parseProcessStat(statLine(11, 'tmux: server', 1)).comm).toBe('tmux: server');
  });

  it('refuses a truncated line', () => {
    expect(() => parseProcessStat('12 (x) S 1 12')).toThrow(/cannot parse stat/);
  });
});

describe('process tree', () => {
  const files = {
    ...procTree([
      [1, 'systemd', 0],
      [2, 'kthreadd', 0],
      [40, 'kworker/0:1', 2],
      [300, 'sshd', 1],
      [310, 'bash', 300],
      [320, 'node', 310],
      [330, 'sleep', 320],
      [321, 'gbx-helper', 320],
    ]),
    '/proc/self': '',
    '/proc/meminfo': 'MemTotal: 1 kB\n',
    '/proc/330/cmdline': 'sleep\u000030\u0000',
    '/proc/40/cmdline': '',
  };

  it('builds the tree under pid 1, children ordered by pid', () => {
    const tree = readProcessTree(memoryReader({ files }), 1)!;
    const shown = walkProcessTree(tree).map(({ stat, depth }) => `${'  '.repeat(depth)}${stat.pid} ${stat.comm}`);
    expect(shown).toEqual(['1 systemd', '  300 sshd', '    310 bash', '      320 node', '        321 gbx-helper', '        330 sleep']);
  });

  it('builds a subtree from any root, and null for an unknown one', () => {
    const table = readProcessTable(memoryReader({ files }));
    expect(table.size).toBe(8);
    expect(buildProcessTree(table, 2)!.children.map((c) => c.stat.comm)).toEqual(['kworker/0:1']);
    expect(buildProcessTree(table, 999)).toBeNull();
  });

  it('skips processes that vanish between readdir and read', () => {
    const base = memoryReader({ files });
    const racing: KernelReader = {
      ...base,
      readFile(path) {
        // 321 exits before its stat is opened; 330 is reaped while being read.
        if (path === '/proc/321/stat') throw new SyscallError('open', { path }, ERRNO.ENOENT);
        if (path === '/proc/330/stat') throw new SyscallError('read', { path }, ERRNO.ESRCH);
        return base.readFile(path);
      },
    };
    const table = readProcessTable(racing);
    expect([...table.keys()]).toEqual([1, 2, 40, 300, 310, 320]);
  });

  it('does not hide other failures', () => {
    const base = memoryReader({ files });
    const denied: KernelReader = {
      ...base,
      readFile(path) {
        if (path === '/proc/300/stat') throw new SyscallError('open', { path }, ERRNO.EACCES);
        return base.readFile(path);
      },
    };
    expect(() => readProcessTable(denied)).toThrow(/EACCES/);
  });

  it('survives a parent/child loop left by pid reuse', () => {
    const looped = procTree([
      [100, 'a', 50],
      [50, 'b', 100],
    ]);
    const tree = buildProcessTree(readProcessTable(memoryReader({ files: looped })), 100)!;
    expect(walkProcessTree(tree).map(({ stat }) => stat.pid)).toEqual([100, 50]);
  });

  it('reads argv, empty for a kernel thread, null once gone', () => {
    const reader = memoryReader({ files });
    expect(readCommandLine(reader, 330)).toEqual(['sleep', '30']);
    expect(readCommandLine(reader, 40)).toEqual([]);
    expect(readCommandLine(reader, 999)).toBeNull();
  });
});
