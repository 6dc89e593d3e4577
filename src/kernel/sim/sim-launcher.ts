import diagnosticsChannel from 'node:diagnostics_channel';
import { PassThrough, Writable } from 'node:stream';
import { CONTAINER_STEP_CHANNEL, type ContainerStepEvent, type LaunchedContainer, type LaunchOptions, type LaunchResult } from '../../container/launch.js';
import type { ContainerLauncher } from '../../container/launcher.js';
import type { ContainerSpec, IdMapEntry } from '../../container/spec.js';
import { GlassboxError } from '../../errors.js';
import { ERRNO, errnoName } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import type { ProcessExit } from '../types.js';
import { CAP, hasCap } from './access.js';
import { forkProcess } from './fork.js';
import { setupRoot } from './launch-root.js';
import { bringUpLoopback, execProcess, setHostname, setupProcess } from './launch-process.js';
import { LaunchFailure, mustStep, step, type StepRecord, type StepReporter } from './launch-steps.js';
import type { SimMachine } from './machine.js';
import type { Namespace, NamespaceSet } from './namespaces.js';
import { runProgram, type ProgramIo } from './programs.js';
import type { SimProcess } from './processes.js';
import { copyMountNamespace } from './root-change.js';
import type { SimKernel } from './sim-kernel.js';
import { SIGNALS, signalNumber } from './signals.js';

/**
The simulated kernel's model of gbx-run (native/gbx-run.c): the same steps with the same ops, args,
return values and errnos, published on `glassbox:container:step`, so that startContainer() and the
tour cannot tell it from the real helper except by its label. The helper and the container are
processes of the model: clone() makes the namespaces (new inode numbers, pid 1 inside), the child
waits for beforeRelease (cgroup placement), then builds its root and process state and executes a
model program, whose output is the LaunchedContainer's stdout.
*/
export function createSimLauncher(kernel: SimKernel): ContainerLauncher {
  return { label: 'SIMULATED', launch: (spec, options) => launchSimContainer(kernel.machine, spec, options) };
}

const stepChannel = diagnosticsChannel.channel(CONTAINER_STEP_CHANNEL);
/** gbx-run forwards these to the container; anything else is for the helper itself. */
const FORWARDED = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH']);
const CLONE_ORDER: [string, string][] = [['mount', 'CLONE_NEWNS'], ['uts', 'CLONE_NEWUTS'], ['ipc', 'CLONE_NEWIPC'], ['pid', 'CLONE_NEWPID'], ['net', 'CLONE_NEWNET'], ['user', 'CLONE_NEWUSER']];
let socketInode = 700000;

/** spec_parse(): what gbx-run refuses before it does anything. */
function checkSpec(spec: ContainerSpec): void {
  const bad = (why: string): never => {
    throw new LaunchFailure(125, `failed to parse the spec: ${why}`, null);
  };
  if (!spec.rootfs.startsWith('/')) bad(`rootfs ${spec.rootfs} is not an absolute path`);
  if (!spec.process.cwd.startsWith('/')) bad(`cwd ${spec.process.cwd} is not an absolute path`);
  if (spec.process.args.length === 0) bad('no arg (the process to run)');
  for (const path of [...spec.maskedPaths, ...spec.readonlyPaths]) if (!path.startsWith('/')) bad(`${path} is not an absolute path`);
}

/** clone(2) with CLONE_NEW* flags: EPERM without CAP_SYS_ADMIN; the child gets new namespaces, each a new inode. */
function cloneChild(machine: SimMachine, helper: SimProcess, spec: ContainerSpec): SimProcess {
  const wanted = new Set(spec.namespaces.filter((ns) => ns !== 'cgroup'));
  if (wanted.size > 0 && !hasCap(machine.contextOf(helper).caller, CAP.CAP_SYS_ADMIN)) throw new ErrnoFailure(ERRNO.EPERM);
  const fresh = (kind: Namespace['kind']): Namespace => ({ kind, inode: machine.nsIds.allocate() });
  const ns: NamespaceSet = { ...helper.ns };
  let mountNs = helper.mountNs;
  if (wanted.has('mount')) {
    ns.mnt = fresh('mnt');
    mountNs = copyMountNamespace(machine.ids, ns.mnt.inode, helper.mountNs);
  }
  if (wanted.has('uts')) ns.uts = { kind: 'uts', inode: machine.nsIds.allocate(), hostname: helper.ns.uts.hostname, domainname: helper.ns.uts.domainname };
  if (wanted.has('ipc')) ns.ipc = fresh('ipc');
  let pidNs = helper.ns.pidForChildren;
  if (wanted.has('pid')) pidNs = { ...fresh('pid'), parent: helper.ns.pid, nextPid: 1 };
  if (wanted.has('net')) ns.net = { ...fresh('net'), loopbackUp: false };
  if (wanted.has('user')) ns.user = fresh('user');
  const child = forkProcess(machine, { ...helper, ns }, pidNs);
  child.mountNs = mountNs;
  return child;
}

function helperProcess(machine: SimMachine): SimProcess {
  const helper = forkProcess(machine, machine.self);
  Object.assign(helper, { comm: 'memfd:gbx-run', argv: ['gbx-run'], exe: '/memfd:gbx-run (deleted)' });
  return helper;
}

type Stdio = NonNullable<LaunchOptions['stdio']>[number];

function outputStream(kind: Stdio): { stream: PassThrough | null; write: (text: string) => void; target: string } {
  if (kind === 'pipe') {
    const stream = new PassThrough();
    return { stream, write: (text) => void stream.write(text), target: `socket:[${socketInode++}]` };
  }
  if (kind === 'inherit') return { stream: null, write: (text) => void process.stdout.write(text), target: '/dev/pts/0' };
  return { stream: null, write: () => undefined, target: '/dev/null' };
}

export function launchSimContainer(machine: SimMachine, spec: ContainerSpec, options: LaunchOptions = {}): Promise<LaunchedContainer> {
  const started = performance.now();
  const [stdinKind, stdoutKind, stderrKind] = options.stdio ?? ['pipe', 'pipe', 'pipe'];
  const out = outputStream(stdoutKind);
  const err = outputStream(stderrKind);
  const stdin = stdinKind === 'pipe' ? new Writable({ write: (_chunk, _encoding, done) => done() }) : null;
  const steps: StepRecord[] = [];
  const publish = (event: Omit<ContainerStepEvent, 'id' | 'at'>): void => {
    if (stepChannel.hasSubscribers) stepChannel.publish({ id: spec.id, at: performance.now() - started, ...event });
  };
  const reporter: StepReporter = {
    async announce(op, args) {
      if (options.onNext === undefined) return;
      publish({ phase: 'next', op, args });
      await options.onNext({ op, args });
    },
    report(record) {
      steps.push(record);
      publish({ phase: 'done', ...record });
    },
  };

  let helper: SimProcess | undefined;
  let child: SimProcess | undefined;
  let error: LaunchResult['error'] = null;
  let resolveExit!: (result: LaunchResult) => void;
  const exited = new Promise<LaunchResult>((resolve) => (resolveExit = resolve));
  let finished = false;
  const finish = (result: Omit<LaunchResult, 'steps' | 'error'>): void => {
    if (finished) return;
    finished = true;
    out.stream?.end();
    err.stream?.end();
    if (helper !== undefined && helper.state !== 'Z') machine.processes.end(helper, { code: result.code, signal: result.signal as NodeJS.Signals | null });
    resolveExit({ ...result, error, steps });
  };
  const failWith = (failure: LaunchFailure): void => {
    error = { message: failure.reason, errno: failure.errno };
    if (child !== undefined && child.state !== 'Z') machine.processes.end(child, { code: failure.status, signal: null });
    // After the reap end() queued: gbx-run reports the exit only once it has waited for its child.
    setImmediate(() => finish({ status: failure.status, code: failure.status, signal: null }));
  };
  const io: ProgramIo = { write: (fd, text) => (fd === 1 ? out : err).write(text) };

  const run = async (): Promise<LaunchedContainer> => {
    checkSpec(spec);
    helper = helperProcess(machine);
    const flags = CLONE_ORDER.filter(([name]) => spec.namespaces.includes(name as never)).map(([, flag]) => `${flag}|`).join('');
    const cloneArgs = { flags: `${flags}SIGCHLD` };
    await reporter.announce('clone', cloneArgs);
    let made: SimProcess | undefined;
    const cloned = await step({ announce: async () => undefined, report: (r) => reporter.report(r) }, 'clone', cloneArgs, () => {
      made = cloneChild(machine, helper!, spec);
      return made.pid;
    });
    if (cloned.errno !== null || made === undefined) throw new LaunchFailure(125, 'failed to clone the container process', errnoName(cloned.errno ?? ERRNO.EINVAL));
    child = made;
    child.fds = new Map([[0, stdinKind === 'pipe' ? `socket:[${socketInode++}]` : '/dev/null'], [1, out.target], [2, err.target], [3, `socket:[${socketInode++}]`]]);
    const container = child;
    container.settle = (exit: ProcessExit) => {
      const number = exit.signal === null ? 0 : (SIGNALS[exit.signal] ?? 0);
      finish({ status: exit.code ?? 128 + number, code: exit.code, signal: exit.signal });
    };
    try {
      await options.beforeRelease?.(container.pid);
    } catch (reason) {
      // The caller's placement failed: the child must not run unplaced (it dies with gbx-run).
      machine.processes.end(container, { code: null, signal: 'SIGKILL' });
      finish({ status: 137, code: null, signal: 'SIGKILL' });
      throw reason;
    }
    void runChild(container).catch((failure: unknown) => {
      if (failure instanceof LaunchFailure) failWith(failure);
      else {
        error = { message: `the simulation failed: ${(failure as Error).message}`, errno: null };
        finish({ status: 125, code: 125, signal: null });
      }
    });
    return {
      helperPid: helper.pid,
      pid: container.pid,
      stdin,
      stdout: out.stream,
      stderr: err.stream,
      exited,
      kill: (signal: NodeJS.Signals = 'SIGTERM') => killContainer(signal),
    };
  };

  const runChild = async (p: SimProcess): Promise<void> => {
    const setup = { machine, child: p, spec, steps: reporter };
    if (spec.namespaces.includes('user')) await becomeRootInUserNs(reporter, spec);
    // Late, so that the cgroup namespace's root is the group the caller placed us in.
    if (spec.namespaces.includes('cgroup')) {
      await mustStep(reporter, 'unshare', { flags: 'CLONE_NEWCGROUP' }, () => {
        if (!hasCap(machine.contextOf(p).caller, CAP.CAP_SYS_ADMIN)) throw new ErrnoFailure(ERRNO.EPERM);
        p.ns = { ...p.ns, cgroup: { kind: 'cgroup', inode: machine.nsIds.allocate(), cgroupRoots: new Map(p.cgroups) } };
      }, 'failed to create the cgroup namespace');
    }
    if (spec.namespaces.includes('uts')) await setHostname(setup);
    if (spec.namespaces.includes('net')) await bringUpLoopback(setup);
    await setupRoot(setup);
    await setupProcess(setup);
    const image = await execProcess(setup);
    if (p.state === 'Z') return;
    // gbx-run's parent sees the close-on-exec pipe close: the program runs.
    reporter.report({ op: 'execve', args: { result: 'the program is running' }, ret: 0, errno: null });
    p.state = 'R';
    runProgram(image.program, p, (exit) => machine.processes.end(p, exit), machine, io);
  };

  const killContainer = (signal: NodeJS.Signals): void => {
    if (child === undefined || child.state === 'Z') return;
    if (FORWARDED.has(signal)) {
      machine.signal(child, signalNumber(signal) ?? 0);
      return;
    }
    // gbx-run itself dies; its child follows (PR_SET_PDEATHSIG SIGKILL), and its status is all there is.
    machine.processes.end(child, { code: null, signal: 'SIGKILL' });
  };

  return run().catch((failure: unknown) => {
    if (failure instanceof LaunchFailure) {
      failWith(failure);
      const why = `gbx-run: ${failure.reason}${failure.errno === null ? '' : `: ${failure.errno}`}`;
      throw new GlassboxError('RUN_LAUNCH_FAILED', `the container did not start: ${why}`, { kind: 'environment' });
    }
    throw failure;
  });
}

/** Whether id 0 inside the user namespace has a mapping (user_namespaces(7): unmapped ids are invalid there). */
function mapsRoot(entries: readonly IdMapEntry[] | undefined): boolean {
  return (entries ?? []).some((entry) => entry.inside === 0 && entry.count > 0);
}

/**
gbx-run's become_root_in_user_ns: setresgid(0,0,0) then setresuid(0,0,0) in the new user namespace.
setresuid(2)/setresgid(2): EINVAL when an id is not valid in the caller's user namespace, i.e. when
Node wrote no map for it. The simulation models only whether 0 is mapped.
*/
async function becomeRootInUserNs(reporter: StepReporter, spec: ContainerSpec): Promise<void> {
  await mustStep(reporter, 'setresgid', { rgid: '0', egid: '0', sgid: '0', in: 'the user namespace' }, () => {
    if (!mapsRoot(spec.userns?.gidMap)) throw new ErrnoFailure(ERRNO.EINVAL);
  }, 'failed to become gid 0 in the user namespace (is gid 0 mapped?)');
  await mustStep(reporter, 'setresuid', { ruid: '0', euid: '0', suid: '0', in: 'the user namespace' }, () => {
    if (!mapsRoot(spec.userns?.uidMap)) throw new ErrnoFailure(ERRNO.EINVAL);
  }, 'failed to become uid 0 in the user namespace (is uid 0 mapped?)');
}
