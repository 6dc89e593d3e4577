import { GlassboxError } from '../errors.js';
import { decodeCapabilities, parseCapabilityMask } from './capabilities.js';
import { procPath, type KernelReader, type ProcRef } from './reader.js';

/** The four ids of Uid:/Gid: lines, in the kernel's order. */
export interface IdSet {
  real: number;
  effective: number;
  saved: number;
  filesystem: number;
}

export interface CapabilitySets {
  inheritable: bigint;
  permitted: bigint;
  effective: bigint;
  bounding: bigint;
  /** null on kernels before 4.3 (no CapAmb line). */
  ambient: bigint | null;
}

export type SeccompMode = 'disabled' | 'strict' | 'filter';

/** The parts of /proc/<pid>/status that teach something about containers. */
export interface ProcessStatus {
  name: string;
  /** One letter (`R`, `S`, `Z`...) and its word (`running`). */
  state: { code: string; description: string };
  pid: number;
  ppid: number;
  tgid: number;
  uid: IdSet;
  gid: IdSet;
  groups: number[];
  /**
  The pid in each pid namespace the process is in, outermost first: `[4242, 1]` is pid
  4242 on the host and pid 1 in its container. Just `[pid]` outside any container.
  */
  nsPid: number[];
  capabilities: CapabilitySets;
  /** The same sets as names, for printing. */
  capabilityNames: Record<keyof CapabilitySets, string[] | null>;
  noNewPrivs: boolean;
  seccomp: SeccompMode;
  /** Number of seccomp filters attached (Seccomp_filters, 5.9+); null when absent. */
  seccompFilters: number | null;
  threads: number | null;
  /** Every line, key → raw value, for anything not picked out above. */
  fields: Map<string, string>;
}

const SECCOMP: Record<string, SeccompMode> = { '0': 'disabled', '1': 'strict', '2': 'filter' };

// The task name is escaped like this in status (but not in stat): `\n` and `\\`.
function unescapeName(name: string): string {
  return name.replace(/\\(n|\\)/g, (_match, c: string) => (c === 'n' ? '\n' : '\\'));
}

function bad(what: string, value: string | undefined): GlassboxError {
  return new GlassboxError('OBSERVE_BAD_STATUS', `cannot parse status field ${what}: ${JSON.stringify(value ?? null)}`, { kind: 'bug' });
}

function numbers(value: string | undefined): number[] {
  const trimmed = (value ?? '').trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/).map(Number);
}

function idSet(key: string, value: string | undefined): IdSet {
  const ids = numbers(value);
  if (ids.length !== 4 || ids.some((id) => !Number.isInteger(id))) throw bad(key, value);
  const [real, effective, saved, filesystem] = ids as [number, number, number, number];
  return { real, effective, saved, filesystem };
}

function integer(key: string, value: string | undefined): number {
  const n = Number((value ?? '').trim());
  if (value === undefined || !Number.isInteger(n)) throw bad(key, value);
  return n;
}

function seccompMode(value: string): SeccompMode {
  const mode = SECCOMP[value.trim()];
  if (mode === undefined) throw bad('Seccomp', value);
  return mode;
}

export function parseStatus(text: string): ProcessStatus {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^\t/, ''));
  }
  const state = fields.get('State') ?? '';
  const stateMatch = /^(\S)\s*\((.*)\)/.exec(state);
  if (stateMatch === null) throw bad('State', state);
  const mask = (key: string): bigint => {
    const value = fields.get(key);
    if (value === undefined) throw bad(key, value);
    return parseCapabilityMask(value);
  };
  const ambient = fields.has('CapAmb') ? mask('CapAmb') : null;
  const capabilities: CapabilitySets = {
    inheritable: mask('CapInh'),
    permitted: mask('CapPrm'),
    effective: mask('CapEff'),
    bounding: mask('CapBnd'),
    ambient,
  };
  const pid = integer('Pid', fields.get('Pid'));
  const nsPid = numbers(fields.get('NSpid'));
  const seccomp = fields.get('Seccomp');
  const filters = fields.get('Seccomp_filters');
  const threads = fields.get('Threads');
  return {
    name: unescapeName(fields.get('Name') ?? ''),
    state: { code: stateMatch[1]!, description: stateMatch[2]! },
    pid,
    ppid: integer('PPid', fields.get('PPid')),
    tgid: integer('Tgid', fields.get('Tgid')),
    uid: idSet('Uid', fields.get('Uid')),
    gid: idSet('Gid', fields.get('Gid')),
    groups: numbers(fields.get('Groups')),
    // NSpid appeared in 4.1; before that the only pid we know is our own.
    nsPid: nsPid.length > 0 ? nsPid : [pid],
    capabilities,
    capabilityNames: {
      inheritable: decodeCapabilities(capabilities.inheritable),
      permitted: decodeCapabilities(capabilities.permitted),
      effective: decodeCapabilities(capabilities.effective),
      bounding: decodeCapabilities(capabilities.bounding),
      ambient: ambient === null ? null : decodeCapabilities(ambient),
    },
    noNewPrivs: (fields.get('NoNewPrivs') ?? '0').trim() === '1',
    // Without CONFIG_SECCOMP there is no Seccomp line: nothing can be filtering.
    seccomp: seccomp === undefined ? 'disabled' : seccompMode(seccomp),
    seccompFilters: filters === undefined ? null : integer('Seccomp_filters', filters),
    threads: threads === undefined ? null : integer('Threads', threads),
    fields,
  };
}

export function readStatus(reader: KernelReader, pid: ProcRef = 'self'): ProcessStatus {
  return parseStatus(reader.readFile(procPath(pid, 'status')));
}
