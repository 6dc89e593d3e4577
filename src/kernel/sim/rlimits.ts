import type { RlimitValue, SimProcess } from './processes.js';

/** Resource limits as the simulated host's processes start with them (getrlimit(2), docker --ulimit names). */

/** In the kernel's order, as /proc/<pid>/limits and gbx-probe list them. */
export const RLIMIT_NAMES = ['cpu', 'fsize', 'data', 'stack', 'core', 'rss', 'nproc', 'nofile', 'memlock', 'as', 'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio', 'rttime'] as const;

const U = 'unlimited';
/**
The kernel's defaults (INIT_RLIMITS) for an 8 GiB machine: nproc and sigpending are half the
default max_threads (totalram_pages / 16 threads of 16 KiB each), nofile is what Node raises its
soft limit to under systemd (the hard limit 524288), stack 8 MiB, memlock 8 MiB.
*/
export const DEFAULT_RLIMITS: Record<(typeof RLIMIT_NAMES)[number], RlimitValue> = {
  cpu: { soft: U, hard: U },
  fsize: { soft: U, hard: U },
  data: { soft: U, hard: U },
  stack: { soft: 8388608, hard: U },
  core: { soft: 0, hard: U },
  rss: { soft: U, hard: U },
  nproc: { soft: 31760, hard: 31760 },
  nofile: { soft: 524288, hard: 524288 },
  memlock: { soft: 8388608, hard: 8388608 },
  as: { soft: U, hard: U },
  locks: { soft: U, hard: U },
  sigpending: { soft: 31760, hard: 31760 },
  msgqueue: { soft: 819200, hard: 819200 },
  nice: { soft: 0, hard: 0 },
  rtprio: { soft: 0, hard: 0 },
  rttime: { soft: U, hard: U },
};

export function rlimitOf(process: SimProcess, name: (typeof RLIMIT_NAMES)[number]): RlimitValue {
  return process.rlimits?.get(name) ?? DEFAULT_RLIMITS[name];
}
