import { ERRNO } from '../errno.js';
import { S_IF } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { FileStat } from '../types.js';
import { CAP_LAST_CAP, CAP, hasCap } from './access.js';
import { cgroupPath, descendants, type CgroupHierarchy } from './cgroup-tree.js';
import type { Caller, DeviceNumber, FsNode, SimFs } from './fs-types.js';
import { formatMountinfo, formatMounts } from './mountinfo.js';
import { namespaceLinks, type Namespace } from './namespaces.js';
import { pidIn, type ProcessTable, type SimProcess } from './processes.js';
import { formatStat, formatStatus } from './proc-status.js';

/** What procfs reads from the rest of the machine. */
export interface ProcHost {
  processes: ProcessTable;
  cgroupHierarchies(): CgroupHierarchy[];
  osrelease: string;
  cpuCount: number;
  /** Seconds since boot. */
  uptime(): number;
}

/** Entries of a Debian kernel's /proc that the runtime masks or makes read-only (spec.ts). */
const TOP_DIRS = ['acpi', 'bus', 'fs', 'irq'];
const TOP_FILES: Record<string, { mode: number; text: string }> = {
  kcore: { mode: 0o400, text: '' },
  keys: { mode: 0o444, text: '' },
  'sysrq-trigger': { mode: 0o200, text: '' },
  timer_list: { mode: 0o444, text: 'Timer List Version: v0.9\n' },
};

/** `path` seen from `root`: `/` and below as is, outside it climbing with `/..` (as the kernel prints it). */
function relativeCgroupPath(path: string, root: string): string {
  if (root === '/') return path;
  if (path === root) return '/';
  if (path.startsWith(`${root}/`)) return path.slice(root.length);
  const up = root.split('/').filter(Boolean).length;
  return `${'/..'.repeat(up)}${path === '/' ? '' : path}`;
}

type Entry =
  | { kind: 'dir'; mode: number; uid: number; gid: number; list: () => string[] }
  | { kind: 'file'; mode: number; uid: number; gid: number; read?: (caller: Caller) => string; write?: (text: string, caller: Caller) => void }
  | { kind: 'link'; uid: number; gid: number; target: () => string; owner?: SimProcess };

interface ProcNode extends FsNode {
  parts: string[];
}

const SUBSYSTEMS = ['cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'net_cls', 'perf_event', 'net_prio', 'hugetlb', 'pids', 'rdma', 'misc'];
const PID_ENTRIES = ['cgroup', 'cmdline', 'comm', 'cwd', 'environ', 'exe', 'fd', 'gid_map', 'mountinfo', 'mounts', 'ns', 'root', 'setgroups', 'stat', 'status', 'task', 'uid_map'];
/** What an unconfigured process has open: its three standard descriptors. */
const DEFAULT_FDS = new Map([[0, '/dev/null'], [1, '/dev/null'], [2, '/dev/null']]);

/**
procfs, synthesized on every lookup from the model: /proc/<pid>/* from the process table, mountinfo
from the reader's mount namespace, cgroup membership, namespaces as magic links. Nothing is stored
here, so a process that is gone is ENOENT at once.
*/
export class ProcFs implements SimFs {
  readonly fstype = 'proc';
  readonly source = 'proc';
  readonly readOnly = false;
  private readonly inos = new Map<string, number>();

  /** `pidNs`: the pid namespace of the process that mounted it, whose numbers it shows (pid_namespaces(7)). */
  constructor(
    readonly dev: DeviceNumber,
    private readonly host: ProcHost,
    private readonly options = '',
    private readonly pidNs?: Namespace,
  ) {}

  /** A process's number as this mount shows it. */
  private pidOf(p: SimProcess): number | undefined {
    return this.pidNs === undefined ? p.pid : pidIn(p, this.pidNs);
  }

  private byNumber(pid: number): SimProcess | undefined {
    if (this.pidNs === undefined) return this.host.processes.get(pid);
    return this.host.processes.all().find((p) => this.pidOf(p) === pid);
  }

  private callerPid(caller: Caller): number | undefined {
    const process = this.host.processes.get(caller.pid);
    return process === undefined ? caller.pid : this.pidOf(process);
  }

  superOptions(): string {
    return this.options;
  }

  root(): ProcNode {
    return { key: '/', parts: [] };
  }

  private entry(parts: string[], caller: Caller): Entry | null {
    const [first, ...rest] = parts;
    if (first === undefined) return this.dir(0, () => this.rootList(), 0o555);
    if (/^\d+$/.test(first)) {
      const process = this.byNumber(Number(first));
      return process === undefined ? null : this.pidEntry(process, rest, true, caller);
    }
    if (rest.length === 0) return this.topEntry(first, caller);
    if (first === 'sys') return this.sysEntry(rest);
    return null;
  }

  private dir(uid: number, list: () => string[], mode = 0o555): Entry {
    return { kind: 'dir', mode, uid, gid: uid, list };
  }

  private file(read: () => string, mode = 0o444, uid = 0): Entry {
    return { kind: 'file', mode, uid, gid: uid, read };
  }

  private rootList(): string[] {
    const pids = this.host.processes.all().map((p) => this.pidOf(p)).filter((pid) => pid !== undefined).sort((a, b) => a - b).map(String);
    return ['cgroups', 'filesystems', 'mounts', 'self', 'sys', 'thread-self', 'uptime', 'version', ...TOP_DIRS, ...Object.keys(TOP_FILES), ...pids];
  }

  private topEntry(name: string, caller: Caller): Entry | null {
    const self = this.callerPid(caller);
    if (TOP_DIRS.includes(name)) return this.dir(0, () => []);
    const top = TOP_FILES[name];
    if (top !== undefined) return { kind: 'file', mode: top.mode, uid: 0, gid: 0, ...(top.mode & 0o444 ? { read: () => top.text } : {}) };
    switch (name) {
      // proc(5): /proc/self of a process that this mount's pid namespace cannot see names nothing.
      case 'self':
        return self === undefined ? null : { kind: 'link', uid: 0, gid: 0, target: () => String(self) };
      case 'thread-self':
        return self === undefined ? null : { kind: 'link', uid: 0, gid: 0, target: () => `${self}/task/${self}` };
      case 'mounts':
        return { kind: 'link', uid: 0, gid: 0, target: () => 'self/mounts' };
      case 'cgroups':
        return this.file(() => this.cgroupsTable());
      case 'filesystems':
        return this.file(() => ['sysfs', 'tmpfs', 'devtmpfs', 'proc', 'cgroup', 'cgroup2', 'devpts', 'mqueue', 'overlay'].map((fs) => `nodev\t${fs}\n`).join('') + '\text4\n');
      case 'uptime':
        return this.file(() => `${this.host.uptime().toFixed(2)} ${(this.host.uptime() * this.host.cpuCount).toFixed(2)}\n`);
      case 'version':
        return this.file(() => `Linux version ${this.host.osrelease} (glassbox@sim) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC\n`);
      case 'sys':
        return this.dir(0, () => ['kernel']);
      default:
        return null;
    }
  }

  private sysEntry(parts: string[]): Entry | null {
    const self = this.host.processes;
    if (parts.length === 1 && parts[0] === 'kernel') return this.dir(0, () => ['cap_last_cap', 'domainname', 'hostname', 'ngroups_max', 'osrelease', 'ostype', 'overflowgid', 'overflowuid', 'pid_max']);
    if (parts.length !== 2 || parts[0] !== 'kernel') return null;
    const uts = () => self.all().find((p) => !p.kernelThread)!.ns.uts;
    const callerUts = (caller: Caller) => self.get(caller.pid)?.ns.uts ?? uts();
    const fixed: Record<string, string> = {
      cap_last_cap: String(CAP_LAST_CAP),
      ngroups_max: '65536',
      osrelease: this.host.osrelease,
      ostype: 'Linux',
      overflowgid: '65534',
      overflowuid: '65534',
      pid_max: '4194304',
    };
    const name = parts[1]!;
    if (name in fixed) return this.file(() => `${fixed[name]}\n`);
    if (name !== 'hostname' && name !== 'domainname') return null;
    // sysctl: writes set the name of the writer's UTS namespace, at most 64 bytes, without the newline.
    return {
      kind: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      read: (reader) => `${name === 'hostname' ? callerUts(reader).hostname : callerUts(reader).domainname}\n`,
      write: (text, caller) => {
        const ns = self.get(caller.pid)?.ns.uts ?? uts();
        const value = text.replace(/\n.*$/s, '').slice(0, 64);
        if (name === 'hostname') ns.hostname = value;
        else ns.domainname = value;
      },
    };
  }

  private pidEntry(p: SimProcess, rest: string[], withTask: boolean, caller: Caller): Entry | null {
    const [name, ...more] = rest;
    const pid = this.pidOf(p) ?? p.pid;
    if (name === undefined) return this.dir(p.uid, () => PID_ENTRIES.filter((e) => withTask || e !== 'task'));
    if (name === 'task' && withTask) {
      if (more.length === 0) return this.dir(p.uid, () => [String(pid)]);
      if (more[0] !== String(pid)) return null;
      return this.pidEntry(p, more.slice(1), false, caller);
    }
    if (name === 'fd') {
      const fds = p.fds ?? DEFAULT_FDS;
      if (more.length === 0) return this.dir(p.uid, () => [...fds.keys()].map(String), 0o500);
      const target = fds.get(Number(more[0]));
      if (target === undefined || more.length > 1 || !/^\d+$/.test(more[0]!)) return null;
      return { kind: 'link', uid: p.uid, gid: p.gid, owner: p, target: () => target };
    }
    if (name === 'ns') {
      const links = namespaceLinks(p.ns);
      if (more.length === 0) return this.dir(p.uid, () => links.map(([n]) => n), 0o511);
      const found = links.find(([n]) => n === more[0]);
      if (found === undefined || more.length > 1) return null;
      return { kind: 'link', uid: p.uid, gid: p.gid, owner: p, target: () => `${found[1].kind}:[${found[1].inode}]` };
    }
    if (more.length > 0) return null;
    const own = (read: () => string, mode = 0o444): Entry => ({ kind: 'file', mode, uid: p.uid, gid: p.gid, read });
    switch (name) {
      case 'cgroup':
        return own(() => this.procCgroup(p, caller));
      case 'cmdline':
        return own(() => (p.argv.length === 0 ? '' : `${p.argv.join('\0')}\0`));
      case 'comm':
        return { kind: 'file', mode: 0o644, uid: p.uid, gid: p.gid, read: () => `${p.comm}\n`, write: (text) => void (p.comm = text.replace(/\n$/, '').slice(0, 15)) };
      case 'environ':
        return own(() => (p.kernelThread ? '' : 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\0HOME=/root\0'), 0o400);
      case 'cwd':
      case 'root':
      case 'exe':
        return { kind: 'link', uid: p.uid, gid: p.gid, owner: p, target: () => (name === 'cwd' ? p.cwd : name === 'root' ? '/' : p.exe) };
      case 'mountinfo':
        return own(() => formatMountinfo(p.mountNs));
      case 'mounts':
        return own(() => formatMounts(p.mountNs));
      case 'stat':
        return own(() => formatStat(p, this.numbers(p)));
      case 'status':
        return own(() => formatStatus(p, this.host.cpuCount, this.numbers(p)));
      case 'uid_map':
      case 'gid_map':
        return { kind: 'file', mode: 0o644, uid: p.uid, gid: p.gid, read: () => '         0          0 4294967295\n' };
      case 'setgroups':
        return { kind: 'file', mode: 0o644, uid: p.uid, gid: p.gid, read: () => 'allow\n' };
      default:
        return null;
    }
  }

  /** The pid and parent pid this mount shows; a parent outside the namespace is 0. */
  private numbers(p: SimProcess): { pid: number; ppid: number; nested: number[] } {
    const parent = this.host.processes.get(p.ppid);
    // proc(5) NSpid: its number in the reader's pid namespace, then in each one nested below it.
    const levels = [...(p.nsPids ?? new Map<unknown, number>()).entries()];
    const from = this.pidNs === undefined ? -1 : levels.findIndex(([ns]) => ns === this.pidNs);
    const nested = from === -1 && this.pidNs !== undefined && this.pidNs.parent !== undefined && this.pidNs.parent !== null
      ? []
      : levels.slice(from + 1).map(([, pid]) => pid);
    return { pid: this.pidOf(p) ?? p.pid, ppid: parent === undefined ? p.ppid : (this.pidOf(parent) ?? 0), nested };
  }

  /** cgroup_namespaces(7): paths relative to the reader's cgroup namespace root, `/..` above it. */
  private procCgroup(p: SimProcess, caller: Caller): string {
    const hierarchies = [...this.host.cgroupHierarchies()].sort((a, b) => b.id - a.id);
    const roots = this.host.processes.get(caller.pid)?.ns.cgroup.cgroupRoots;
    return hierarchies
      .map((h) => {
        const node = p.cgroups.get(h) ?? h.root;
        return `${h.id}:${h.version === 2 ? '' : h.controllers.join(',')}:${relativeCgroupPath(cgroupPath(node), cgroupPath(roots?.get(h) ?? h.root))}\n`;
      })
      .join('');
  }

  private cgroupsTable(): string {
    const rows = SUBSYSTEMS.map((name) => {
      const h = this.host.cgroupHierarchies().find((x) => x.version === 1 && x.controllers.includes(name));
      const groups = h === undefined ? 1 : descendants(h.root).length;
      return `${name}\t${h?.id ?? 0}\t${groups}\t1\n`;
    });
    return `#subsys_name\thierarchy\tnum_cgroups\tenabled\n${rows.join('')}`;
  }

  private must(node: FsNode, caller: Caller): Entry {
    const entry = this.entry((node as ProcNode).parts, caller);
    // The process behind the file has gone since the lookup.
    if (entry === null) throw new ErrnoFailure(ERRNO.ENOENT);
    return entry;
  }

  lookup(dir: FsNode, name: string, caller: Caller): ProcNode | null {
    const parts = [...(dir as ProcNode).parts, name];
    return this.entry(parts, caller) === null ? null : { key: `/${parts.join('/')}`, parts };
  }

  stat(node: FsNode): FileStat {
    const caller: Caller = { pid: 0, uid: 0, gid: 0, caps: 0n };
    const entry = this.must(node, caller);
    let ino = this.inos.get(node.key);
    if (ino === undefined) {
      ino = node.key === '/' ? 1 : this.inos.size + 2;
      this.inos.set(node.key, ino);
    }
    const type = entry.kind === 'link' ? S_IF.S_IFLNK | 0o777 : entry.kind === 'dir' ? S_IF.S_IFDIR | entry.mode : S_IF.S_IFREG | entry.mode;
    return {
      type: entry.kind === 'link' ? 'symlink' : entry.kind,
      mode: type,
      uid: entry.uid,
      gid: entry.gid,
      size: 0,
      rdevMajor: 0,
      rdevMinor: 0,
      ino,
      nlink: entry.kind === 'dir' ? 2 : 1,
    };
  }

  readdir(dir: FsNode, caller: Caller): string[] {
    const entry = this.must(dir, caller);
    return entry.kind === 'dir' ? entry.list() : [];
  }

  readlink(node: FsNode, caller: Caller): string {
    const entry = this.must(node, caller);
    if (entry.kind !== 'link') throw new ErrnoFailure(ERRNO.EINVAL);
    // proc(5): the ns, cwd, root and exe links of another user's process need ptrace access (EACCES).
    if (entry.owner !== undefined && entry.owner.uid !== caller.uid && !hasCap(caller, CAP.CAP_SYS_PTRACE)) {
      throw new ErrnoFailure(ERRNO.EACCES);
    }
    return entry.target();
  }

  read(node: FsNode, caller: Caller): Buffer {
    const entry = this.must(node, caller);
    if (entry.kind !== 'file' || entry.read === undefined) throw new ErrnoFailure(ERRNO.EINVAL);
    return Buffer.from(entry.read(caller));
  }

  write(node: FsNode, data: Buffer, caller: Caller): void {
    const entry = this.must(node, caller);
    if (data.byteLength === 0) return;
    // A proc file without a write handler: EINVAL from write(2).
    if (entry.kind !== 'file' || entry.write === undefined) throw new ErrnoFailure(ERRNO.EINVAL);
    entry.write(data.toString('utf8'), caller);
  }

  create(_dir: FsNode, _name: string, spec: { type: string }): never {
    // procfs has no create (EACCES) and no mkdir, mknod or symlink (EPERM).
    throw new ErrnoFailure(spec.type === 'file' ? ERRNO.EACCES : ERRNO.EPERM);
  }

  remove(): never {
    throw new ErrnoFailure(ERRNO.EPERM);
  }

  rename(): never {
    throw new ErrnoFailure(ERRNO.EPERM);
  }

  setattr(_node: FsNode, change: { mode?: number }): void {
    // proc_setattr(): mode changes are EPERM.
    if (change.mode !== undefined) throw new ErrnoFailure(ERRNO.EPERM);
  }

  getxattr(): never {
    throw new ErrnoFailure(ERRNO.EOPNOTSUPP);
  }

  setxattr(): never {
    throw new ErrnoFailure(ERRNO.EOPNOTSUPP);
  }

  listxattr(): string[] {
    return [];
  }

  removexattr(): never {
    throw new ErrnoFailure(ERRNO.EOPNOTSUPP);
  }
}
