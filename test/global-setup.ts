/**
Runs once around the whole test run and checks that nothing was left behind: no new
mount, no new cgroup below ours, no process started by a test still alive. A leak fails
the run, even when every test passed.
*/
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { snapshotHostState, diffHostState, type HostState } from './helpers/host-state.js';

export default function setup(): () => void {
  // Every process a test starts inherits this marker, so a survivor can be found by it.
  const marker = randomUUID();
  process.env.GLASSBOX_TEST_RUN = marker;
  // No test may touch the user's real image store (/var/lib/glassbox for root): every
  // command that does not name a home gets this one, removed at the end.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-test-home-'));
  process.env.GLASSBOX_HOME = home;
  const before: HostState = snapshotHostState(marker);
  return () => {
    fs.rmSync(home, { recursive: true, force: true });
    const leaks = diffHostState(before, snapshotHostState(marker));
    if (leaks.length > 0) {
      throw new Error(`the tests left kernel state behind:\n  ${leaks.join('\n  ')}`);
    }
  };
}
