import { CPU_PERIOD_US, type CgroupPlan } from '../../container/cgroup-plan.js';
import type { RunResult } from '../../container/run-container.js';
import type { Kernel } from '../../kernel/types.js';
import { detectCgroupLayout } from '../../observe/cgroup-layout.js';
import { cgroupFileNames, type CgroupFileKey } from '../../observe/cgroup-files.js';
import { readOptional } from '../../observe/reader.js';
import { runUnrecorded } from '../record-calls.js';
import type { CgroupsView, StepUpdate } from '../types.js';
import { LOAD, buildSpec, containerNeeds, startLive, stopLive, type ContainerArgs } from './container-live.js';
import { defineAction, missingEarlierStep, planned } from './define.js';
import { mountRootfs } from './overlay.js';
import { peek } from './state.js';

/**
gbx-load under cgroup limits: a memory hog under --memory (the OOM killer ends it: 137), a fork
bomb under --pids-limit (fork fails with EAGAIN), a CPU burner under --cpus (CFS throttles it).
While it runs the usage files are sampled into the view, five times a second; the samples are
observations, kept out of the call log.
*/
type WorkloadArgs = Pick<ContainerArgs, 'memory' | 'cpus' | 'pidsLimit'> & { mode: 'hog' | 'forks' | 'spin'; bytes?: string; count?: number; seconds?: number };

// Every sample is a new frame, and Ink builds each frame cell by cell (~7 MB of short-lived
// objects on a 100x30 screen, issue #6): five a second keep the gauges live at half the garbage of ten.
const SAMPLE_MS = 200;
// The sparkline shows the last few dozen; a workload that runs on (no limit hit) stays bounded.
const SAMPLES_KEPT = 300;

export const cgroupWorkload = defineAction<WorkloadArgs>({
  name: 'cgroup.workload',
  summary: { en: 'run gbx-load (memory hog, fork bomb, CPU burner) under cgroup limits', ko: 'cgroup 제한 아래에서 gbx-load(메모리 폭주, 포크 폭탄, CPU 소모) 실행' },
  args: {
    mode: { type: 'string', required: true, values: ['hog', 'forks', 'spin'] },
    memory: { type: 'string' },
    cpus: { type: 'string' },
    pidsLimit: { type: 'number', min: 1, max: 100000 },
    bytes: { type: 'string' },
    count: { type: 'number', min: 1, max: 100000 },
    seconds: { type: 'number', min: 1, max: 30 },
  },
  facts: ['exitStatus', 'oomKilled', 'oomKills', 'pidsRefused', 'forked', 'forkErrno', 'touchedMiB', 'cpuShare', 'overQuota', 'throttled', 'limitMiB', 'pidsMax'],
  views: ['cgroups'],
  requires: (args) => containerNeeds({ ...args, namespaces: ['mnt', 'pid'] }),
  plan: (args) => {
    const rows = limitRows(args);
    return [
      planned('node', 'mkdir', ['<cgroup>/glassbox-<id>']),
      ...rows.map((row) => planned('node', 'write', [`${row.v1} (v1) / ${row.v2} (v2)`, row.value])),
      planned('node', 'write', ['<cgroup>/cgroup.procs', '<pid>']),
      planned('helper', 'execve', command(args)),
    ];
  },
  async run(args, ctx, update) {
    if (peek(ctx, 'rootfs') === undefined) throw missingEarlierStep('a mounted root filesystem', 'rootfs.prepare');
    const spec = buildSpec(mountRootfs(ctx).merged, command(args), { ...args, namespaces: ['mnt', 'pid'] });
    const live = await startLive(ctx, spec, { probe: false });
    const layout = detectCgroupLayout(ctx.kernel).kind;
    const view: CgroupsView = {
      kind: 'cgroups',
      layout: layout === 'none' ? 'v2' : layout,
      limits: limitRows(args),
      usage: { memoryBytes: [], throttledUsec: [], pids: [] },
      limitsNow: readLimits(ctx.kernel, live.started.plan),
      oomKills: 0,
      exitStatus: null,
    };
    const result = await sampleUntilExit(ctx.kernel, live.started.plan, live.finished, view, update, ctx.signal, () => void stopLive(ctx, live));
    view.oomKills = result.cgroup.oomKills;
    view.exitStatus = result.status;
    const lines = live.output;
    const value = (key: string): string | undefined => lines.map((line) => new RegExp(`(?:^| )${key}=(\\S+)`).exec(line)?.[1]).filter((v) => v !== undefined).at(-1);
    const cpu = Number(value('cpu_ms') ?? NaN);
    const wall = Number(value('wall_ms') ?? NaN);
    return {
      view,
      facts: {
        exitStatus: result.status,
        oomKilled: result.oomKilled,
        oomKills: result.cgroup.oomKills,
        pidsRefused: result.cgroup.pidsRefused > 0,
        forked: Number(value('forked') ?? -1),
        forkErrno: value('errno') ?? 'none',
        touchedMiB: Math.floor(Number(value('touched') ?? 0) / 2 ** 20),
        cpuShare: Number.isFinite(cpu / wall) ? Math.round((cpu / wall) * 10) / 10 : -1,
        // A quota is a ceiling: on a busy machine the burner gets less, never more (10% for accounting).
        overQuota: args.cpus !== undefined && Number.isFinite(cpu / wall) && cpu / wall > Number(args.cpus) * 1.1,
        throttled: view.usage.throttledUsec.some((usec) => usec > 0),
        limitMiB: view.limitsNow.memoryBytes === null ? -1 : Math.round(view.limitsNow.memoryBytes / 2 ** 20),
        pidsMax: view.limitsNow.pidsMax ?? -1,
      },
    };
  },
});

function command(args: WorkloadArgs): string[] {
  switch (args.mode) {
    case 'hog':
      return [LOAD, 'hog', String(parseSize(args.bytes ?? '64m'))];
    case 'forks':
      return [LOAD, 'forks', String(args.count ?? 100), '1'];
    case 'spin':
      return [LOAD, 'spin', String(args.seconds ?? 2)];
  }
}

function parseSize(text: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(text);
  if (match === null) return 64 * 2 ** 20;
  return Number(match[1]) * ({ '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 } as Record<string, number>)[match[2]!.toLowerCase()]!;
}

function limitRows(args: WorkloadArgs): CgroupsView['limits'] {
  const rows: CgroupsView['limits'] = [];
  const names = (key: CgroupFileKey): { v1: string; v2: string } => ({ v1: cgroupFileNames(key, 1).join(' + '), v2: cgroupFileNames(key, 2).join(' + ') });
  if (args.memory !== undefined) rows.push({ resource: 'memory', ...names('memoryLimit'), value: String(parseSize(args.memory)) });
  if (args.cpus !== undefined) rows.push({ resource: 'cpu', ...names('cpuLimit'), value: `${Math.round(Number(args.cpus) * CPU_PERIOD_US)} ${CPU_PERIOD_US}` });
  if (args.pidsLimit !== undefined) rows.push({ resource: 'pids', ...names('pidsLimit'), value: String(args.pidsLimit) });
  return rows;
}

function groupOf(plan: CgroupPlan, controller: string): CgroupPlan['groups'][number] | undefined {
  return plan.groups.find((g) => g.controllers.includes(controller));
}

/** One of the controller's files, by the name its cgroup version uses (`index`: cpu.cfs_period_us is the second of cpuLimit on v1). */
function groupFile(kernel: Kernel, plan: CgroupPlan, controller: string, key: CgroupFileKey, index = 0): string | null {
  const group = groupOf(plan, controller);
  const name = group === undefined ? undefined : cgroupFileNames(key, group.version)[index];
  return group === undefined || name === undefined ? null : readOptional(kernel, `${group.dir}/${name}`);
}

function firstNumber(text: string | null): number | null {
  const word = text?.trim().split(/\s+/)[0];
  const n = word === undefined || word === '' ? NaN : Number(word);
  return Number.isFinite(n) ? n : null;
}

/** `name value` lines (cpu.stat, memory.events): one field, or null when absent. */
function statField(text: string | null, name: string): number | null {
  const line = text?.split('\n').find((entry) => entry.startsWith(`${name} `));
  return line === undefined ? null : firstNumber(line.slice(name.length + 1));
}

function readLimits(kernel: Kernel, plan: CgroupPlan): CgroupsView['limitsNow'] {
  const memory = firstNumber(groupFile(kernel, plan, 'memory', 'memoryLimit'));
  const cpu = groupOf(plan, 'cpu');
  // v2: cpu.max holds "quota period"; v1: cpu.cfs_quota_us and cpu.cfs_period_us, -1 for no quota.
  const [quotaText, periodText] =
    cpu?.version === 2
      ? (groupFile(kernel, plan, 'cpu', 'cpuLimit') ?? '').trim().split(/\s+/)
      : [groupFile(kernel, plan, 'cpu', 'cpuLimit', 0)?.trim(), groupFile(kernel, plan, 'cpu', 'cpuLimit', 1)?.trim()];
  const quota = quotaText === undefined || quotaText === 'max' || quotaText === '-1' ? null : firstNumber(quotaText);
  return {
    // v1 reads an unlimited memory.limit_in_bytes as a huge page-rounded number: shown as none.
    memoryBytes: memory !== null && memory < 2 ** 62 ? memory : null,
    pidsMax: firstNumber(groupFile(kernel, plan, 'pids', 'pidsLimit')),
    cpuQuotaUsec: quota,
    cpuPeriodUsec: firstNumber(periodText ?? null),
  };
}

function sample(kernel: Kernel, plan: CgroupPlan, view: CgroupsView): void {
  const memory = firstNumber(groupFile(kernel, plan, 'memory', 'memoryUsage'));
  const pids = firstNumber(groupFile(kernel, plan, 'pids', 'pidsCurrent'));
  const stat = groupFile(kernel, plan, 'cpu', 'cpuStat');
  if (memory !== null) keep(view.usage.memoryBytes, memory);
  if (pids !== null) keep(view.usage.pids, pids);
  if (stat !== null) {
    // v2 says throttled_usec; v1 says throttled_time, in nanoseconds.
    const usec = statField(stat, 'throttled_usec') ?? (statField(stat, 'throttled_time') ?? 0) / 1000;
    keep(view.usage.throttledUsec, Math.round(usec));
  }
}

function keep(samples: number[], value: number): void {
  samples.push(value);
  if (samples.length > SAMPLES_KEPT) samples.splice(0, samples.length - SAMPLES_KEPT);
}

async function sampleUntilExit(
  kernel: Kernel,
  plan: CgroupPlan,
  finished: Promise<RunResult>,
  view: CgroupsView,
  update: (change: StepUpdate) => void,
  signal: AbortSignal,
  stop: () => void,
): Promise<RunResult> {
  const take = (): void =>
    runUnrecorded(() => {
      try {
        sample(kernel, plan, view);
        update({ view: { ...view, usage: { memoryBytes: [...view.usage.memoryBytes], throttledUsec: [...view.usage.throttledUsec], pids: [...view.usage.pids] } } });
      } catch {
        // The group went away between two samples: the workload ended.
      }
    });
  take();
  const timer = runUnrecorded(() => setInterval(take, SAMPLE_MS));
  const onAbort = (): void => stop();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await finished;
  } finally {
    clearInterval(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
