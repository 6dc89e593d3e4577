import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { GlassboxError } from '../errors.js';
import { nativeBinary } from '../native/paths.js';
import type { ExecSpec } from './exec-spec.js';
import { FrameReader, encodeExecSpec, encodeFrame, encodeSpec, parseEvent, type HelperEvent } from './launch-protocol.js';
import type { ContainerSpec, UserNamespaceSpec } from './spec.js';

/**
Starts gbx-run for a spec and drives it: sends the spec, waits for the child to be
created, writes its id maps (spec.userns) and lets the caller place it (cgroups)
before releasing it, and in step mode says "go" before each step. `launchExec`
does the same for a process that joins a running container. Every step is published on
`glassbox:container:step`, the channel the tour and `--json` read.
*/
export const CONTAINER_STEP_CHANNEL = 'glassbox:container:step';

export interface ContainerStepEvent {
  /** The container id. */
  id: string;
  /** `next`: about to run (step mode only); `done`: ran, with ret and errno. */
  phase: 'next' | 'done';
  op: string;
  args: Record<string, string>;
  ret?: number;
  errno?: string | null;
  /** Milliseconds since the helper was spawned. */
  at: number;
}

const stepChannel = diagnosticsChannel.channel(CONTAINER_STEP_CHANNEL);

export function subscribeContainerSteps(listener: (event: ContainerStepEvent) => void): () => void {
  const handler = (message: unknown): void => listener(message as ContainerStepEvent);
  diagnosticsChannel.subscribe(CONTAINER_STEP_CHANNEL, handler);
  return () => diagnosticsChannel.unsubscribe(CONTAINER_STEP_CHANNEL, handler);
}

export interface LaunchOptions {
  /** The gbx-run binary; default native/bin/gbx-run. */
  helper?: string;
  /** stdin, stdout, stderr of the container (fd 3 is always the control socket). Default all piped. */
  stdio?: ['pipe' | 'ignore' | 'inherit' | number, 'pipe' | 'ignore' | 'inherit' | number, 'pipe' | 'ignore' | 'inherit' | number];
  /** Runs after clone (and after the id maps are written), before the child does anything: place it in cgroups here. */
  beforeRelease?: (pid: number) => void | Promise<void>;
  /** Step mode: called before each step; the step runs when it resolves. */
  onNext?: (step: { op: string; args: Record<string, string> }) => void | Promise<void>;
  /** Extra environment for the helper itself (the container's comes from the spec). */
  env?: NodeJS.ProcessEnv;
  /**
  `exec -d`: gbx-run gets a session of its own (no terminal's signals reach it), and once the
  program runs it no longer keeps this process alive, so the caller may exit while it runs.
  */
  detached?: boolean;
  /**
  The cgroup.procs of a group gbx-run is already in (cgroups.ts, warmCgroupTarget): while it
  waits for Node it keeps the kernel's cgroup lock warm through it, so that placing the child
  does not wait for a grace period (native/gbx-run.c, keep_cgroups_warm).
  */
  warmCgroup?: string;
  /** gbx-run already started by startHelper (with its own stdio, env and warmCgroup). */
  started?: StartedHelper;
}

export interface HelperStep {
  op: string;
  args: Record<string, string>;
  ret: number;
  errno: string | null;
}

export interface LaunchResult {
  /** The exit status as a shell shows it: code, or 128+signal. */
  status: number;
  code: number | null;
  signal: string | null;
  /** Why gbx-run failed before the program ran (`failed to …`), with errno; null if it ran. */
  error: { message: string; errno: string | null } | null;
  steps: HelperStep[];
}

export interface LaunchedContainer {
  helperPid: number;
  /** The container's first process as the host sees it. */
  pid: number;
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** Resolves when gbx-run has exited (after the container did). */
  exited: Promise<LaunchResult>;
  /**
  True once the program's execve succeeded (the container is fully built: only then can `exec`
  join it), false if it ended before. The launch promise itself resolves earlier, at release.
  Optional: launchers other than gbx-run may not report it.
  */
  running?: Promise<boolean>;
  /** Signals gbx-run, which forwards INT, TERM, HUP, QUIT, USR1, USR2 and WINCH to the container. */
  kill(signal?: NodeJS.Signals): void;
}

function helperPath(options: LaunchOptions): string {
  const helper = options.helper ?? nativeBinary('gbx-run');
  if (helper === undefined) {
    throw new GlassboxError('RUN_HELPER_MISSING', 'the launch helper gbx-run is not built', {
      kind: 'environment',
      hint: 'run `npm run build` (needs a C compiler and libc.a: apt-get install build-essential)',
    });
  }
  return helper;
}

/** A new container: gbx-run clones its first process into new namespaces and builds its root. */
export function launchContainer(spec: ContainerSpec, options: LaunchOptions = {}): Promise<LaunchedContainer> {
  const payload = encodeSpec(spec, { step: options.onNext !== undefined });
  return driveHelper(spec.id, payload, options, spec.userns);
}

/**
A new process in a running container (`exec`): gbx-run joins the namespaces of spec.pid, and
the process gets its own ids, caps, env and cwd. `beforeRelease` should place it in the
container's cgroups; `pid` is then the new process on the host, its pid inside is above 1.
*/
export function launchExec(spec: ExecSpec, options: LaunchOptions = {}): Promise<LaunchedContainer> {
  const payload = encodeExecSpec(spec, { step: options.onNext !== undefined });
  return driveHelper(spec.id, payload, options);
}

/**
gbx-run, started ahead of its spec (startHelper): it execs and waits, warming the cgroup lock
when asked, while Node prepares the container. A launch takes it through LaunchOptions.started;
until then cancel() ends it. Killed with glassbox or cancelled, it sees its control socket close
and exits: it has made nothing yet.
*/
export class StartedHelper {
  readonly child: ChildProcess;
  readonly control: Readable & Writable;
  /** performance.now() at spawn: step events count from here. */
  readonly started = performance.now();
  /** gbx-run's end, whenever it comes (also before a launch took it). */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Rejects when gbx-run could not be spawned or signalled. */
  readonly failed: Promise<never>;
  #taken = false;

  constructor(options: Omit<LaunchOptions, 'started'>) {
    const stdio: StdioOptions = [...(options.stdio ?? ['pipe', 'pipe', 'pipe']), 'pipe'];
    const env = { ...(options.env ?? {}), ...(options.warmCgroup === undefined ? {} : { GBX_WARM_CGROUP: options.warmCgroup }) };
    this.child = spawn(helperPath(options), [], { stdio, env, detached: options.detached === true });
    const control = this.child.stdio[3] as (Readable & Writable) | null;
    if (control === null || control === undefined) throw new GlassboxError('RUN_PROTOCOL', 'no control socket to gbx-run', { kind: 'bug' });
    this.control = control;
    control.on('error', () => undefined); // EPIPE when the helper died first; its exit says why
    this.closed = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
    this.failed = new Promise<never>((_, reject) => this.child.once('error', reject));
    this.failed.catch(() => undefined);
  }

  /** For the launch that drives it: from then on the launch owns it. */
  take(): this {
    if (this.#taken) throw new GlassboxError('RUN_PROTOCOL', 'gbx-run was already taken by a launch', { kind: 'bug' });
    this.#taken = true;
    return this;
  }

  cancel(): void {
    if (!this.#taken) this.child.kill('SIGKILL');
  }
}

export function startHelper(options: Omit<LaunchOptions, 'started'> = {}): StartedHelper {
  return new StartedHelper(options);
}

function driveHelper(id: string, payload: Buffer, options: LaunchOptions, userns?: UserNamespaceSpec): Promise<LaunchedContainer> {
  const { child, control, started, closed, failed } = (options.started ?? startHelper(options)).take();
  control.write(encodeFrame('S', payload));

  const steps: HelperStep[] = [];
  const reader = new FrameReader();
  let error: LaunchResult['error'] = null;
  let exit: { code: string | undefined; signal: string | undefined } | null = null;
  let onCreated: ((pid: number) => void) | undefined;
  let onFailed: ((reason: Error) => void) | undefined;
  const created = new Promise<number>((resolve, reject) => {
    onCreated = resolve;
    onFailed = reject;
  });
  let onRunning: (running: boolean) => void = () => undefined;
  const running = new Promise<boolean>((resolve) => {
    onRunning = resolve;
  });

  const publish = (event: Omit<ContainerStepEvent, 'id' | 'at'>): void => {
    if (stepChannel.hasSubscribers) stepChannel.publish({ id, at: performance.now() - started, ...event });
  };
  // Steps are handled one at a time: a "go" must not overtake an earlier step's caller.
  let queue = Promise.resolve();
  const handle = async (event: HelperEvent): Promise<void> => {
    switch (event.type) {
      case 'next':
        publish({ phase: 'next', op: event.op, args: event.args });
        await options.onNext?.({ op: event.op, args: event.args });
        control.write(encodeFrame('G'));
        break;
      case 'step':
        steps.push({ op: event.op, args: event.args, ret: event.ret, errno: event.errno });
        // gbx-run's parent reports execve once the child's close-on-exec pipe has closed.
        if (event.op === 'execve' && event.ret === 0) {
          onRunning(true);
          if (options.detached === true) {
            child.unref();
            (control as Partial<Pick<Socket, 'unref'>>).unref?.();
          }
        }
        publish({ phase: 'done', op: event.op, args: event.args, ret: event.ret, errno: event.errno });
        break;
      case 'created': {
        const pid = Number(event.pid);
        // Maps first: the caller's hook may look at the child, and it must run mapped. Only an
        // unprivileged writer needs setgroups denied (rootless, later).
        if (userns !== undefined) {
          // Loaded here: most containers have no user namespace, and each module is start-up time.
          const { writeIdMaps } = await import('./id-maps.js');
          writeIdMaps(pid, userns, { denySetgroups: process.getuid?.() !== 0 });
        }
        await options.beforeRelease?.(pid);
        control.write(encodeFrame('R'));
        onCreated?.(pid);
        break;
      }
      case 'error':
        error = { message: event.message, errno: event.errno };
        break;
      case 'exit':
        exit = { code: event.code, signal: event.signal };
        break;
    }
  };
  control.on('data', (chunk: Buffer) => {
    for (const frame of reader.push(chunk)) {
      const event = parseEvent(frame.payload);
      queue = queue.then(() => handle(event)).catch((reason: unknown) => {
        // The caller's placement failed: the child must not run unplaced. gbx-run's child
        // dies with it (PR_SET_PDEATHSIG).
        child.kill('SIGKILL');
        onFailed?.(reason as Error);
      });
    }
  });

  const exited = new Promise<LaunchResult>((resolve) => {
    void closed.then(({ code, signal }) => {
      void queue.then(() => {
        const result: LaunchResult =
          exit === null
            ? // gbx-run itself died (killed, or broke before reporting): its own status is all there is.
              { status: code ?? 128 + signalNumber(signal), code, signal, error, steps }
            : {
                status: exit.code !== undefined ? Number(exit.code) : 128 + signalNumber(exit.signal ?? null),
                code: exit.code !== undefined ? Number(exit.code) : null,
                signal: exit.signal ?? null,
                error,
                steps,
              };
        onFailed?.(launchFailure(result));
        onRunning(false);
        resolve(result);
      });
    });
  });
  failed.catch((reason: unknown) => onFailed?.(reason as Error));

  return created.then((pid) => ({
    helperPid: child.pid ?? -1,
    pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    running,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal);
    },
  }));
}

function launchFailure(result: LaunchResult): GlassboxError {
  const why = result.error === null ? `gbx-run exited with status ${result.status}` : `gbx-run: ${result.error.message}${result.error.errno === null ? '' : `: ${result.error.errno}`}`;
  return new GlassboxError('RUN_LAUNCH_FAILED', `the container did not start: ${why}`, { kind: 'environment' });
}

function signalNumber(signal: string | null): number {
  return signal === null ? 0 : (constants.signals[signal as NodeJS.Signals] ?? 0);
}
