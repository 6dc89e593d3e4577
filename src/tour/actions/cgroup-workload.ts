import type { CgroupPlan } from '../../container/cgroup-plan.js';
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
While it runs the usage files are sampled into the view, ten times a second; the samples are
observations, kept out of the call log.
*/
type WorkloadArgs = Pick<ContainerArgs, 'memory' | 'cpus' | 'pidsLimit'> & { mode: 'hog' | 'forks' | 'spin'; bytes?: string; count?: number; seconds?: number };

const SAMPLE_MS = 100;

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
  facts: ['exitStatus', 'oomKilled', 'oomKills', 'pidsRefused', 'forked', 'forkErrno', 'touchedMiB', 'cpuShare', 'throttled', 'limitMiB', 'pidsMax'],
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
  if (args.cpus !== undefined) rows.push({ resource: 'cpu', ...names('cpuLimit'), value: `${Math.round(Number(args.cpus) * 100_000)} 100000` });
  if (args.pidsLimit !== undefined) rows.push({ resource: 'pids', ...names('pidsLimit'), value: String(args.pidsLimit) });
  return rows;
}

function groupFile(kernel: Kernel, plan: CgroupPlan, controller: string, key: CgroupFileKey): string | null {
  const group = plan.groups.find((g) => g.controllers.includes(controller));
  if (group === undefined) return null;
  return readOptional(kernel, `${group.dir}/${cgroupFileNames(key, group.version)[0]}`);
}

function numberOrNull(text: string | null): number | null {
  if (text === null) return null;
  const n = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(n) ? n : null;
}

function readLimits(kernel: Kernel, plan: CgroupPlan): CgroupsView['limitsNow'] {
  const memory = numberOrNull(groupFile(kernel, plan, 'memory', 'memoryLimit'));
  const cpu = groupFile(kernel, plan, 'cpu', 'cpuLimit');
  const [quota, period] = cpu === null ? [null, null] : cpu.trim().split(/\s+/);
  const cpuPeriod = plan.groups.find((g) => g.controllers.includes('cpu'))?.version === 1 ? numberOrNull(readOptional(kernel, `${plan.groups.find((g) => g.controllers.includes('cpu'))!.dir}/cpu.cfs_period_us`)) : numberOrNull(period ?? null);
  // An unlimited memory.limit_in_bytes reads as a huge page-rounded number: shown as none.
  return {
    memoryBytes: memory !== null && memory < 2 ** 62 ? memory : null,
    pidsMax: numberOrNull(groupFile(kernel, plan, 'pids', 'pidsLimit')),
    cpuQuotaUsec: quota === null || quota === 'max' || quota === '-1' ? null : Number(quota),
    cpuPeriodUsec: cpuPeriod,
  };
}

function sample(kernel: Kernel, plan: CgroupPlan, view: CgroupsView): void {
  const memory = numberOrNull(groupFile(kernel, plan, 'memory', 'memoryUsage'));
  const pids = numberOrNull(groupFile(kernel, plan, 'pids', 'pidsCurrent'));
  const stat = groupFile(kernel, plan, 'cpu', 'cpuStat');
  if (memory !== null) view.usage.memoryBytes.push(memory);
  if (pids !== null) view.usage.pids.push(pids);
  if (stat !== null) {
    const field = (name: string): number | null => numberOrNull(/^(\S+) (\d+)$/m.test(stat) ? (stat.split('\n').find((line) => line.startsWith(`${name} `))?.split(' ')[1] ?? null) : null);
    // v2 says throttled_usec; v1 says throttled_time in nanoseconds.
    const usec = field('throttled_usec') ?? ((field('throttled_time') ?? 0) / 1000);
    view.usage.throttledUsec.push(Math.round(usec));
  }
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
