import { errnoName } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import { bump, controllerActive, type CgroupNode } from './cgroup-tree.js';
import { forkProcess } from './fork.js';
import { everyTick, exitSoon, type ProgramRun } from './program-types.js';
import { CAP_SYS_CHROOT, chrootAt } from './root-change.js';
import { SIGNALS } from './signals.js';
import { oomIfOverLimit } from './spawn.js';
import type { SimProcess } from './processes.js';
import { statOf } from './vfs-context.js';
import { mkdtempAt } from './vfs-files.js';
import { rmdirAt } from './vfs-remove.js';
import { resolveExisting } from './path-walk.js';

/**
gbx-load in the model: the same modes, arguments and `key=value` lines as native/gbx-load.c, with
the kernel's answers coming from the simulated cgroups: hog grows the process's charge step by step
until the memory limit's OOM killer takes it; forks forks until pids.max says EAGAIN; spin takes CPU
in 100 ms scheduler periods, throttled by the CFS quota, advancing cpu.stat; chroot-escape escapes
a chroot but not a pivot_root.
*/
const MIB = 1024 * 1024;

const usage = (run: ProgramRun): void => {
  run.io.write(2, 'usage: gbx-load hog BYTES [STEP] | forks N [SECONDS] | spin SECONDS | chroot-escape\n');
  exitSoon(run, 2);
};

const count = (text: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined =>
  text !== undefined && /^\d+$/.test(text) && Number(text) <= max ? Number(text) : undefined;

export function runLoad(run: ProgramRun): void {
  const [, mode, a, b, ...rest] = run.argv;
  const say = (line: string): void => run.io.write(1, `${line}\n`);
  if (mode === 'hog' && rest.length === 0 && (count(a) ?? 0) > 0 && (b === undefined || (count(b) ?? 0) > 0)) return hog(run, say, count(a)!, b === undefined ? 4 * MIB : count(b)!);
  if (mode === 'forks' && rest.length === 0 && count(a, 100000) !== undefined && (b === undefined || count(b, 86400) !== undefined)) return forks(run, say, count(a)!, b === undefined ? 1 : count(b)!);
  if (mode === 'spin' && b === undefined && count(a, 86400) !== undefined) return spin(run, say, count(a)!);
  if (mode === 'chroot-escape' && a === undefined) return chrootEscape(run, say);
  usage(run);
}

/** Pages are charged when first written: one step at a time, the OOM killer acting when a charge goes over. */
function hog(run: ProgramRun, say: (line: string) => void, bytes: number, step: number): void {
  say(`hog=start bytes=${bytes} step=${step}`);
  let done = 0;
  const next = (): void => {
    if (run.process.state === 'Z') return;
    if (done >= bytes) {
      say(`hog=done touched=${done}`);
      run.end({ code: 0, signal: null });
      return;
    }
    const chunk = Math.min(step, bytes - done);
    run.process.memoryBytes += chunk;
    if (oomIfOverLimit(run.process, run.machine)) return;
    done += chunk;
    say(`touched=${done}`);
    setImmediate(next);
  };
  setImmediate(next);
}

function forks(run: ProgramRun, say: (line: string) => void, wanted: number, hold: number): void {
  say(`forks=start wanted=${wanted}`);
  const children: SimProcess[] = [];
  let stoppedBy = 'none';
  while (children.length < wanted) {
    try {
      const child = forkProcess(run.machine, run.process);
      child.comm = run.process.comm;
      child.state = 'S';
      children.push(child);
    } catch (error) {
      if (!(error instanceof ErrnoFailure)) throw error;
      stoppedBy = errnoName(error.errno);
      break;
    }
  }
  say(`forked=${children.length} errno=${stoppedBy}`);
  run.process.timer = setTimeout(() => {
    for (const child of children) run.machine.signal(child, SIGNALS.SIGKILL!);
    say(`reaped=${children.length}`);
    run.end({ code: 0, signal: null });
  }, hold * 1000);
  run.process.timer.unref();
  // The children go with us (PR_SET_PDEATHSIG), whoever kills us.
  run.process.onEnd = () => {
    for (const child of children) run.machine.signal(child, SIGNALS.SIGKILL!);
  };
}

/** The group of a hierarchy with the cpu controller that holds the process, and its quota per period. */
function cpuGroups(run: ProgramRun): { groups: CgroupNode[]; quotaUs: number; periodUs: number } {
  const groups: CgroupNode[] = [];
  let quotaUs = Infinity;
  let periodUs = 100000;
  for (const [hierarchy, node] of run.process.cgroups) {
    if (!hierarchy.controllers.includes('cpu') && !(hierarchy.version === 2 && controllerActive(node, 'cpu'))) continue;
    for (let cg: CgroupNode | null = node; cg !== null && cg.parent !== null; cg = cg.parent) {
      if (!controllerActive(cg, 'cpu')) continue;
      groups.push(cg);
      const [quota, period] = hierarchy.version === 2 ? (cg.settings.get('cpu.max') ?? 'max 100000').split(' ') : [cg.settings.get('cpu.cfs_quota_us') ?? '-1', cg.settings.get('cpu.cfs_period_us') ?? '100000'];
      if (quota !== 'max' && quota !== '-1' && Number(quota) / Number(period) < quotaUs / periodUs) {
        quotaUs = Number(quota);
        periodUs = Number(period);
      }
    }
  }
  return { groups, quotaUs, periodUs };
}

/**
CFS bandwidth control (sched-bwc.rst): each period a group may run `quota`; a busy loop wants the
whole period, so under a quota it is throttled every period for the rest of it. Counted per period
in cpu.stat (nr_periods, nr_throttled, throttled time) and in the CPU usage.
*/
function spin(run: ProgramRun, say: (line: string) => void, seconds: number): void {
  say(`spin=start seconds=${seconds}`);
  const { groups, quotaUs, periodUs } = cpuGroups(run);
  const started = performance.now();
  let cpuUs = 0;
  run.process.state = 'R';
  everyTick(run, periodUs / 1000, () => {
    const ran = Math.min(periodUs, quotaUs);
    cpuUs += ran;
    for (const cg of groups) {
      bump(cg, 'cpu.usage_usec', ran);
      bump(cg, 'cpu.nr_periods');
      if (ran < periodUs) {
        bump(cg, 'cpu.nr_throttled');
        bump(cg, 'cpu.throttled_usec', periodUs - ran);
      }
    }
    if (performance.now() - started >= seconds * 1000 - 1) {
      say(`spin=done wall_ms=${Math.round(performance.now() - started)} cpu_ms=${Math.round(cpuUs / 1000)}`);
      run.end({ code: 0, signal: null });
    }
  });
  if (seconds === 0) {
    say('spin=done wall_ms=0 cpu_ms=0');
    exitSoon(run, 0);
  }
}

/**
The escape (see native/gbx-load.c): after chroot("x") the cwd stays outside x, and `..` from there
climbs to the top of the mount namespace, which chroot(".") makes the root. The model takes the
climb's result directly: the root becomes the namespace's root. After pivot_root with the old root
detached that is the container's own root, and nothing changes.
*/
function chrootEscape(run: ProgramRun, say: (line: string) => void): void {
  const p = run.process;
  const rootId = (): string => {
    const loc = resolveExisting(run.machine.contextOf(p), '/', true).loc;
    const stat = statOf(loc);
    return `${loc.mount.fs.dev.major}:${loc.mount.fs.dev.minor}:${stat.ino}`;
  };
  const failed = (call: string, error: unknown): void => {
    if (!(error instanceof ErrnoFailure)) throw error;
    say(`escape=failed call=${call} errno=${errnoName(error.errno)}`);
    exitSoon(run, 1);
  };
  say('escape=start');
  const before = rootId();
  say(`root_before=${before}`);
  let dir: string;
  try {
    dir = mkdtempAt(run.machine.contextOf(p), '/tmp/gbx-escape.', () => run.machine.random());
  } catch (error) {
    return failed('mkdir', error);
  }
  const outer = { root: p.root, cwd: p.cwd };
  try {
    chrootAt(run.machine.contextOf(p), p, dir);
  } catch (error) {
    rmdirAt(run.machine.contextOf(p), dir);
    return failed('chroot', error);
  }
  // chdir("..") 256 times, then chroot("."): CAP_SYS_CHROOT was checked by the first chroot already.
  if ((p.caps.effective & (1n << BigInt(CAP_SYS_CHROOT))) !== 0n) {
    p.root = undefined;
    p.cwd = '/';
  }
  const after = rootId();
  // Removed through the root we started from, wherever / is now.
  const base = run.machine.contextOf(p);
  rmdirAt({ caller: base.caller, ns: base.ns, umask: base.umask, cwd: outer.cwd, ...(outer.root === undefined ? {} : { root: outer.root }) }, dir);
  say(`root_after=${after}`);
  say(`escaped=${after === before ? 'no' : 'yes'}`);
  exitSoon(run, 0);
}
