import { describe, expect, it } from 'vitest';
import type { LessonTrace } from '../../src/tour/headless.js';
import { diffTraces, normalizeText, normalizeTrace } from '../../src/tour/normalize-trace.js';
import type { CallRecord } from '../../src/tour/types.js';

/** What the real-vs-simulated comparison treats as the same, and what it still tells apart. */
const cgroups = [{ mountPoint: '/sys/fs/cgroup/memory', ownDir: '/sys/fs/cgroup/memory/a/b' }];

function trace(calls: CallRecord[], facts: Record<string, string | number | boolean>): LessonTrace {
  return {
    lesson: 'x',
    mode: 'REAL',
    steps: [{ id: 's', action: 'a', planned: [], result: { outcome: { view: { kind: 'text', lines: [] }, facts }, calls, ms: 1 } }],
    teardown: { calls: [], failures: [] },
    complete: true,
  };
}

const call = (name: string, args: string[], result?: string, errno?: string): CallRecord => ({
  by: 'node',
  call: name,
  args,
  ms: 0.5,
  ...(result === undefined ? {} : { result }),
  ...(errno === undefined ? {} : { errno }),
});

describe('trace normalization', () => {
  it('writes paths relative to our own cgroup, and the groups above it as our own', () => {
    const text = (value: string): string => normalizeText(value, { hostname: 'h', cgroups });
    expect(text('path=/sys/fs/cgroup/memory/a/b/glassbox-0123456789ab/memory.max')).toBe('path=<memory>/glassbox-<id>/memory.max');
    expect(text('path=/sys/fs/cgroup/memory/a')).toBe('path=<memory>');
    expect(text('path=/sys/fs/cgroup/memory/cgroup.controllers')).toBe('path=<memory>/cgroup.controllers');
    expect(text('path=/sys/fs/cgroup/memory/other/x')).toBe('path=/sys/fs/cgroup/memory/other/x');
    expect(text('/tmp/glassbox-tour-Ab3dEf/rootfs/merged /proc/4242/ns/mnt mnt:[4026531841] 127.0.0.1:45123/demo')).toBe('<scratch>/rootfs/merged /proc/<pid>/ns/mnt mnt:[<ino>] <registry>/demo');
  });

  it('agrees on runs that differ only in pids, temp names, times and host file sizes', () => {
    const a = trace([call('read', ['path=/proc/self/mountinfo'], '2145'), call('kill', ['pid=15303', 'sig=SIGKILL'], '0'), call('mkdir', ['path=/tmp/glassbox-tour-AAAAAA/x'], '0')], { pid1: 15303, hostname: 'vm' });
    const b = trace([call('read', ['path=/proc/self/mountinfo'], '880'), call('kill', ['pid=1236', 'sig=SIGKILL'], '0'), call('mkdir', ['path=/tmp/glassbox-tour-BBBBBB/x'], '0')], { pid1: 1236, hostname: 'glassbox' });
    expect(diffTraces(normalizeTrace(a, { hostname: 'vm' }), normalizeTrace(b, { hostname: 'glassbox' }))).toEqual([]);
  });

  it('tells apart an errno, a result and a fact', () => {
    const real = trace([call('mknod', ['path=/tmp/glassbox-tour-AAAAAA/dev/null'], undefined, 'EOVERFLOW')], { started: false, pid1: 1 });
    const sim = trace([call('mknod', ['path=/tmp/glassbox-tour-BBBBBB/dev/null'], '0')], { started: true, pid1: 2222 });
    const differences = diffTraces(normalizeTrace(real, { hostname: 'h' }), normalizeTrace(sim, { hostname: 'h' }));
    expect(differences).toHaveLength(3);
    expect(differences[0]).toMatch(/mknod path=<scratch>\/dev\/null = -1 EOVERFLOW/);
    expect(differences.slice(1)).toEqual(['step s fact started: real=false sim=true', 'step s fact pid1: real=1 sim=<pid>']);
  });
});
