import { randomBytes } from 'node:crypto';
import { GlassboxError } from '../errors.js';
import type { Kernel } from '../kernel/types.js';
import { CGROUP_FILES } from '../observe/cgroup-files.js';
import type { CgroupPlan } from '../container/cgroup-plan.js';
import type { ContainerLauncher } from '../container/launcher.js';
import { startContainer, type StartedContainer } from '../container/run-container.js';
import { defaultSpec } from '../container/spec.js';
import { abortedError } from './abort.js';
import { countLines } from './host-sample.js';
import { CONTAINER_SCRIPT, WorkloadWatcher, type WorkloadOutput } from './workload.js';

/**
Runs the workload once in a glassbox container with Docker's defaults (all namespaces,
the 14 capabilities, masked paths) on a root that holds busybox and gbx-probe. The time
runs from the start (cgroups, then gbx-run's spawn) to the probe's first byte. While the
shell holds after the probe, the host reads the container's cgroups: memory peak,
processes, threads.
*/
export interface ContainerProbeSpec {
  kernel: Kernel;
  rootfs: string;
  launcher?: ContainerLauncher;
  /** Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ContainerSample {
  /** The memory group's high-water mark (v1 memory.max_usage_in_bytes, v2 memory.peak); null without a memory group. */
  peakMemoryBytes: number | null;
  /** cgroup.procs */
  processes: number;
  /** v1 tasks, v2 cgroup.threads */
  threads: number;
}

export interface ContainerRun {
  pid: number;
  output: WorkloadOutput & { firstOutputMs: number; endMs: number; probeText: string };
  sample: ContainerSample;
}

function readNumber(kernel: Kernel, file: string): number | null {
  try {
    const value = Number(kernel.readFile(file).trim());
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/** Reads the container's groups while its process is still there. */
export function sampleContainerCgroups(kernel: Kernel, plan: CgroupPlan): ContainerSample {
  const memory = plan.groups.find((group) => group.controllers.includes('memory'));
  let peakMemoryBytes: number | null = null;
  if (memory !== undefined) {
    const v = memory.version === 1 ? 'v1' : 'v2';
    // memory.peak exists since Linux 5.19; before that only the current usage is there.
    peakMemoryBytes = readNumber(kernel, `${memory.dir}/${CGROUP_FILES.memoryPeak[v][0]}`) ?? readNumber(kernel, `${memory.dir}/${CGROUP_FILES.memoryUsage[v][0]}`);
  }
  const group = plan.groups.find((entry) => entry.controllers.includes('pids')) ?? memory ?? plan.groups[0];
  if (group === undefined) {
    throw new GlassboxError('COMPARE_NO_CGROUP', 'the container has no cgroup to read', { kind: 'environment', hint: 'glassbox doctor shows which controllers are usable' });
  }
  const processes = countLines(kernel.readFile(`${group.dir}/cgroup.procs`));
  const threads = countLines(kernel.readFile(`${group.dir}/${group.version === 1 ? 'tasks' : 'cgroup.threads'}`));
  return { peakMemoryBytes, processes, threads };
}

export async function runProbeContainer(spec: ContainerProbeSpec): Promise<ContainerRun> {
  if (spec.signal?.aborted) throw abortedError();
  const id = `compare-${randomBytes(6).toString('hex')}`;
  const containerSpec = defaultSpec(id, spec.rootfs, ['/bin/sh', '-c', CONTAINER_SCRIPT]);
  const watcher = new WorkloadWatcher();
  const started = performance.now();
  const container: StartedContainer = await startContainer(spec.kernel, containerSpec, {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(spec.launcher === undefined ? {} : { launcher: spec.launcher }),
  });
  const { launched, plan } = container;
  let failure: GlassboxError | null = null;
  let sample: ContainerSample | null = null;
  let stderr = '';
  const kill = (why: GlassboxError): void => {
    failure ??= why;
    // gbx-run's child dies with it (PR_SET_PDEATHSIG); wait() then kills what is left in the groups.
    launched.kill('SIGKILL');
  };
  const onAbort = (): void => kill(abortedError());
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  if (spec.signal?.aborted) onAbort();
  const timeoutMs = spec.timeoutMs ?? 30_000;
  const timer = setTimeout(
    () => kill(new GlassboxError('COMPARE_CONTAINER_TIMEOUT', `the container did not run the probe within ${timeoutMs / 1000} s`, { kind: 'environment' })),
    timeoutMs,
  );
  launched.stdin?.on('error', () => undefined);
  launched.stdout?.setEncoding('utf8');
  launched.stdout?.on('data', (chunk: string) => {
    watcher.push(chunk, performance.now() - started);
    if (sample === null && watcher.output.endMs !== null) {
      try {
        sample = sampleContainerCgroups(spec.kernel, plan);
      } catch (error) {
        kill(GlassboxError.is(error) ? error : new GlassboxError('COMPARE_CONTAINER_FAILED', `reading the container's cgroups: ${(error as Error).message}`, { kind: 'bug' }));
      }
      // The shell waits for one line before it exits.
      launched.stdin?.end('\n');
    }
  });
  launched.stderr?.setEncoding('utf8');
  launched.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  let result;
  try {
    result = await container.wait();
  } finally {
    clearTimeout(timer);
    spec.signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== null) throw failure;
  const output = watcher.output;
  if (sample === null || output.firstOutputMs === null || output.endMs === null || output.probeText === null) {
    const why = result.error === null ? `status ${result.status}` : result.error.message;
    throw new GlassboxError('COMPARE_CONTAINER_FAILED', `the container exited before the probe ran (${why})`, {
      kind: 'environment',
      hint: stderr.trim().split('\n').slice(-5).join('\n') || 'it printed nothing on standard error',
    });
  }
  return {
    pid: launched.pid,
    output: { ...output, firstOutputMs: output.firstOutputMs, endMs: output.endMs, probeText: output.probeText },
    sample,
  };
}
