import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel } from '../../src/kernel/types.js';
import { detachMountsUnder, exists, mountPointsUnder, removeTree } from '../helpers/scratch.js';
import type { ContractCgroup, ContractState } from './contract-state.js';
import { describeFileContract } from './contract-files.js';
import { describeXattrContract } from './contract-xattr.js';
import { describeMountContract } from './contract-mounts.js';
import { describeCgroupContract } from './contract-cgroups.js';
import { describeProcessContract } from './contract-processes.js';
import { describeTraceContract } from './contract-trace.js';

export type { ContractCgroup, ContractState } from './contract-state.js';
export { CGROUP_PREFIX } from './contract-state.js';

/**
The kernel contract: one suite that both backends must pass, asserting the same errno names in the
same states (containerd's snapshot testsuite, youki's syscall trait tests). Where the backends
disagree the real kernel is right, so every expectation here was checked on Linux first.
*/
export interface ContractContext {
  kernel: Kernel;
  /** An existing directory; the suite makes its own `glassbox-contract-*` directory inside and removes it. */
  tmpDir: string;
  /** Where child cgroups may be made, or why not (the cgroup tests then skip with that reason). */
  cgroup: ContractCgroup | { unavailable: string };
  /** Called once at the very end, after the suite's own leak checks. */
  dispose?: () => void | Promise<void>;
}

export function describeKernelContract(
  name: string,
  setup: () => Promise<ContractContext> | ContractContext,
): void {
  describe(`kernel contract: ${name}`, () => {
    let context: ContractContext | undefined;
    let scratch: string | undefined;
    const createdCgroups = new Set<string>();

    const state: ContractState = {
      get kernel() {
        if (context === undefined) throw new Error('kernel contract: setup did not run');
        return context.kernel;
      },
      get scratch() {
        if (scratch === undefined) throw new Error('kernel contract: no scratch directory');
        return scratch;
      },
      get cgroup() {
        if (context === undefined) throw new Error('kernel contract: setup did not run');
        return context.cgroup;
      },
      createdCgroups,
    };

    beforeAll(async () => {
      context = await setup();
      scratch = context.kernel.mkdtemp(`${context.tmpDir}/glassbox-contract-`);
    });

    describeFileContract(state);
    describeXattrContract(state);
    describeMountContract(state);
    describeCgroupContract(state);
    describeProcessContract(state);
    describeTraceContract(state);

    it('leaves no mount and no cgroup behind', () => {
      const kernel = state.kernel;
      expect(mountPointsUnder(kernel, state.scratch)).toEqual([]);
      for (const dir of createdCgroups) expect(exists(kernel, dir), `cgroup ${dir} left behind`).toBe(false);
      // Every test removed its own directory; only the suite's scratch root remains.
      expect(kernel.readdir(state.scratch)).toEqual([]);
    });

    // Safety net: a failed test must not leave the machine dirty. If it had work to do, that is a failure.
    afterAll(async () => {
      if (context === undefined) return;
      const kernel = context.kernel;
      const leaks: string[] = [];
      try {
        if (scratch !== undefined) {
          leaks.push(...detachMountsUnder(kernel, scratch).map((m) => `mount ${m}`));
          removeTree(kernel, scratch);
          if (exists(kernel, scratch)) leaks.push(`scratch ${scratch} could not be removed`);
        }
        for (const dir of createdCgroups) {
          if (!exists(kernel, dir)) continue;
          leaks.push(`cgroup ${dir}`);
          try {
            kernel.rmdir(dir);
          } catch (error) {
            leaks.push(`cgroup ${dir} could not be removed: ${String(error)}`);
          }
        }
      } finally {
        await context.dispose?.();
      }
      if (leaks.length > 0) throw new Error(`kernel contract left things behind: ${leaks.join(', ')}`);
    });
  });
}
