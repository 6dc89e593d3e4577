import { collectGarbage } from '../../container/gc.js';
import { findContainer } from '../../container/names.js';
import { listStates, type ContainerState, type ListedContainer } from '../../container/state.js';
import { GlassboxError } from '../../errors.js';
import type { Kernel } from '../../kernel/types.js';
import { createKernel, probeRealBackend } from '../backend.js';
import type { GlobalOptions } from '../run.js';

/**
What the container commands share: the kernel (containers from the CLI are real ones: the
simulated kernel lives in one process, and a container outlives the command that ran it) and
the list of containers, after orphans left by a killed glassbox have been collected.
*/
export async function containerKernel(options: GlobalOptions): Promise<Kernel> {
  if (options.kernel === 'sim') {
    throw new GlassboxError('RUN_NEEDS_REAL_KERNEL', 'containers from the CLI run on the real kernel only', {
      kind: 'user',
      hint: 'the tour runs containers on the simulated kernel: glassbox learn',
    });
  }
  return createKernel('real');
}

/** For commands that only read (ps, logs, inspect): the real kernel when it can be used, else none. */
export async function optionalKernel(options: GlobalOptions): Promise<Kernel | undefined> {
  if (options.kernel === 'sim') return undefined;
  if (!(await probeRealBackend()).ok) return undefined;
  return createKernel('real');
}

/** The containers on disk, orphans collected first (when there is a kernel to release them with). */
export async function loadContainers(kernel: Kernel | undefined): Promise<ListedContainer[]> {
  if (kernel !== undefined) await collectGarbage(kernel);
  return listStates();
}

export function findState(input: string, listed: readonly ListedContainer[]): ContainerState {
  const found = findContainer(input, listed);
  if (found.state === undefined) {
    throw new GlassboxError('CONTAINER_STATE_INVALID', `container ${found.id.slice(0, 12)} has no readable state`, {
      kind: 'environment',
      hint: 'glassbox gc removes it',
    });
  }
  return found.state;
}

/** Runs `action` for each input, as docker does for `stop a b c`: each tried, exit 1 if any failed. */
export async function forEachContainer(
  inputs: readonly string[],
  action: (input: string) => Promise<string | undefined>,
  report: { ok: (line: string) => void; fail: (input: string, error: unknown) => void },
): Promise<number> {
  let failed = 0;
  for (const input of inputs) {
    try {
      const line = await action(input);
      if (line !== undefined) report.ok(line);
    } catch (error) {
      failed++;
      report.fail(input, error);
    }
  }
  return failed > 0 ? 1 : 0;
}
