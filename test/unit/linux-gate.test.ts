import { describe, expect, it } from 'vitest';
import { decideGate, realKernelRequired } from '../helpers/real-kernel.js';
import { effectiveCapabilities } from '../../src/kernel/linux/linux-available.js';
import { findOwnPidsCgroup } from '../helpers/own-cgroup.js';
import type { Kernel } from '../../src/kernel/types.js';

const createKernel = (): Kernel => {
  throw new Error('not called');
};

describe('real kernel gate', () => {
  it('runs when the real kernel is there, required or not', () => {
    expect(decideGate({ ok: true, createKernel }, false).mode).toBe('run');
    expect(decideGate({ ok: true, createKernel }, true).mode).toBe('run');
  });

  it('skips with the reason when not required', () => {
    expect(decideGate({ ok: false, reason: 'not root (euid 1000) and no CAP_SYS_ADMIN' }, false)).toEqual({
      mode: 'skip',
      reason: 'real kernel unavailable: not root (euid 1000) and no CAP_SYS_ADMIN',
    });
  });

  it('fails loudly when GLASSBOX_REQUIRE_REAL=1 and the kernel cannot be used', () => {
    expect(decideGate({ ok: false, reason: 'not Linux (darwin)' }, true)).toEqual({
      mode: 'fail',
      reason: 'GLASSBOX_REQUIRE_REAL=1 but the real kernel cannot be used: not Linux (darwin)',
    });
  });

  it('is required only by GLASSBOX_REQUIRE_REAL=1', () => {
    expect(realKernelRequired({ GLASSBOX_REQUIRE_REAL: '1' })).toBe(true);
    expect(realKernelRequired({ GLASSBOX_REQUIRE_REAL: '0' })).toBe(false);
    expect(realKernelRequired({})).toBe(false);
  });
});

describe('capabilities from /proc/self/status', () => {
  it('reads CapEff as a bit set', () => {
    const caps = effectiveCapabilities('Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\nCapBnd:\t0\n');
    expect(caps).toBe(0x1ffffffffffn);
    expect((caps! >> 21n) & 1n).toBe(1n);
    expect(effectiveCapabilities('CapEff:\t0000000000000000\n')).toBe(0n);
    expect(effectiveCapabilities('Name:\tnode\n')).toBeUndefined();
  });
});

describe('own pids cgroup', () => {
  const mountinfo = (lines: string[]): string => lines.join('\n') + '\n';
  const reader = (files: Record<string, string>) => (path: string): string => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };

  it('finds a v1 pids hierarchy and our place in it (hybrid, as on the test machine)', () => {
    const result = findOwnPidsCgroup(
      reader({
        '/proc/self/cgroup': '8:pids:/\n4:memory:/process_api/x\n0::/\n',
        '/proc/self/mountinfo': mountinfo([
          '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
          '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
        ]),
      }),
    );
    expect(result).toEqual({ ok: true, cgroup: { dir: '/sys/fs/cgroup/pids', version: 1 } });
  });

  it('joins a nested path and strips a mount root (cgroup namespace or bind)', () => {
    const result = findOwnPidsCgroup(
      reader({
        '/proc/self/cgroup': '5:pids:/docker/abc/inner\n',
        '/proc/self/mountinfo': mountinfo(['50 40 0:36 /docker/abc /sys/fs/cgroup/pids ro,nosuid - cgroup cgroup rw,pids']),
      }),
    );
    expect(result).toEqual({ ok: true, cgroup: { dir: '/sys/fs/cgroup/pids/inner', version: 1 } });
  });

  it('uses v2 only when pids is delegated to our children', () => {
    const files = {
      '/proc/self/cgroup': '0::/user.slice/session-1.scope\n',
      '/proc/self/mountinfo': mountinfo(['30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate']),
      '/sys/fs/cgroup/user.slice/session-1.scope/cgroup.subtree_control': 'memory pids\n',
    };
    expect(findOwnPidsCgroup(reader(files))).toEqual({ ok: true, cgroup: { dir: '/sys/fs/cgroup/user.slice/session-1.scope', version: 2 } });
    const notDelegated = { ...files, '/sys/fs/cgroup/user.slice/session-1.scope/cgroup.subtree_control': 'memory\n' };
    const refused = findOwnPidsCgroup(reader(notDelegated));
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.reason).toMatch(/pids is not enabled/);
  });

  it('says why when there is no pids controller at all', () => {
    const result = findOwnPidsCgroup(reader({ '/proc/self/cgroup': '1:name=systemd:/\n', '/proc/self/mountinfo': '' }));
    expect(result.ok).toBe(false);
  });
});
