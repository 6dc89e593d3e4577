import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { dockerFlagsToSpec, type DockerRunFlags } from '../../container/docker-flags.js';
import { subscribeContainerSteps } from '../../container/launch.js';
import { startContainer, type RunResult } from '../../container/run-container.js';
import type { ContainerSpec, NamespaceName } from '../../container/spec.js';
import { GlassboxError } from '../../errors.js';
import { parseProbeReport } from '../../native/probe.js';
import type { Requirement } from '../../lessons/requirements.js';
import type { TourContext } from '../types.js';
import type { ArgRule } from './define.js';
import type { LiveContainer } from './state.js';

/**
Containers for the lessons: a spec built from Docker-style arguments with the namespaces named one
by one, started through ctx.launcher (gbx-run, or the simulation's model of it) with cgroups from
startContainer, and stopped with SIGKILL to its PID 1 (a PID 1 ignores signals it has no handler
for, except KILL and STOP from outside: pid_namespaces(7)).
*/
export const NS_NAMES = ['mnt', 'uts', 'ipc', 'pid', 'net', 'user', 'cgroup'] as const;
export type LessonNamespace = (typeof NS_NAMES)[number];

const TO_SPEC: Record<LessonNamespace, NamespaceName> = { mnt: 'mount', uts: 'uts', ipc: 'ipc', pid: 'pid', net: 'net', user: 'user', cgroup: 'cgroup' };

export const PROBE = '/usr/local/bin/gbx-probe';
export const LOAD = '/bin/gbx-load';

export interface ContainerArgs {
  namespaces?: string[];
  hostname?: string;
  memory?: string;
  cpus?: string;
  pidsLimit?: number;
  user?: string;
  readOnly?: boolean;
  capDrop?: string[];
  capAdd?: string[];
  securityOpt?: string[];
}

export const CONTAINER_ARGS: Record<keyof ContainerArgs, ArgRule> = {
  namespaces: { type: 'strings', values: NS_NAMES },
  hostname: { type: 'string' },
  memory: { type: 'string' },
  cpus: { type: 'string' },
  pidsLimit: { type: 'number', min: 1, max: 100000 },
  user: { type: 'string' },
  readOnly: { type: 'boolean' },
  capDrop: { type: 'strings' },
  capAdd: { type: 'strings' },
  securityOpt: { type: 'strings', values: ['no-new-privileges', 'no-new-privileges:true'] },
};

const DEFAULT_NAMESPACES: LessonNamespace[] = ['mnt', 'uts', 'ipc', 'pid', 'net', 'cgroup'];

/** What the real kernel must offer for a container with these arguments. */
export function containerNeeds(args: ContainerArgs): Requirement[] {
  const needs: Requirement[] = ['root', 'cap:sys_admin', 'overlay', 'native:gbx-probe'];
  const namespaces = (args.namespaces ?? DEFAULT_NAMESPACES) as LessonNamespace[];
  for (const ns of namespaces) needs.push(`ns:${ns}` as Requirement);
  if (namespaces.includes('mnt')) needs.push('pivot_root');
  if (args.memory !== undefined) needs.push('cgroup:memory');
  if (args.cpus !== undefined) needs.push('cgroup:cpu');
  if (args.pidsLimit !== undefined) needs.push('cgroup:pids');
  return needs;
}

export function buildSpec(rootfs: string, command: string[], args: ContainerArgs): ContainerSpec {
  const flags: DockerRunFlags = {
    ...(args.memory === undefined ? {} : { memory: args.memory }),
    ...(args.cpus === undefined ? {} : { cpus: args.cpus }),
    ...(args.pidsLimit === undefined ? {} : { pidsLimit: String(args.pidsLimit) }),
    ...(args.hostname === undefined ? {} : { hostname: args.hostname }),
    ...(args.user === undefined ? {} : { user: args.user }),
    ...(args.readOnly === undefined ? {} : { readOnly: args.readOnly }),
    ...(args.capDrop === undefined ? {} : { capDrop: args.capDrop }),
    ...(args.capAdd === undefined ? {} : { capAdd: args.capAdd }),
    ...(args.securityOpt === undefined ? {} : { securityOpt: args.securityOpt }),
  };
  const spec = dockerFlagsToSpec(randomBytes(6).toString('hex'), rootfs, command, flags);
  spec.namespaces = ((args.namespaces ?? DEFAULT_NAMESPACES) as LessonNamespace[]).map((ns) => TO_SPEC[ns]);
  return spec;
}

export interface LiveRun extends LiveContainer {
  /** Resolves once the container has exited and its cgroups are gone. */
  finished: Promise<RunResult>;
  /** Why the container ended before gbx-probe reported (allowFailure only). */
  failure?: { status: number; message: string; errno: string };
}

/**
Starts a container and, when `probe` is true, waits for gbx-probe's report on its stdout. Any
container of this lesson still running is stopped first: a lesson looks at one at a time.
*/
export async function startLive(ctx: TourContext, spec: ContainerSpec, options: { probe: boolean; allowFailure?: boolean }): Promise<LiveRun> {
  const previous = ctx.session.get('container') as LiveRun | undefined;
  if (previous !== undefined) await stopLive(ctx, previous);
  // gbx-run reports execve once the exec has happened (its close-on-exec pipe): the program may
  // print before that report arrives. The step ends after both, so the log always has the execve.
  let onExec: () => void = () => undefined;
  const executed = new Promise<void>((resolve) => (onExec = resolve));
  const unsubscribe = subscribeContainerSteps((event) => {
    if (event.id === spec.id && event.phase === 'done' && event.op === 'execve') onExec();
  });
  let started: Awaited<ReturnType<typeof startContainer>>;
  try {
    started = await startContainer(ctx.kernel, spec, { launcher: ctx.launcher, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    unsubscribe();
    throw error;
  }
  const output: string[] = [];
  const live: LiveRun = { spec, started, report: null, output, stopped: false, finished: started.wait() };
  ctx.session.set('container', live);
  live.finished.catch(() => undefined); // awaited by stopLive; this only keeps an early failure from going unhandled
  ctx.defer(`stop container ${spec.id}`, async () => {
    await stopLive(ctx, live);
  });
  const text = collect(started.launched.stdout, output);
  collect(started.launched.stderr, []);
  if (options.probe) {
    const report = await Promise.race([firstJsonLine(output, text), live.finished.then(() => null)]);
    if (report === null) {
      const result = await live.finished;
      unsubscribe();
      if (options.allowFailure === true) {
        live.failure = { status: result.status, message: result.error?.message ?? `exit status ${result.status}`, errno: result.error?.errno ?? 'none' };
        return live;
      }
      throw new GlassboxError('TOUR_PROBE_SILENT', `the container exited (status ${result.status}) before gbx-probe reported`, {
        kind: 'environment',
        hint: result.error === null ? 'is gbx-probe in the image? (npm run build, then pull again)' : `gbx-run: ${result.error.message}${result.error.errno === null ? '' : ` (${result.error.errno})`}`,
      });
    }
    live.report = parseProbeReport(report);
  }
  await Promise.race([executed, live.finished.catch(() => undefined)]);
  unsubscribe();
  return live;
}

export async function stopLive(ctx: TourContext, live: LiveRun): Promise<RunResult> {
  if (!live.stopped) {
    live.stopped = true;
    try {
      ctx.kernel.kill(live.started.launched.pid, 'SIGKILL');
    } catch {
      // Already gone: it exited on its own.
    }
  }
  const result = await live.finished;
  if (ctx.session.get('container') === live) ctx.session.delete('container');
  return result;
}

function collect(stream: Readable | null, lines: string[]): { changed: () => Promise<void> } {
  let partial = '';
  let wake: (() => void) | null = null;
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    wake?.();
  });
  return { changed: () => new Promise((resolve) => (wake = resolve)) };
}

async function firstJsonLine(lines: string[], text: { changed: () => Promise<void> }): Promise<string> {
  for (;;) {
    const line = lines.find((entry) => entry.startsWith('{'));
    if (line !== undefined) return line;
    await text.changed();
  }
}
