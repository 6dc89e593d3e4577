import { GlassboxError } from '../errors.js';

/**
What a container is, before it runs: namespaces, root, process and limits. Built from
Docker-style flags (`dockerFlagsToSpec`) or by a lesson; encoded for gbx-run by
`encodeSpec` (launch-protocol.ts) and for the cgroup driver by `limits`.
*/
export type NamespaceName = 'mount' | 'uts' | 'ipc' | 'pid' | 'net' | 'cgroup' | 'user';

export const ALL_NAMESPACES: readonly NamespaceName[] = ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'];

/** Docker's default capability set (moby's oci/caps/defaults.go), the 14 a container keeps. */
export const DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Hidden from the container: kernel memory, keys, timers and firmware that leak host state. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Visible but read-only: writing them would change the host kernel (sysctls, sysrq). */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
];

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface RlimitSpec {
  /** As in docker --ulimit: nofile, nproc, core, ... */
  name: string;
  /** -1: unlimited. */
  soft: number;
  hard: number;
}

export interface CgroupLimits {
  /** Bytes (--memory). */
  memory?: number;
  /** Bytes of memory plus swap (--memory-swap, the v1 meaning); -1 unlimited. */
  memorySwap?: number;
  /** CPUs (--cpus 0.5), as quota/period. */
  cpus?: number;
  /** Relative weight (--cpu-shares), v1 units: 2 to 262144, default 1024. */
  cpuShares?: number;
  /** Tasks (--pids-limit). */
  pidsLimit?: number;
}

/**
A mount the container gets on top of its root: a bind volume (`-v /host:/ctr:ro`) or a
tmpfs (`--tmpfs /run:size=64m`). The destination is resolved inside the root by gbx-run,
never through a symlink out of it (CVE-2021-30465). Options as gbx-run reads them: ro, rw,
nosuid, suid, nodev, dev, noexec, exec, rbind, bind; tmpfs also size=, mode=, nr_inodes=,
uid=, gid=.
*/
export interface MountSpec {
  type: 'bind' | 'tmpfs';
  /** bind: an absolute host path that exists; tmpfs: 'tmpfs'. */
  source: string;
  /** An absolute path inside the container, not `/`. */
  destination: string;
  options: string[];
}

/** Host files bind-mounted onto /etc/hostname, /etc/hosts and /etc/resolv.conf (etc-files.ts writes them). */
export interface EtcFiles {
  hostname?: string;
  hosts?: string;
  resolv?: string;
}

/** One line of /proc/<pid>/uid_map or gid_map: ids inside..inside+count map to outside..outside+count. */
export interface IdMapEntry {
  inside: number;
  outside: number;
  count: number;
}

/** A user namespace and the id maps Node writes for it while gbx-run holds the child. */
export interface UserNamespaceSpec {
  uidMap: IdMapEntry[];
  gidMap: IdMapEntry[];
}

export interface ContainerSpec {
  /** The container id (hex); names its cgroups `glassbox-<id>`. */
  id: string;
  /** The root directory (an overlay mount or a plain directory). */
  rootfs: string;
  namespaces: NamespaceName[];
  hostname?: string;
  process: {
    args: string[];
    env: string[];
    cwd: string;
    uid: number;
    gid: number;
    groups: number[];
    caps: string[];
    noNewPrivileges: boolean;
    rlimits: RlimitSpec[];
  };
  readonlyRootfs: boolean;
  maskedPaths: string[];
  readonlyPaths: string[];
  limits: CgroupLimits;
  /** Volumes and tmpfs mounts, in any order (gbx-run gets them parents first). */
  mounts?: MountSpec[];
  /** /etc/hostname, /etc/hosts, /etc/resolv.conf; a user mount on the same path wins. */
  etcFiles?: EtcFiles;
  /** A user namespace with these maps (`user` is then added to the namespaces). */
  userns?: UserNamespaceSpec;
  /** -t: the process gets a pty of the container's own devpts; gbx-run relays it on its stdin/stdout. */
  tty?: boolean;
}

/** The defaults Docker gives a container, for a root and a command. */
export function defaultSpec(id: string, rootfs: string, args: string[]): ContainerSpec {
  return {
    id,
    rootfs,
    namespaces: [...ALL_NAMESPACES],
    hostname: id.slice(0, 12),
    process: {
      args,
      env: [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${id.slice(0, 12)}`],
      cwd: '/',
      uid: 0,
      gid: 0,
      groups: [],
      caps: [...DEFAULT_CAPS],
      noNewPrivileges: false,
      rlimits: [],
    },
    readonlyRootfs: false,
    maskedPaths: [...DEFAULT_MASKED_PATHS],
    readonlyPaths: [...DEFAULT_READONLY_PATHS],
    limits: {},
  };
}

function badFlag(flag: string, value: string, why: string): GlassboxError {
  return new GlassboxError('RUN_BAD_FLAG', `invalid ${flag} ${JSON.stringify(value)}: ${why}`, { kind: 'user' });
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Docker's byte sizes: `32m`, `1g`, `512k`, `1048576`; -1 for unlimited where allowed. */
export function parseBytes(flag: string, value: string, allowUnlimited = false): number {
  if (allowUnlimited && value === '-1') return -1;
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(value.trim());
  if (match === null) throw badFlag(flag, value, 'expected a size such as 32m or 1g');
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw badFlag(flag, value, 'out of range');
  return bytes;
}

export function parseUser(value: string): { uid: number; gid: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(value);
  // Names would need the image's /etc/passwd: not here yet.
  if (match === null) throw badFlag('--user', value, 'expected uid[:gid] as numbers');
  const uid = Number(match[1]);
  const gid = match[2] === undefined ? uid : Number(match[2]);
  if (uid > 0xfffffffe || gid > 0xfffffffe) throw badFlag('--user', value, 'ids go up to 4294967294');
  return { uid, gid };
}

function capName(flag: string, value: string): string {
  const upper = value.toUpperCase();
  const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!/^CAP_[A-Z_]+$/.test(name)) throw badFlag(flag, value, 'not a capability name');
  return name;
}

/** --cap-add / --cap-drop on the default set: drop first, then add, as Docker does; ALL works in both. */
export function applyCapFlags(
  base: readonly string[],
  add: readonly string[],
  drop: readonly string[],
  all: readonly string[],
): string[] {
  const isAll = (cap: string): boolean => cap.toUpperCase() === 'ALL';
  const dropped = new Set(drop.filter((cap) => !isAll(cap)).map((cap) => capName('--cap-drop', cap)));
  const kept = new Set(drop.some(isAll) ? [] : base.filter((cap) => !dropped.has(cap)));
  for (const cap of add) {
    if (isAll(cap)) all.forEach((name) => kept.add(name));
    else kept.add(capName('--cap-add', cap));
  }
  return [...kept];
}
