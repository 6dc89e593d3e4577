import { GlassboxError } from '../errors.js';
import { applyCapFlags, defaultSpec, parseBytes, parseUser, type ContainerSpec } from './spec.js';
import { checkDuplicateMounts, parseTmpfs, parseVolume } from './volumes.js';

/** The `docker run` flags glassbox maps onto a spec; the CLI parses argv into this. */
export interface DockerRunFlags {
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  pidsLimit?: string;
  hostname?: string;
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  user?: string;
  env?: string[];
  workdir?: string;
  securityOpt?: string[];
  /** -v /host:/ctr[:ro] (a host path that exists; named volumes are refused for now). */
  volume?: string[];
  /** --tmpfs /ctr[:size=64m,mode=1777,...]. */
  tmpfs?: string[];
  /** -t: a pty from the container's own devpts. */
  tty?: boolean;
}

/** Every capability glassbox can name, for --cap-add ALL. */
export const ALL_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

function bad(flag: string, value: string, why: string): GlassboxError {
  return new GlassboxError('RUN_BAD_FLAG', `invalid ${flag} ${JSON.stringify(value)}: ${why}`, { kind: 'user' });
}

function positiveInteger(flag: string, value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value)) throw bad(flag, value, 'expected a whole number');
  const n = Number(value);
  if (n < min || n > max) throw bad(flag, value, `expected ${min} to ${max}`);
  return n;
}

/** `docker run [flags] <image> args…` as a spec for a root directory. */
export function dockerFlagsToSpec(id: string, rootfs: string, args: string[], flags: DockerRunFlags): ContainerSpec {
  const spec = defaultSpec(id, rootfs, args);
  const limits = spec.limits;
  if (flags.memory !== undefined) limits.memory = parseBytes('--memory', flags.memory);
  if (flags.memorySwap !== undefined) {
    if (limits.memory === undefined) throw bad('--memory-swap', flags.memorySwap, 'needs --memory as well');
    limits.memorySwap = parseBytes('--memory-swap', flags.memorySwap, true);
    if (limits.memorySwap !== -1 && limits.memorySwap < limits.memory) {
      throw bad('--memory-swap', flags.memorySwap, 'must be at least --memory (it counts memory plus swap)');
    }
  }
  if (flags.cpus !== undefined) {
    const cpus = Number(flags.cpus);
    if (!/^\d+(\.\d+)?$/.test(flags.cpus) || !(cpus > 0)) throw bad('--cpus', flags.cpus, 'expected a positive number such as 0.5');
    limits.cpus = cpus;
  }
  if (flags.cpuShares !== undefined) limits.cpuShares = positiveInteger('--cpu-shares', flags.cpuShares, 2, 262144);
  if (flags.pidsLimit !== undefined) {
    const n = positiveInteger('--pids-limit', flags.pidsLimit, -1, 2 ** 31 - 1);
    // Docker: 0 or -1 mean unlimited.
    if (n > 0) limits.pidsLimit = n;
  }
  if (flags.hostname !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/.test(flags.hostname)) throw bad('--hostname', flags.hostname, 'not a host name');
    spec.hostname = flags.hostname;
    spec.process.env = spec.process.env.map((entry) => (entry.startsWith('HOSTNAME=') ? `HOSTNAME=${flags.hostname}` : entry));
  }
  spec.readonlyRootfs = flags.readOnly === true;
  spec.process.caps = applyCapFlags(spec.process.caps, flags.capAdd ?? [], flags.capDrop ?? [], ALL_CAPS);
  if (flags.user !== undefined) Object.assign(spec.process, parseUser(flags.user));
  for (const entry of flags.env ?? []) {
    // `-e NAME` alone takes the value from the caller's environment, as Docker does.
    const pair = entry.includes('=') ? entry : process.env[entry] === undefined ? undefined : `${entry}=${process.env[entry]}`;
    if (pair === undefined) continue;
    const name = pair.slice(0, pair.indexOf('='));
    if (name === '') throw bad('-e', entry, 'no variable name');
    spec.process.env = [...spec.process.env.filter((e) => !e.startsWith(`${name}=`)), pair];
  }
  if (flags.workdir !== undefined) {
    if (!flags.workdir.startsWith('/')) throw bad('-w', flags.workdir, 'must be an absolute path');
    spec.process.cwd = flags.workdir;
  }
  for (const option of flags.securityOpt ?? []) {
    if (option === 'no-new-privileges' || option === 'no-new-privileges:true' || option === 'no-new-privileges=true') {
      spec.process.noNewPrivileges = true;
    } else {
      throw bad('--security-opt', option, 'only no-new-privileges is supported');
    }
  }
  const mounts = [...(flags.volume ?? []).map(parseVolume), ...(flags.tmpfs ?? []).map(parseTmpfs)];
  checkDuplicateMounts(mounts);
  if (mounts.length > 0) spec.mounts = mounts;
  if (flags.tty === true) spec.tty = true;
  return spec;
}
