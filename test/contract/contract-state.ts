import { expect } from 'vitest';
import { SyscallError } from '../../src/kernel/errors.js';
import type { Kernel } from '../../src/kernel/types.js';
import { mountPointsUnder, removeTree } from '../helpers/scratch.js';
import { withCleanup, type Cleanup } from '../helpers/cleanup.js';

/** Child cgroups the suite makes are named `glassbox-contract-<random>`. */
export const CGROUP_PREFIX = 'glassbox-contract-';

/**
Where the suite may make child cgroups: a directory of a hierarchy with the `pids` controller at or
below the cgroup the test process runs in. The file names are the same in v1 and v2 for pids.
*/
export interface ContractCgroup {
  parent: string;
  version: 1 | 2;
  limitFile: string;
  procsFile: string;
}

export interface ContractState {
  readonly kernel: Kernel;
  readonly scratch: string;
  readonly cgroup: ContractCgroup | { unavailable: string };
  /** Every cgroup the suite made, for the final leak check. */
  readonly createdCgroups: Set<string>;
}

/** Calls `run`, expects a SyscallError with `errnoName` (and `call` when given), returns it. */
export function expectErrno(run: () => unknown, errnoName: string, call?: string): SyscallError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  if (!SyscallError.isSyscallError(caught)) {
    throw new Error(`expected a SyscallError ${errnoName}, got ${caught === undefined ? 'success' : String(caught)}`);
  }
  expect(caught.errnoName, caught.message).toBe(errnoName);
  if (call !== undefined) expect(caught.call).toBe(call);
  return caught;
}

/** Runs a test body in a fresh directory below the scratch dir; the directory and the cleanup stack go after. */
export async function inTestDir(
  state: ContractState,
  body: (dir: string, cleanup: Cleanup) => Promise<void> | void,
): Promise<void> {
  const kernel = state.kernel;
  const dir = kernel.mkdtemp(`${state.scratch}/t-`);
  await withCleanup(async (cleanup) => {
    // Pushed first so it runs last. Tests unmount what they mount; if one failed half-way, its mounts
    // go here, newest first (children before parents), and only then is the directory removed.
    cleanup.defer(() => {
      for (const mountPoint of mountPointsUnder(kernel, dir).reverse()) kernel.umount(mountPoint);
      removeTree(kernel, dir);
    }, `remove ${dir}`);
    await body(dir, cleanup);
  });
}

export function sorted(names: string[]): string[] {
  return [...names].sort();
}
