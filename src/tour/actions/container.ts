import { readMountInfo } from '../../observe/mountinfo.js';
import { readOptional } from '../../observe/reader.js';
import { encodeSpec } from '../../container/launch-protocol.js';
import type { Kernel } from '../../kernel/types.js';
import type { StepOutcome, TourContext, ViewData } from '../types.js';
import { CONTAINER_ARGS, PROBE, buildSpec, containerNeeds, startLive, stopLive, type ContainerArgs, type LiveRun } from './container-live.js';
import { differingNamespaces, readMountsView, readNamespacesView } from './container-views.js';
import { defineAction, missingEarlierStep, planned } from './define.js';
import { mountRootfs } from './overlay.js';
import { peek } from './state.js';

/**
A container whose PID 1 is gbx-probe: it prints what it sees from the inside (JSON) and then
sleeps, so the lesson can also look at it from the outside through /proc. Each start replaces the
lesson's previous container.
*/
type ViewArg = { view?: 'namespaces' | 'mounts' };
type StartArgs = ContainerArgs & ViewArg & { allowFailure?: boolean };
const VIEW_ARG = { type: 'string', values: ['namespaces', 'mounts'] } as const;

export const CONTAINER_FACTS = [
  'pid1', 'ppid', 'hostname', 'sameHostname', 'newNamespaces', 'newNamespaceCount', 'uid', 'gid', 'capEffective',
  'noNewPrivs', 'sameKernel', 'cgroupAtRoot', 'rootReadOnly', 'procMounted', 'started', 'errno', 'exitStatus',
] as const;

export const containerStart = defineAction<StartArgs>({
  name: 'container.start',
  summary: { en: 'start a container (gbx-probe as PID 1) with the namespaces and flags given', ko: '주어진 네임스페이스와 플래그로 컨테이너 시작(PID 1은 gbx-probe)' },
  args: { ...CONTAINER_ARGS, view: VIEW_ARG, allowFailure: { type: 'boolean' } },
  facts: CONTAINER_FACTS,
  views: ['namespaces', 'mounts', 'text'],
  requires: (args) => containerNeeds(args),
  plan: (args) => planContainer(args, [PROBE, '--sleep', '600']),
  async run(args, ctx) {
    const rootfs = peek(ctx, 'rootfs');
    if (rootfs === undefined) throw missingEarlierStep('a mounted root filesystem', 'rootfs.prepare');
    const { allowFailure, view, ...flags } = args;
    const live = await startLive(ctx, buildSpec(mountRootfs(ctx).merged, [PROBE, '--sleep', '600'], flags), { probe: true, allowFailure: allowFailure === true });
    if (live.failure !== undefined) {
      // The lesson expects this launch to fail: what failed, and the errno, are the facts. It has
      // exited and its cgroups are gone: there is nothing left to stop.
      ctx.session.delete('container');
      return {
        view: { kind: 'text', lines: [`gbx-run: ${live.failure.message}`, `errno ${live.failure.errno}`, `exit status ${live.failure.status}`] },
        facts: { started: false, errno: live.failure.errno, exitStatus: live.failure.status },
      };
    }
    return observe(ctx, live, view ?? 'namespaces');
  },
});

export const containerProbe = defineAction<ViewArg>({
  name: 'container.probe',
  summary: { en: 'look at the running container again, from outside (/proc/<pid>)', ko: '실행 중인 컨테이너를 밖(/proc/<pid>)에서 다시 보기' },
  args: { view: VIEW_ARG },
  facts: CONTAINER_FACTS,
  views: ['namespaces', 'mounts'],
  requires: () => ['root', 'native:gbx-probe'],
  plan: (args) => [
    ...(args.view === 'mounts' ? [planned('node', 'read', ['/proc/<pid>/mountinfo'])] : [planned('node', 'readlink', ['/proc/<pid>/ns/*']), planned('node', 'read', ['/proc/*/stat', '/proc/*/status'])]),
  ],
  async run(args, ctx) {
    const live = peek(ctx, 'container') as LiveRun | undefined;
    if (live === undefined) throw missingEarlierStep('a running container', 'container.start');
    return observe(ctx, live, args.view ?? 'namespaces');
  },
});

export const containerStop = defineAction<Record<string, never>>({
  name: 'container.stop',
  summary: { en: 'stop the container: kill its PID 1, remove its cgroups', ko: '컨테이너 멈추기: PID 1을 kill 하고 cgroup 제거' },
  args: {},
  facts: ['exitStatus', 'signal', 'cgroupsRemoved', 'alive', 'loopbackUp'],
  views: ['text'],
  requires: () => ['root'],
  plan: () => [planned('node', 'kill', ['<pid>', 'SIGKILL']), planned('node', 'rmdir', ['<cgroup>/glassbox-<id>'])],
  async run(_args, ctx) {
    const live = peek(ctx, 'container') as LiveRun | undefined;
    if (live === undefined) throw missingEarlierStep('a running container', 'container.start');
    const result = await stopLive(ctx, live);
    const removed = result.plan.groups.every((group) => readOptional(ctx.kernel, `${group.dir}/cgroup.procs`) === null);
    const alive = isAlive(ctx.kernel, live.started.launched.pid);
    return {
      view: { kind: 'text', lines: [`exit status ${result.status}${result.signal === null ? '' : ` (${result.signal})`}`, ...result.plan.groups.map((g) => `${removed ? 'removed' : 'left'} ${g.dir}`)] },
      facts: {
        exitStatus: result.status,
        signal: result.signal ?? 'none',
        cgroupsRemoved: removed,
        alive,
        // gbx-run brings lo up in a new network namespace (it starts down): its step says whether it did.
        loopbackUp: result.steps.some((step) => step.op === 'ioctl' && step.args.ifname === 'lo' && step.ret === 0),
      },
    };
  },
});

export function isAlive(kernel: Kernel, pid: number): boolean {
  try {
    kernel.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The planned calls of a launch: the spec gbx-run gets, then its steps in order. */
export function planContainer(args: ContainerArgs, command: string[]) {
  const spec = buildSpec('<rootfs>', command, args);
  const entries = encodeSpec(spec).toString('utf8').split('\0').filter((entry) => entry !== '' && !entry.startsWith('env=') && !entry.startsWith('mask=') && !entry.startsWith('readonly='));
  const flags = spec.namespaces.map((ns) => `CLONE_NEW${ns === 'mount' ? 'NS' : ns.toUpperCase()}`).join('|') || '0';
  return [
    ...(Object.keys(spec.limits).length > 0 ? [planned('node', 'mkdir', ['<cgroup>/glassbox-<id>']), planned('node', 'write', ['<cgroup>/…limits'])] : []),
    planned('node', 'spawn', ['gbx-run', ...entries.slice(0, 12), ...(entries.length > 12 ? ['…'] : [])]),
    planned('helper', 'clone', [flags]),
    planned('node', 'write', ['<cgroup>/cgroup.procs', '<pid>'], { en: 'placed before it is released', ko: '풀려나기 전에 cgroup에 넣음' }),
    ...(spec.namespaces.includes('mount')
      ? [planned('helper', 'mount', ['<rootfs>', '<rootfs>', 'MS_BIND|MS_REC']), planned('helper', 'pivot_root', ['.', '.']), planned('helper', 'umount2', ['.', 'MNT_DETACH'])]
      : [planned('helper', 'chroot', ['<rootfs>'])]),
    planned('helper', 'capset', [`${spec.process.caps.length} caps`]),
    planned('helper', 'execve', command),
  ];
}

function observe(ctx: TourContext, live: LiveRun, view: 'namespaces' | 'mounts'): StepOutcome {
  const pid = live.started.launched.pid;
  const namespaces = readNamespacesView(ctx.kernel, live);
  const differing = differingNamespaces(namespaces);
  const mountsView = readMountsView(ctx.kernel, pid, (ctx.session.get('lastMounts') as string[] | undefined) ?? []);
  if (view === 'mounts') ctx.session.set('lastMounts', mountsView.mounts.map((m) => m.mountPoint));
  const report = live.report;
  const root = readMountInfo(ctx.kernel, pid).filter((entry) => entry.mountPoint === '/').at(-1);
  const hostRelease = (readOptional(ctx.kernel, '/proc/sys/kernel/osrelease') ?? '').trim();
  const shown: ViewData = view === 'mounts' ? mountsView : namespaces;
  return {
    view: shown,
    facts: {
      pid1: report?.pid ?? -1,
      ppid: report?.ppid ?? -1,
      hostname: report?.hostname ?? '',
      sameHostname: report?.hostname === namespaces.hostname?.host,
      newNamespaces: differing.join(' '),
      newNamespaceCount: differing.length,
      uid: report?.uid?.effective ?? -1,
      gid: report?.gid?.effective ?? -1,
      capEffective: report?.capabilities.effective?.names.length ?? -1,
      noNewPrivs: report?.noNewPrivs ?? false,
      sameKernel: report?.kernelRelease === hostRelease,
      cgroupAtRoot: (report?.cgroups ?? []).every((entry) => entry.path === '/'),
      rootReadOnly: root?.options.includes('ro') ?? false,
      procMounted: mountsView.mounts.some((m) => m.mountPoint === '/proc' && m.fstype === 'proc'),
      started: true,
    },
  };
}
