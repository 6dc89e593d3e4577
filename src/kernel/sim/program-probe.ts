import { CAPABILITIES } from '../../observe/capabilities.js';
import { errnoName } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import { CAP_LAST_CAP } from './access.js';
import type { ProgramRun } from './program-types.js';
import { pidIn, type SimProcess } from './processes.js';
import { RLIMIT_NAMES, rlimitOf } from './rlimits.js';
import { readFileAt, readdirAt, readlinkAt } from './vfs-files.js';
import type { VfsContext } from './vfs-context.js';

/**
gbx-probe in the model: the same JSON, key for key, as native/gbx-probe.c, made the same way. What
the real probe gets from a system call (getpid, uname, getresuid, capget, prctl, getcwd, getrlimit)
comes from the process; what it reads from /proc it reads here too, through the simulated VFS as
the process itself, so a container without /proc gets the same nulls and the same `errors`.
*/
interface ProbeError {
  field: string;
  call: string;
  errno: string;
}

const NAMESPACE_FILES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts'];

function capSet(bits: bigint): { hex: string; names: string[] } {
  const names: string[] = [];
  for (let cap = 0; cap < 64; cap++) if ((bits & (1n << BigInt(cap))) !== 0n) names.push(CAPABILITIES[cap] ?? `cap_${cap}`);
  return { hex: bits.toString(16).padStart(16, '0'), names };
}

function attempt<T>(errors: ProbeError[], field: string, call: string, read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ErrnoFailure)) throw error;
    errors.push({ field, call, errno: errnoName(error.errno) });
    return null;
  }
}

function idMap(errors: ProbeError[], ctx: VfsContext, field: string, path: string): { inside: number; outside: number; count: number }[] | null {
  const text = attempt(errors, field, `open ${path}`, () => readFileAt(ctx, path).toString('utf8'));
  if (text === null) return null;
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
      return { inside: inside!, outside: outside!, count: count! };
    });
}

function seccomp(errors: ProbeError[], ctx: VfsContext): { mode: number; name: string; filters: number | null; source: string } {
  const status = attempt(errors, 'seccomp', 'open /proc/self/status', () => readFileAt(ctx, '/proc/self/status').toString('utf8'));
  const field = (key: string): number | null => {
    const match = new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(status ?? '');
    return match === null ? null : Number(match[1]);
  };
  const mode = field('Seccomp');
  // No /proc: prctl(PR_GET_SECCOMP) says the mode, and nothing about filters.
  if (mode === null) return { mode: 0, name: 'disabled', filters: null, source: 'prctl' };
  return { mode, name: mode === 0 ? 'disabled' : mode === 1 ? 'strict' : 'filter', filters: field('Seccomp_filters'), source: 'proc' };
}

function cgroups(errors: ProbeError[], ctx: VfsContext): { hierarchy: number; controllers: string[]; path: string }[] | null {
  const text = attempt(errors, 'cgroups', 'open /proc/self/cgroup', () => readFileAt(ctx, '/proc/self/cgroup').toString('utf8'));
  if (text === null) return null;
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [id, controllers, ...path] = line.split(':');
      return { hierarchy: Number(id), controllers: controllers === '' ? [] : controllers!.split(','), path: path.join(':') };
    });
}

function fds(errors: ProbeError[], ctx: VfsContext): { fd: number; target: string | null }[] | null {
  const names = attempt(errors, 'fds', 'opendir /proc/self/fd', () => readdirAt(ctx, '/proc/self/fd'));
  if (names === null) return null;
  return names
    .filter((name) => /^\d+$/.test(name))
    .map((name) => ({ fd: Number(name), target: attempt(errors, 'fds', `readlink /proc/self/fd/${name}`, () => readlinkAt(ctx, `/proc/self/fd/${name}`)) }));
}

export function probeReport(run: ProgramRun): Record<string, unknown> {
  const p: SimProcess = run.process;
  const ctx = run.machine.contextOf(p);
  const errors: ProbeError[] = [];
  const parent = run.machine.processes.get(p.ppid);
  const ids = (id: number) => ({ real: id, effective: id, saved: id, fs: id });
  const report: Record<string, unknown> = {
    probeFormat: 1,
    pid: pidIn(p, p.ns.pid) ?? p.pid,
    // 0 for the first process of a pid namespace: its parent is outside.
    ppid: parent === undefined ? 0 : (pidIn(parent, p.ns.pid) ?? 0),
    hostname: p.ns.uts.hostname,
    domainname: p.ns.uts.domainname,
    kernelRelease: run.machine.osrelease,
    machine: 'x86_64',
    uid: ids(p.uid),
    gid: ids(p.gid),
    groups: [...(p.groups ?? [])],
    uidMap: idMap(errors, ctx, 'uidMap', '/proc/self/uid_map'),
    gidMap: idMap(errors, ctx, 'gidMap', '/proc/self/gid_map'),
    setgroups: attempt(errors, 'setgroups', 'open /proc/self/setgroups', () => readFileAt(ctx, '/proc/self/setgroups').toString('utf8').split('\n')[0]!),
    capabilities: {
      lastCap: CAP_LAST_CAP,
      inheritable: capSet(p.caps.inheritable),
      permitted: capSet(p.caps.permitted),
      effective: capSet(p.caps.effective),
      bounding: capSet(p.caps.bounding),
      ambient: capSet(p.caps.ambient),
    },
    noNewPrivs: p.noNewPrivs,
    seccomp: seccomp(errors, ctx),
    namespaces: Object.fromEntries(
      NAMESPACE_FILES.map((file) => {
        const target = attempt(errors, `namespaces.${file}`, `readlink /proc/self/ns/${file}`, () => readlinkAt(ctx, `/proc/self/ns/${file}`));
        const match = target === null ? null : /^([^:]+):\[(\d+)\]$/.exec(target);
        return [file, match === null ? null : { type: match[1], inode: Number(match[2]) }];
      }),
    ),
    cgroups: cgroups(errors, ctx),
    root: attempt(errors, 'root', 'readlink /proc/self/root', () => readlinkAt(ctx, '/proc/self/root')),
    cwd: p.cwd,
    mountCount: attempt(errors, 'mountCount', 'open /proc/self/mountinfo', () => readFileAt(ctx, '/proc/self/mountinfo').toString('utf8').split('\n').filter((l) => l !== '').length),
    fds: fds(errors, ctx),
    rlimits: Object.fromEntries(RLIMIT_NAMES.map((name) => [name, { ...rlimitOf(p, name) }])),
  };
  return { ...report, errors: errors.slice(0, 64), errorsDropped: Math.max(0, errors.length - 64) };
}

/** `gbx-probe [--pretty] [--sleep SECONDS]`: prints the report, then exits or sleeps. */
export function runProbe(run: ProgramRun): void {
  const args = run.argv.slice(1);
  let pretty = false;
  let sleep = -1;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--pretty') pretty = true;
    else if (arg === '--sleep' || arg.startsWith('--sleep=')) {
      const value = arg.startsWith('--sleep=') ? arg.slice(8) : args[++i];
      sleep = value === undefined || !/^\d+(\.\d+)?$/.test(value) ? NaN : Number(value);
      if (Number.isNaN(sleep)) {
        run.io.write(2, 'gbx-probe: --sleep needs a number of seconds >= 0\n');
        setImmediate(() => run.end({ code: 2, signal: null }));
        return;
      }
    } else {
      run.io.write(2, `gbx-probe: unknown argument: ${arg}\n`);
      setImmediate(() => run.end({ code: 2, signal: null }));
      return;
    }
  }
  const report = probeReport(run);
  run.io.write(1, `${JSON.stringify(report, null, pretty ? 2 : undefined)}\n`);
  if (sleep < 0) {
    setImmediate(() => run.end({ code: 0, signal: null }));
    return;
  }
  if (sleep * 1000 < 2 ** 31) {
    run.process.timer = setTimeout(() => run.end({ code: 0, signal: null }), sleep * 1000);
    run.process.timer.unref();
  }
}
