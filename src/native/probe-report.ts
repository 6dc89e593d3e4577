/**
The JSON that `gbx-probe` prints, field for field (native/gbx-probe.c writes it,
native/README.md describes it). A field the probe could not read is null, and the
reason is in `errors`: inside a container without /proc most of /proc-based fields
are null while capget, prctl, uname and getcwd still answer.
*/
import { NAMESPACE_TYPES } from '../observe/namespaces.js';

/** Bumped by the probe when a field changes meaning (PROBE_FORMAT in gbx-probe.c). */
export const PROBE_FORMAT = 1;

/** The /proc/self/ns entries, in the probe's order: the same list observe reads from outside. */
export const PROBE_NAMESPACES = NAMESPACE_TYPES;
export type ProbeNamespace = (typeof PROBE_NAMESPACES)[number];

/** Resource limits by the names `docker run --ulimit` uses, in the kernel's (and /proc/<pid>/limits') order. */
export const PROBE_RLIMITS = [
  'cpu',
  'fsize',
  'data',
  'stack',
  'core',
  'rss',
  'nproc',
  'nofile',
  'memlock',
  'as',
  'locks',
  'sigpending',
  'msgqueue',
  'nice',
  'rtprio',
  'rttime',
] as const;
export type ProbeRlimit = (typeof PROBE_RLIMITS)[number];

export const CAPABILITY_SETS = ['inheritable', 'permitted', 'effective', 'bounding', 'ambient'] as const;
export type CapabilitySetName = (typeof CAPABILITY_SETS)[number];

export interface IdSet {
  real: number;
  effective: number;
  saved: number;
  /** The id used for file access checks (setfsuid); follows effective unless changed. */
  fs: number;
}

/** One line of uid_map or gid_map: ids inside..inside+count-1 are outside..outside+count-1 outside. */
export interface IdMapRange {
  inside: number;
  outside: number;
  count: number;
}

export interface CapabilitySet {
  /** 16 hex digits, as CapEff and the others in /proc/<pid>/status. */
  hex: string;
  /** CAP_CHOWN…CAP_CHECKPOINT_RESTORE, and cap_N for bits the probe has no name for. */
  names: string[];
}

export type CapabilityReport = { lastCap: number | null } & Record<CapabilitySetName, CapabilitySet | null>;

export interface SeccompReport {
  mode: number;
  name: 'disabled' | 'strict' | 'filter' | 'unknown';
  /** Number of attached filters; null when read through prctl (no /proc). */
  filters: number | null;
  source: 'proc' | 'prctl';
}

export interface NamespaceRef {
  /** The type the link names: `pid` for both pid and pid_for_children. */
  type: string;
  /** The nsfs inode: two processes share a namespace iff these are equal. */
  inode: number;
}

/** One line of /proc/self/cgroup. */
export interface CgroupMembership {
  /** 0 for the cgroup2 hierarchy. */
  hierarchy: number;
  /** Empty for cgroup2; v1 named hierarchies appear as `name=systemd`. */
  controllers: string[];
  path: string;
}

export interface OpenFd {
  fd: number;
  target: string | null;
}

export type LimitValue = number | 'unlimited';

export interface RlimitPair {
  soft: LimitValue;
  hard: LimitValue;
}

/** A field the probe could not read: `{ field: 'uidMap', call: 'open /proc/self/uid_map', errno: 'ENOENT' }`. */
export interface ProbeFailure {
  field: string;
  call: string;
  errno: string;
}

export interface ProbeReport {
  probeFormat: typeof PROBE_FORMAT;
  pid: number;
  /** 0 for the first process of a pid namespace. */
  ppid: number;
  hostname: string | null;
  domainname: string | null;
  kernelRelease: string | null;
  machine: string | null;
  uid: IdSet | null;
  gid: IdSet | null;
  groups: number[] | null;
  uidMap: IdMapRange[] | null;
  gidMap: IdMapRange[] | null;
  /** `allow` or `deny` (/proc/self/setgroups). */
  setgroups: string | null;
  capabilities: CapabilityReport;
  noNewPrivs: boolean | null;
  seccomp: SeccompReport | null;
  namespaces: Record<ProbeNamespace, NamespaceRef | null>;
  cgroups: CgroupMembership[] | null;
  /** readlink /proc/self/root: the root as the kernel names it from the probe's mount namespace. */
  root: string | null;
  cwd: string | null;
  /** Lines of /proc/self/mountinfo. */
  mountCount: number | null;
  fds: OpenFd[] | null;
  rlimits: Record<ProbeRlimit, RlimitPair | null>;
  errors: ProbeFailure[];
  /** Failures past the probe's list size (64), counted but not listed. */
  errorsDropped: number;
}
