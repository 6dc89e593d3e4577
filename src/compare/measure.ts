import fs from 'node:fs';
import os from 'node:os';
import { GlassboxError } from '../errors.js';
import type { Kernel } from '../kernel/types.js';
import type { ContainerLauncher } from '../container/launcher.js';
import { parseProbeReport } from '../native/probe.js';
import type { CompareView } from '../tour/types.js';
import { throwIfAborted } from './abort.js';
import { bootProbeVm, type VmRun } from './boot-vm.js';
import { runProbeContainer } from './probe-container.js';
import { summarizeSide, toCompareView, type ComparisonResult, type RunFigures, type SideFigures } from './summary.js';
import { chooseAccel, kvmFailedReason, readAccelFacts, type AccelChoice, type VmAccel } from './vm-accel.js';
import { lookupVmAssets, type LookupOptions, type VmAssets } from './vm-assets.js';
import { prepareWorkspace } from './workspace.js';

/**
`glassbox compare` and the first lesson: the same workload in a container and in a VM,
several runs, one after the other (never both at once: each would slow the other),
medians. Everything a run starts is gone when it returns or throws, Ctrl-C included.
*/
export interface CompareOptions {
  /** The real kernel: the container side needs cgroups and gbx-run. */
  kernel: Kernel;
  /** Default 5. */
  runs?: number;
  signal?: AbortSignal;
  launcher?: ContainerLauncher;
  /** Where to look for qemu, the kernel, busybox and gbx-probe. */
  lookup?: LookupOptions;
  /** Force an accelerator instead of choosing one from the machine. */
  accel?: VmAccel;
  vmTimeoutMs?: number;
  /** After each run, with its figures. */
  onRun?: (run: RunFigures, index: number, total: number) => void;
  /** After each run, the medians so far as the tour's view (the bars grow run by run). */
  onView?: (view: CompareView) => void;
}

export const DEFAULT_RUNS = 5;

/** Says, with a hint each, what is missing for the VM side. */
export function requireVmAssets(lookup: LookupOptions = {}): VmAssets {
  const found = lookupVmAssets(lookup);
  if (found.ok) return found.assets;
  throw new GlassboxError(
    'COMPARE_VM_MISSING',
    `cannot boot the VM: ${found.missing.map((entry) => entry.message).join('; ')}`,
    { kind: 'environment', hint: `${[...new Set(found.missing.map((entry) => entry.hint))].join('; ')}; or see figures recorded on a real machine: glassbox compare --recorded` },
  );
}

function figuresOf(probeText: string, side: 'container' | 'vm'): string {
  const report = parseProbeReport(probeText);
  if (report.kernelRelease === null) {
    throw new GlassboxError('COMPARE_NO_UNAME', `the probe in the ${side} could not read uname`, { kind: 'bug' });
  }
  return report.kernelRelease;
}

function vmFigures(run: VmRun): SideFigures {
  return {
    firstOutputMs: run.output.firstOutputMs,
    memoryBytes: run.sample.peakRssBytes,
    kernelRelease: figuresOf(run.output.probeText, 'vm'),
    processes: run.sample.processes,
    threads: run.sample.threads,
  };
}

export function describeMachine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${os.hostname()} (${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()})`;
}

/**
KVM that cannot run this kernel (a nested setup that rejects `-cpu host`, a hypervisor that
hangs): the first run finds out, and TCG takes over for this and every later run, with the
reason on screen. Later runs do not fall back: a failure there is a real failure.
*/
export async function bootWithFallback<T>(
  boot: (accel: VmAccel) => Promise<T>,
  choice: AccelChoice,
  mayFallBack: boolean,
): Promise<{ run: T; choice: AccelChoice }> {
  try {
    return { run: await boot(choice.accel), choice };
  } catch (error) {
    if (choice.accel !== 'kvm' || !mayFallBack || !GlassboxError.is(error) || error.code === 'COMPARE_INTERRUPTED') throw error;
    const fallback: AccelChoice = { accel: 'tcg', reason: kvmFailedReason(error.message) };
    return { run: await boot('tcg'), choice: fallback };
  }
}

/** Measures and returns every run and the medians. */
export async function runComparison(options: CompareOptions): Promise<ComparisonResult> {
  const total = options.runs ?? DEFAULT_RUNS;
  if (!Number.isInteger(total) || total < 1 || total > 50) {
    throw new GlassboxError('COMPARE_BAD_RUNS', `runs must be a whole number from 1 to 50, not ${total}`, { kind: 'user' });
  }
  if (options.kernel.backend !== 'linux') {
    throw new GlassboxError('COMPARE_NEEDS_REAL', 'measuring needs the real kernel: a simulated container has no start-up time to measure', {
      kind: 'environment',
      hint: 'run as root on Linux, or see recorded figures: glassbox compare --recorded',
    });
  }
  const assets = requireVmAssets(options.lookup);
  throwIfAborted(options.signal);
  let choice: AccelChoice = options.accel === undefined ? chooseAccel(readAccelFacts()) : { accel: options.accel, reason: { en: `${options.accel} (asked for)`, ko: `${options.accel} (지정함)` } };
  const kernelBytes = fs.statSync(assets.kernel).size;
  const workspace = prepareWorkspace(assets);
  try {
    const runs: RunFigures[] = [];
    for (let index = 0; index < total; index++) {
      throwIfAborted(options.signal);
      const container = await runProbeContainer({
        kernel: options.kernel,
        rootfs: workspace.rootfs,
        ...(options.launcher === undefined ? {} : { launcher: options.launcher }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      throwIfAborted(options.signal);
      const boot = (accel: VmAccel): Promise<VmRun> =>
        bootProbeVm({
          qemu: assets.qemu,
          kernel: assets.kernel,
          initramfs: workspace.initramfs,
          accel,
          ...(options.vmTimeoutMs === undefined ? {} : { timeoutMs: options.vmTimeoutMs }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
      const booted = await bootWithFallback(boot, choice, index === 0);
      choice = booted.choice;
      const vm = booted.run;
      const figures: RunFigures = {
        container: {
          firstOutputMs: container.output.firstOutputMs,
          memoryBytes: container.sample.peakMemoryBytes,
          kernelRelease: figuresOf(container.output.probeText, 'container'),
          processes: container.sample.processes,
          threads: container.sample.threads,
        },
        vm: vmFigures(vm),
      };
      runs.push(figures);
      options.onRun?.(figures, index, total);
      if (options.onView !== undefined) options.onView(toCompareView(summarize(runs)));
    }
    return summarize(runs);
  } finally {
    workspace.remove();
  }

  function summarize(runs: RunFigures[]): ComparisonResult {
    return {
      runs: [...runs],
      container: summarizeSide(runs.map((run) => run.container), workspace.rootfsBytes),
      vm: {
        ...summarizeSide(runs.map((run) => run.vm), kernelBytes + workspace.initramfsBytes),
        kernelBytes,
        initramfsBytes: workspace.initramfsBytes,
      },
      vmAccel: choice.accel,
      accelReason: choice.reason,
      hostKernel: os.release(),
      vmKernelFile: assets.kernel,
      measuredAt: new Date().toISOString(),
      machine: describeMachine(),
    };
  }
}

/**
Whether this machine can measure, said before anything starts (the tour then shows
recordedComparison() with the reason instead). Looking may take the kernel out of a
downloaded package into GLASSBOX_HOME/vm.
*/
export function comparisonAvailability(kernel: Kernel, lookup: LookupOptions = {}): { ok: true } | { ok: false; reason: string } {
  if (kernel.backend !== 'linux') return { ok: false, reason: 'the simulated kernel has no containers to time' };
  const found = lookupVmAssets(lookup);
  return found.ok ? { ok: true } : { ok: false, reason: found.missing.map((entry) => entry.message).join('; ') };
}

/** The tour's API: measure here and return the view for the bar chart. */
export async function measureComparison(options: CompareOptions): Promise<CompareView> {
  return toCompareView(await runComparison(options));
}

