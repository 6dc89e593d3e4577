/**
Runs once around the whole test run and checks that nothing was left behind: no new
mount, no new cgroup below ours, no process started by a test still alive. A leak fails
the run, even when every test passed.
*/
import { randomUUID } from 'node:crypto';
import { snapshotHostState, diffHostState, type HostState } from './helpers/host-state.js';

export default function setup(): () => void {
  // Every process a test starts inherits this marker, so a survivor can be found by it.
  const marker = randomUUID();
  process.env.GLASSBOX_TEST_RUN = marker;
  const before: HostState = snapshotHostState(marker);
  return () => {
    const leaks = diffHostState(before, snapshotHostState(marker));
    if (leaks.length > 0) {
      throw new Error(`the tests left kernel state behind:\n  ${leaks.join('\n  ')}`);
    }
  };
}
