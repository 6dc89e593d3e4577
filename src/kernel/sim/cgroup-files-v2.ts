import { ERRNO } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import {
  THREADED_CONTROLLERS,
  killAll,
  memoryUsage,
  processesIn,
  readPidsMax,
  readProcs,
  writePidsMax,
  writeProcs,
  type CgroupFile,
  type CgroupHost,
} from './cgroup-core.js';
import { PAGE_COUNTER_MAX, PAGE_SIZE, kstrtoll, kstrtoull, parseMemoryLimit, strip } from './cgroup-parse.js';
import { availableControllers, bump, controllerActive, descendants, isDescendant, type CgroupNode } from './cgroup-tree.js';
import type { SimProcess } from './processes.js';
import { SIGNALS } from './signals.js';

/** cgroup v2 interface files (Documentation/admin-guide/cgroup-v2.rst), as a 6.x kernel has them. */

const PRESSURE = 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
/** Names the kernel knows in cgroup.subtree_control; anything else is EINVAL. */
export const V2_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'];

const count = (cg: CgroupNode, name: string): number => cg.counters.get(name) ?? 0;
const setting = (cg: CgroupNode, name: string, fallback: string): string => cg.settings.get(name) ?? fallback;

function writeSubtreeControl(cg: CgroupNode, text: string, host: CgroupHost): void {
  const enable = new Set<string>();
  const disable = new Set<string>();
  for (const token of text.split(/\s+/).filter((t) => t !== '')) {
    const name = token.slice(1);
    // cgroup-v2.rst: each token is +name or -name of a known controller, else EINVAL.
    if (!V2_CONTROLLERS.includes(name) || (token[0] !== '+' && token[0] !== '-')) throw new ErrnoFailure(ERRNO.EINVAL);
    (token[0] === '+' ? enable : disable).add(name);
    (token[0] === '+' ? disable : enable).delete(name);
  }
  for (const name of [...enable]) if (cg.subtreeControl.has(name)) enable.delete(name);
  for (const name of [...disable]) if (!cg.subtreeControl.has(name)) disable.delete(name);
  // ENOENT: a controller not in this group's cgroup.controllers cannot be handed down.
  const available = availableControllers(cg);
  if ([...enable].some((name) => !available.includes(name))) throw new ErrnoFailure(ERRNO.ENOENT);
  // EBUSY: a child still hands the controller further down.
  for (const child of cg.children.values()) if ([...disable].some((name) => child.subtreeControl.has(name))) throw new ErrnoFailure(ERRNO.EBUSY);
  // EBUSY: "no internal processes" (cgroup_vet_subtree_control_enable()): controllers go only to the
  // children of a group without processes of its own, except threaded ones (pids, cpu, cpuset) in a
  // group that could still become a thread root (no domain controllers, no populated children).
  const domain = [...enable].some((name) => !THREADED_CONTROLLERS.has(name));
  if (cg.parent !== null && host.processes.membersOf(cg).length > 0 && (domain || !canBeThreadRoot(cg, host))) {
    throw new ErrnoFailure(ERRNO.EBUSY);
  }
  for (const name of enable) cg.subtreeControl.add(name);
  for (const name of disable) {
    cg.subtreeControl.delete(name);
    // The children's state of that controller goes with its css.
    for (const child of cg.children.values()) for (const key of [...child.settings.keys()]) if (key.startsWith(`${name}.`)) child.settings.delete(key);
  }
}

/** cgroup_can_be_thread_root(): no domain controllers handed down and no child with processes. */
function canBeThreadRoot(cg: CgroupNode, host: CgroupHost): boolean {
  if ([...cg.subtreeControl].some((name) => !THREADED_CONTROLLERS.has(name))) return false;
  return [...cg.children.values()].every((child) => processesIn(child, host).length === 0);
}

function formatLimit(pages: bigint): string {
  return pages === PAGE_COUNTER_MAX ? 'max' : String(pages * PAGE_SIZE);
}

function memoryLimitFile(name: string, fallback: string): CgroupFile {
  return {
    name,
    mode: 0o644,
    scope: 'nonroot',
    read: (cg) => `${setting(cg, name, fallback)}\n`,
    write: (cg, text) => cg.settings.set(name, formatLimit(parseMemoryLimit(text, 'max'))),
  };
}

/**
memory.max: below the current usage the kernel reclaims and then OOM-kills in the group until usage
fits; nothing of a sleeping process is reclaimable, so here it is the OOM killer at once.
*/
function writeMemoryMax(cg: CgroupNode, text: string, host: CgroupHost): void {
  const pages = parseMemoryLimit(text, 'max');
  cg.settings.set('memory.max', formatLimit(pages));
  if (pages === PAGE_COUNTER_MAX) return;
  const limit = Number(pages * PAGE_SIZE);
  const tried = new Set<number>();
  while (memoryUsage(cg, host) > limit) {
    // The OOM killer picks the biggest member whose memory is charged here; a member charged
    // elsewhere frees nothing. Processes the model cannot end (glassbox itself) are passed over.
    const victims = processesIn(cg, host).filter((p) => !tried.has(p.pid) && p.memoryBytes > 0 && chargedBelow(p, cg));
    const victim = victims.sort((a, b) => b.memoryBytes - a.memoryBytes)[0];
    if (victim === undefined) break;
    tried.add(victim.pid);
    host.signal(victim, SIGNALS.SIGKILL!);
    if (victim.state !== 'Z') continue;
    bump(cg, 'memory.max');
    bump(cg, 'memory.oom');
    bump(cg, 'memory.oom_kill');
  }
}

function chargedBelow(p: SimProcess, cg: CgroupNode): boolean {
  const charged = p.charges.get(cg.hierarchy);
  return charged !== undefined && isDescendant(charged, cg);
}

function parseCpuMax(cg: CgroupNode, text: string): void {
  const [quotaText, periodText, extra] = strip(text).split(/\s+/);
  if (quotaText === undefined || quotaText === '' || extra !== undefined) throw new ErrnoFailure(ERRNO.EINVAL);
  const period = periodText === undefined ? BigInt(setting(cg, 'cpu.max', 'max 100000').split(' ')[1]!) : kstrtoull(periodText);
  let quota: bigint | 'max';
  if (quotaText === 'max') quota = 'max';
  else if (/^\d+$/.test(quotaText)) quota = BigInt(quotaText);
  else throw new ErrnoFailure(ERRNO.EINVAL);
  // sched: the period must be 1ms..1s and a quota at least 1ms (EINVAL).
  if (period < 1000n || period > 1000000n) throw new ErrnoFailure(ERRNO.EINVAL);
  if (quota !== 'max' && quota < 1000n) throw new ErrnoFailure(ERRNO.EINVAL);
  cg.settings.set('cpu.max', `${quota} ${period}`);
}

function rangedInt(name: string, fallback: string, min: bigint, max: bigint, errno: number): CgroupFile {
  return {
    name,
    mode: 0o644,
    scope: 'nonroot',
    read: (cg) => `${setting(cg, name, fallback)}\n`,
    write: (cg, text) => {
      // write_u64/write_s64 handlers parse the text as written (kstrtoll: a trailing newline only).
      const value = kstrtoll(name === 'memory.oom.group' ? strip(text) : text);
      if (value < min || value > max) throw new ErrnoFailure(errno);
      // sched: an idle group has no weight of its own (EINVAL).
      if (name.startsWith('cpu.weight') && setting(cg, 'cpu.idle', '0') === '1') throw new ErrnoFailure(ERRNO.EINVAL);
      cg.settings.set(name, String(value));
    },
  };
}

function readCpuStat(cg: CgroupNode): string {
  const usage = count(cg, 'cpu.usage_usec');
  const base = `usage_usec ${usage}\nuser_usec ${usage}\nsystem_usec 0\n`;
  if (!controllerActive(cg, 'cpu')) return base;
  return `${base}nr_periods ${count(cg, 'cpu.nr_periods')}\nnr_throttled ${count(cg, 'cpu.nr_throttled')}\nthrottled_usec ${count(cg, 'cpu.throttled_usec')}\nnr_bursts 0\nburst_usec 0\n`;
}

export const V2_CORE_FILES: CgroupFile[] = [
  { name: 'cgroup.controllers', mode: 0o444, scope: 'all', read: (cg) => `${availableControllers(cg).join(' ')}\n` },
  { name: 'cgroup.events', mode: 0o444, scope: 'nonroot', read: (cg, host) => `populated ${processesIn(cg, host).length > 0 ? 1 : 0}\nfrozen ${setting(cg, 'cgroup.freeze', '0')}\n` },
  { name: 'cgroup.freeze', mode: 0o644, scope: 'nonroot', read: (cg) => `${setting(cg, 'cgroup.freeze', '0')}\n`, write: (cg, text) => {
    const value = kstrtoll(strip(text));
    if (value < 0n || value > 1n) throw new ErrnoFailure(ERRNO.ERANGE);
    for (const node of descendants(cg)) node.settings.set('cgroup.freeze', String(value));
  } },
  { name: 'cgroup.kill', mode: 0o200, scope: 'nonroot', write: (cg, text, host) => {
    // cgroup-v2.rst: only "1" is accepted (ERANGE otherwise).
    if (kstrtoll(strip(text)) !== 1n) throw new ErrnoFailure(ERRNO.ERANGE);
    killAll(cg, host);
  } },
  { name: 'cgroup.max.depth', mode: 0o644, scope: 'all', read: (cg) => `${setting(cg, 'cgroup.max.depth', 'max')}\n`, write: (cg, text) => writeMaxOrInt(cg, 'cgroup.max.depth', text) },
  { name: 'cgroup.max.descendants', mode: 0o644, scope: 'all', read: (cg) => `${setting(cg, 'cgroup.max.descendants', 'max')}\n`, write: (cg, text) => writeMaxOrInt(cg, 'cgroup.max.descendants', text) },
  { name: 'cgroup.pressure', mode: 0o644, scope: 'all', read: () => '1\n', write: () => undefined },
  { name: 'cgroup.procs', mode: 0o644, scope: 'all', read: readProcs, write: writeProcs },
  { name: 'cgroup.stat', mode: 0o444, scope: 'all', read: (cg) => `nr_descendants ${descendants(cg).length - 1}\nnr_dying_descendants 0\n` },
  { name: 'cgroup.subtree_control', mode: 0o644, scope: 'all', read: (cg) => `${[...V2_CONTROLLERS].filter((n) => cg.subtreeControl.has(n)).join(' ')}\n`, write: writeSubtreeControl },
  { name: 'cgroup.threads', mode: 0o644, scope: 'all', read: readProcs, write: writeProcs },
  { name: 'cgroup.type', mode: 0o644, scope: 'nonroot', read: (cg) => `${setting(cg, 'cgroup.type', 'domain')}\n`, write: (cg, text) => {
    // cgroup-v2.rst: only "threaded" can be written.
    if (strip(text) !== 'threaded') throw new ErrnoFailure(ERRNO.EINVAL);
    cg.settings.set('cgroup.type', 'threaded');
  } },
  { name: 'cpu.pressure', mode: 0o644, scope: 'all', read: () => PRESSURE },
  { name: 'cpu.stat', mode: 0o444, scope: 'all', read: readCpuStat },
  { name: 'io.pressure', mode: 0o644, scope: 'all', read: () => PRESSURE },
  { name: 'memory.pressure', mode: 0o644, scope: 'all', read: () => PRESSURE },
];

function writeMaxOrInt(cg: CgroupNode, name: string, text: string): void {
  const value = strip(text);
  if (value === 'max') {
    cg.settings.delete(name);
    return;
  }
  const n = kstrtoll(value);
  if (n < 0n) throw new ErrnoFailure(ERRNO.EINVAL);
  cg.settings.set(name, String(n));
}

export const V2_CONTROLLER_FILES: Record<string, CgroupFile[]> = {
  cpu: [
    { name: 'cpu.max', mode: 0o644, scope: 'nonroot', read: (cg) => `${setting(cg, 'cpu.max', 'max 100000')}\n`, write: parseCpuMax },
    rangedInt('cpu.max.burst', '0', 0n, 1000000n, ERRNO.EINVAL),
    rangedInt('cpu.weight', '100', 1n, 10000n, ERRNO.ERANGE),
    rangedInt('cpu.weight.nice', '0', -20n, 19n, ERRNO.ERANGE),
    rangedInt('cpu.idle', '0', 0n, 1n, ERRNO.EINVAL),
  ],
  memory: [
    { name: 'memory.current', mode: 0o444, scope: 'nonroot', read: (cg, host) => `${memoryUsage(cg, host)}\n` },
    { name: 'memory.events', mode: 0o444, scope: 'nonroot', read: (cg) => `low 0\nhigh 0\nmax ${count(cg, 'memory.max')}\noom ${count(cg, 'memory.oom')}\noom_kill ${count(cg, 'memory.oom_kill')}\noom_group_kill 0\n` },
    memoryLimitFile('memory.high', 'max'),
    memoryLimitFile('memory.low', '0'),
    { name: 'memory.max', mode: 0o644, scope: 'nonroot', read: (cg) => `${setting(cg, 'memory.max', 'max')}\n`, write: writeMemoryMax },
    memoryLimitFile('memory.min', '0'),
    rangedInt('memory.oom.group', '0', 0n, 1n, ERRNO.EINVAL),
    { name: 'memory.peak', mode: 0o644, scope: 'nonroot', read: (cg) => `${count(cg, 'memory.peak')}\n` },
    { name: 'memory.stat', mode: 0o444, scope: 'nonroot', read: (cg, host) => `anon ${memoryUsage(cg, host)}\nfile 0\nkernel 0\nsock 0\nshmem 0\n` },
    { name: 'memory.swap.current', mode: 0o444, scope: 'nonroot', read: () => '0\n' },
    memoryLimitFile('memory.swap.max', 'max'),
  ],
  pids: [
    { name: 'pids.current', mode: 0o444, scope: 'nonroot', read: (cg, host) => `${processesIn(cg, host).length}\n` },
    { name: 'pids.events', mode: 0o444, scope: 'nonroot', read: (cg) => `max ${count(cg, 'pids.max')}\n` },
    { name: 'pids.max', mode: 0o644, scope: 'nonroot', read: readPidsMax, write: writePidsMax },
    { name: 'pids.peak', mode: 0o444, scope: 'nonroot', read: (cg) => `${count(cg, 'pids.peak')}\n` },
  ],
  io: [
    { name: 'io.max', mode: 0o644, scope: 'nonroot', read: () => '', write: () => undefined },
    { name: 'io.stat', mode: 0o444, scope: 'nonroot', read: () => '' },
    { name: 'io.weight', mode: 0o644, scope: 'nonroot', read: () => 'default 100\n', write: () => undefined },
  ],
  cpuset: [
    { name: 'cpuset.cpus', mode: 0o644, scope: 'nonroot', read: (cg) => `${setting(cg, 'cpuset.cpus', '')}\n`, write: (cg, text) => cg.settings.set('cpuset.cpus', strip(text)) },
    { name: 'cpuset.cpus.effective', mode: 0o444, scope: 'all', read: (_cg, host) => `${host.cpuCount > 1 ? `0-${host.cpuCount - 1}` : '0'}\n` },
    { name: 'cpuset.mems', mode: 0o644, scope: 'nonroot', read: (cg) => `${setting(cg, 'cpuset.mems', '')}\n`, write: (cg, text) => cg.settings.set('cpuset.mems', strip(text)) },
    { name: 'cpuset.mems.effective', mode: 0o444, scope: 'all', read: () => '0\n' },
  ],
  hugetlb: ['2MB', '1GB'].flatMap((size): CgroupFile[] => [
    { name: `hugetlb.${size}.current`, mode: 0o444, scope: 'nonroot', read: () => '0\n' },
    { name: `hugetlb.${size}.events`, mode: 0o444, scope: 'nonroot', read: () => 'max 0\n' },
    memoryLimitFile(`hugetlb.${size}.max`, 'max'),
  ]),
  rdma: [
    { name: 'rdma.current', mode: 0o444, scope: 'nonroot', read: () => '' },
    { name: 'rdma.max', mode: 0o644, scope: 'nonroot', read: () => '', write: () => undefined },
  ],
  misc: [
    { name: 'misc.current', mode: 0o444, scope: 'nonroot', read: () => '' },
    { name: 'misc.max', mode: 0o644, scope: 'nonroot', read: () => '', write: () => undefined },
  ],
};

