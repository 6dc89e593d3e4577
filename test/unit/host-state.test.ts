import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { diffHostState, snapshotHostState } from '../helpers/host-state.js';

// The leak check of test/global-setup.ts, checked on a process it must catch.
describe('leak check', () => {
  it('names a process started by a test that is still running, and forgets it once it is gone', async () => {
    const marker = process.env.GLASSBOX_TEST_RUN ?? 'unit-test-marker';
    const before = snapshotHostState(marker);
    const child = spawn('sleep', ['30'], { stdio: 'ignore', env: { ...process.env, GLASSBOX_TEST_RUN: marker } });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const leaks = diffHostState(before, snapshotHostState(marker));
      expect(leaks).toContain(`process ${child.pid}: sleep 30`);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(diffHostState(before, snapshotHostState(marker))).toEqual([]);
  });

  it('names new mounts and cgroups', () => {
    const before = { mounts: new Set(['1 / (ext4)']), cgroups: new Set(['/sys/fs/cgroup/pids/a']), processes: new Map() };
    const after = {
      mounts: new Set(['1 / (ext4)', '99 /tmp/x (tmpfs)']),
      cgroups: new Set(['/sys/fs/cgroup/pids/a', '/sys/fs/cgroup/pids/a/b']),
      processes: new Map(),
    };
    expect(diffHostState(before, after)).toEqual(['mount 99 /tmp/x (tmpfs)', 'cgroup /sys/fs/cgroup/pids/a/b']);
  });
});
