import { CAPABILITIES } from '../../observe/capabilities.js';
import type { ContainerSpec } from '../../container/spec.js';
import { DEFAULT_PATH } from '../../container/spec.js';
import { ERRNO, errnoName } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import { ALL_CAPS, CAP, hasCap } from './access.js';
import { chdirTo } from './launch-root.js';
import { LaunchFailure, errnoOf, mustStep, step, type StepReporter } from './launch-steps.js';
import type { SimMachine } from './machine.js';
import { PROGRAM_MEMORY } from './fork.js';
import type { SimProcess } from './processes.js';
import { rlimitOf, RLIMIT_NAMES } from './rlimits.js';
import { findExecutable, loadImage, type Image } from './spawn.js';
import { readFileAt } from './vfs-files.js';

/**
The process's own state before execve, as native/run-process.c sets it, with the kernel's rules for
each call: sethostname(2), setrlimit(2), chdir(2), prctl(2) PR_CAPBSET_DROP, setgroups(2),
setresgid(2)/setresuid(2) with PR_SET_KEEPCAPS, capset(2), and execve(2) with the capability rules
of capabilities(7).
*/
export interface ProcessSetup {
  machine: SimMachine;
  child: SimProcess;
  spec: ContainerSpec;
  steps: StepReporter;
}

const CAP_SETGID = 6;
const CAP_SETUID = 7;
const CAP_SETPCAP = 8;
const CAP_NET_ADMIN = 12;
const CAP_SYS_RESOURCE = 24;

const callerOf = (p: SimProcess) => ({ pid: p.pid, uid: p.uid, gid: p.gid, caps: p.caps.effective });

function need(p: SimProcess, cap: number): void {
  if (!hasCap(callerOf(p), cap)) throw new ErrnoFailure(ERRNO.EPERM);
}

export function capBits(names: readonly string[]): bigint {
  let bits = 0n;
  for (const name of names) {
    const bit = CAPABILITIES.indexOf(name as (typeof CAPABILITIES)[number]);
    if (bit >= 0) bits |= 1n << BigInt(bit);
  }
  return bits;
}

/** gbx-run's cap_list(): names in bit order, joined with commas. */
export function capList(bits: bigint): string {
  const names: string[] = [];
  for (let cap = 0; cap < 64; cap++) if ((bits & (1n << BigInt(cap))) !== 0n) names.push(CAPABILITIES[cap] ?? `cap_${cap}`);
  return names.join(',');
}

/** sethostname(2): EPERM without CAP_SYS_ADMIN, EINVAL past 64 bytes. */
export async function setHostname(setup: ProcessSetup): Promise<void> {
  const name = setup.spec.hostname;
  if (name === undefined || !setup.spec.namespaces.includes('uts')) return;
  await mustStep(setup.steps, 'sethostname', { name }, () => {
    need(setup.child, CAP.CAP_SYS_ADMIN);
    if (Buffer.byteLength(name) > 64) throw new ErrnoFailure(ERRNO.EINVAL);
    setup.child.ns.uts.hostname = name;
  }, `failed to set the hostname ${name}`);
}

/** A new network namespace has only lo, and it is down; SIOCSIFFLAGS needs CAP_NET_ADMIN. */
export async function bringUpLoopback(setup: ProcessSetup): Promise<void> {
  await mustStep(setup.steps, 'ioctl', { fd: 'socket(AF_INET)', request: 'SIOCSIFFLAGS', ifname: 'lo', flags: 'IFF_UP|IFF_RUNNING' }, () => {
    need(setup.child, CAP_NET_ADMIN);
    setup.child.ns.net.loopbackUp = true;
  }, 'failed to bring up lo');
}

const showRlim = (value: number): string => (value === -1 ? 'unlimited' : String(value));

/** setrlimit(2): raising a hard limit needs CAP_SYS_RESOURCE (EPERM). */
async function setRlimits(setup: ProcessSetup): Promise<void> {
  for (const r of setup.spec.process.rlimits) {
    const args = { resource: r.name, soft: showRlim(r.soft), hard: showRlim(r.hard) };
    const name = r.name as (typeof RLIMIT_NAMES)[number];
    const now = rlimitOf(setup.child, name);
    const raises = now.hard !== 'unlimited' && (r.hard === -1 || r.hard > now.hard);
    const done = await step(setup.steps, 'setrlimit', args, () => {
      if (raises) need(setup.child, CAP_SYS_RESOURCE);
      (setup.child.rlimits ??= new Map()).set(name, { soft: r.soft === -1 ? 'unlimited' : r.soft, hard: r.hard === -1 ? 'unlimited' : r.hard });
    });
    if (done.errno === null) continue;
    if (done.errno === ERRNO.EPERM && raises) {
      throw new LaunchFailure(125, `failed to set rlimit ${r.name} to ${args.soft}:${args.hard}: above the hard limit ${now.hard}, and raising a hard limit needs CAP_SYS_RESOURCE`, 'EPERM');
    }
    throw new LaunchFailure(125, `failed to set rlimit ${r.name} to ${args.soft}:${args.hard}`, errnoName(done.errno));
  }
}

/** CVE-2024-21626: a cwd that getcwd cannot name inside the root is refused (the model's are always inside). */
async function enterCwd(setup: ProcessSetup): Promise<void> {
  const { cwd } = setup.spec.process;
  await mustStep(setup.steps, 'chdir', { path: cwd }, () => chdirTo(setup, cwd), `failed to chdir to ${cwd}`);
  await mustStep(setup.steps, 'getcwd', { expect: 'a path inside the root' }, () => undefined, `failed to stay inside the root: the working directory ${cwd} is outside it`);
}

/** Every cap the kernel knows that the spec does not keep leaves the bounding set (needs CAP_SETPCAP). */
async function dropBoundingCaps(setup: ProcessSetup, kept: bigint): Promise<void> {
  const drop = ALL_CAPS & ~kept;
  await mustStep(setup.steps, 'prctl', { option: 'PR_CAPBSET_DROP', caps: capList(drop) }, () => {
    if (drop !== 0n) need(setup.child, CAP_SETPCAP);
    setup.child.caps.bounding &= kept;
  }, 'failed to drop a capability from the bounding set');
}

/**
setgroups, PR_SET_KEEPCAPS, setresgid, setresuid. capabilities(7): when all uids become non-zero the
permitted set is cleared unless KEEPCAPS is set, and the effective set is cleared either way.
*/
async function switchUser(setup: ProcessSetup): Promise<void> {
  const p = setup.child;
  const { uid, gid, groups } = setup.spec.process;
  const list = groups.join(',');
  await mustStep(setup.steps, 'setgroups', { groups: list }, () => {
    need(p, CAP_SETGID);
    p.groups = [...groups];
  }, `failed to set the supplementary groups [${list}]`);
  await mustStep(setup.steps, 'prctl', { option: 'PR_SET_KEEPCAPS', value: '1' }, () => undefined, 'failed to keep capabilities across the uid change');
  await mustStep(setup.steps, 'setresgid', { rgid: String(gid), egid: String(gid), sgid: String(gid) }, () => {
    if (gid !== p.gid) need(p, CAP_SETGID);
    p.gid = gid;
  }, `failed to set the gid ${gid}`);
  await mustStep(setup.steps, 'setresuid', { ruid: String(uid), euid: String(uid), suid: String(uid) }, () => {
    if (uid !== p.uid) need(p, CAP_SETUID);
    if (p.uid === 0 && uid !== 0) p.caps.effective = 0n;
    p.uid = uid;
  }, `failed to set the uid ${uid}`);
}

/** capset(2): EPERM when adding to the permitted set; then the ambient set is cleared. */
async function setCaps(setup: ProcessSetup, kept: bigint): Promise<void> {
  const p = setup.child;
  const names = capList(kept);
  await mustStep(setup.steps, 'capset', { effective: names, permitted: names, inheritable: '' }, () => {
    if ((kept & ~p.caps.permitted) !== 0n) throw new ErrnoFailure(ERRNO.EPERM);
    Object.assign(p.caps, { effective: kept, permitted: kept, inheritable: 0n });
  }, `failed to set the capabilities [${names}]`);
  await mustStep(setup.steps, 'prctl', { option: 'PR_CAP_AMBIENT_CLEAR_ALL' }, () => void (p.caps.ambient = 0n), 'failed to clear the ambient capabilities');
}

/** Everything from setrlimit to the signal mask, in gbx-run's order. */
export async function setupProcess(setup: ProcessSetup): Promise<void> {
  const kept = capBits(setup.spec.process.caps);
  await setRlimits(setup);
  await enterCwd(setup);
  await dropBoundingCaps(setup, kept);
  await switchUser(setup);
  await setCaps(setup, kept);
  if (setup.spec.process.noNewPrivileges) {
    await mustStep(setup.steps, 'prctl', { option: 'PR_SET_NO_NEW_PRIVS', value: '1' }, () => void (setup.child.noNewPrivs = true), 'failed to set no_new_privs');
  }
  await mustStep(setup.steps, 'close_range', { first: '3', last: '~0U', flags: 'CLOSE_RANGE_CLOEXEC' }, () => undefined, 'failed to mark fds above 2 close-on-exec');
  await mustStep(setup.steps, 'sigaction', { signals: '1-64', handler: 'SIG_DFL' }, () => undefined, 'failed to reset the signal handlers');
  await mustStep(setup.steps, 'sigprocmask', { how: 'SIG_SETMASK', set: '{}' }, () => undefined, 'failed to clear the signal mask');
}

/** PATH from the container's environment, not the helper's. */
function programPath(setup: ProcessSetup): string {
  const name = setup.spec.process.args[0]!;
  if (name.includes('/')) return name;
  const entry = setup.spec.process.env.find((e) => e.startsWith('PATH='));
  const dirs = entry === undefined ? DEFAULT_PATH : entry.slice(5);
  const context = setup.machine.contextOf(setup.child);
  for (const dir of dirs.split(':').filter((d) => d !== '')) {
    try {
      return findExecutable(context, `${dir}/${name}`).path;
    } catch {
      // access(X_OK) failed: the next directory
    }
  }
  throw new LaunchFailure(127, `failed to find ${name} in PATH ${dirs}`, 'ENOENT');
}

/**
execve(2): the program's image replaces gbx-run's. capabilities(7) for a file without file caps:
root keeps permitted = effective = the bounding set (the set kept); any other uid gets none.
Whatever is not a model program is ENOEXEC (execve runs no shell).
*/
export async function execProcess(setup: ProcessSetup): Promise<Image & { kind: 'program' }> {
  const path = programPath(setup);
  const p = setup.child;
  const argv = setup.spec.process.args;
  const args = { path, argv0: argv[0]! };
  // A successful execve never returns to report itself: only a failure is a step here (gbx-run's
  // parent reports success as `execve result=the program is running`).
  await setup.steps.announce('execve', args);
  let image: Image;
  try {
    const context = setup.machine.contextOf(p);
    findExecutable(context, path);
    image = loadImage(context, path, argv, (file) => readFileAt(context, file));
    if (image.kind !== 'program') throw new ErrnoFailure(ERRNO.ENOEXEC);
  } catch (error) {
    const errno = errnoName(errnoOf(error));
    setup.steps.report({ op: 'execve', args, ret: -1, errno });
    throw new LaunchFailure(errno === 'ENOENT' ? 127 : 126, `failed to execute ${path}`, errno);
  }
  const program = image as Image & { kind: 'program' };
  const kept = p.uid === 0 ? p.caps.bounding : 0n;
  Object.assign(p.caps, { permitted: kept, effective: kept, ambient: 0n });
  p.argv = program.argv;
  p.exe = path;
  p.comm = p.exe.slice(p.exe.lastIndexOf('/') + 1).slice(0, 15);
  // The new image's pages are charged where the process is now, not where it was forked.
  p.charges = new Map(p.cgroups);
  p.memoryBytes = PROGRAM_MEMORY;
  p.fds = new Map([...(p.fds ?? new Map<number, string>())].filter(([fd]) => fd <= 2));
  return program;
}
