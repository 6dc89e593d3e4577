import { describe, it } from 'vitest';
import { tmpdir } from 'node:os';
import type { Kernel } from '../../src/kernel/types.js';
import type { ContractContext } from '../contract/kernel-contract.js';
import { detectCgroupLayout, findCgroupHierarchy, ownCgroupDir } from '../../src/observe/cgroup-layout.js';
import type { ContractCgroup } from '../contract/contract-state.js';

/**
Whether tests may use the real kernel. Like containerd's RequiresRoot: without
GLASSBOX_REQUIRE_REAL=1 a machine that cannot (not Linux, not root, koffi missing) skips with the
reason; with it (CI sets it) the same situation is a loud failure, so real tests never silently
stop running.
*/
export type RealKernelGate =
  | { mode: 'run'; createKernel: () => Kernel }
  | { mode: 'skip'; reason: string }
  | { mode: 'fail'; reason: string };

export const REQUIRE_REAL_ENV = 'GLASSBOX_REQUIRE_REAL';

export function realKernelRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[REQUIRE_REAL_ENV] === '1';
}

/** Decides from a probe's answer; split out so the decision itself is unit-tested. */
export function decideGate(
  probe: { ok: true; createKernel: () => Kernel } | { ok: false; reason: string },
  required: boolean,
): RealKernelGate {
  if (probe.ok) return { mode: 'run', createKernel: probe.createKernel };
  return required
    ? { mode: 'fail', reason: `${REQUIRE_REAL_ENV}=1 but the real kernel cannot be used: ${probe.reason}` }
    : { mode: 'skip', reason: `real kernel unavailable: ${probe.reason}` };
}

export async function realKernelGate(env: NodeJS.ProcessEnv = process.env): Promise<RealKernelGate> {
  return decideGate(await probeRealKernel(), realKernelRequired(env));
}

async function probeRealKernel(): Promise<{ ok: true; createKernel: () => Kernel } | { ok: false; reason: string }> {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  let linux: typeof import('../../src/kernel/linux/linux-kernel.js');
  try {
    // Imported lazily: loading it loads koffi and libc, which is exactly what may be missing.
    linux = await import('../../src/kernel/linux/linux-kernel.js');
  } catch (error) {
    return { ok: false, reason: `cannot load libc through koffi: ${(error as Error).message}` };
  }
  const available = linux.linuxKernelAvailable();
  if (!available.ok) return { ok: false, reason: available.reason ?? 'unknown reason' };
  return { ok: true, createKernel: linux.createLinuxKernel };
}

/**
Registers what a gate that does not run means: a skipped test that prints the reason, or a test
that fails with it.
*/
export function describeGateOutcome(name: string, gate: Exclude<RealKernelGate, { mode: 'run' }>): void {
  describe(name, () => {
    if (gate.mode === 'fail') {
      it('runs on the real kernel', () => {
        throw new Error(gate.reason);
      });
    } else {
      console.warn(`${name}: skipped: ${gate.reason}`);
      it.skip(`runs on the real kernel (${gate.reason})`, () => undefined);
    }
  });
}

/**
Where the contract may make child cgroups on this host: our own cgroup in the hierarchy that has
`pids` (observe's ownCgroupDir), and in v2 only when pids is already delegated to our children,
since enabling it in our own cgroup.subtree_control is refused while we have processes there.
*/
export function realContractCgroup(kernel: Kernel): ContractCgroup | { unavailable: string } {
  const layout = detectCgroupLayout(kernel);
  const dir = ownCgroupDir(layout, 'pids');
  const hierarchy = findCgroupHierarchy(layout, 'pids');
  if (dir === null || hierarchy === null) return { unavailable: 'no pids controller in our own cgroup' };
  if (!hierarchy.writable) return { unavailable: `cannot create cgroups in ${dir}: ${hierarchy.writableReason}` };
  if (hierarchy.version === 2 && !(hierarchy.ownSubtreeControl ?? []).includes('pids')) {
    return { unavailable: `pids is not enabled in ${dir}/cgroup.subtree_control` };
  }
  return { parent: dir, version: hierarchy.version, limitFile: 'pids.max', procsFile: 'cgroup.procs' };
}

/**
The contract context for the real kernel: the host's tmpdir and our own pids cgroup. Without a
usable pids cgroup the cgroup tests skip, unless real tests are required: then setup fails.
*/
export function realContractContext(kernel: Kernel, env: NodeJS.ProcessEnv = process.env): ContractContext {
  const cgroup = realContractCgroup(kernel);
  if ('unavailable' in cgroup && realKernelRequired(env)) {
    throw new Error(`${REQUIRE_REAL_ENV}=1 but the cgroup tests cannot run: ${cgroup.unavailable}`);
  }
  return { kernel, tmpDir: tmpdir(), cgroup };
}
