import type { LessonTrace } from './headless.js';
import type { CallRecord, StepOutcome, ViewData } from './types.js';

/**
A lesson trace with what legitimately differs between two runs taken out, so that a run on the
real kernel and one on the simulation can be compared field by field: temp paths, the registry's
port, container ids, pids, namespace inodes, the host's name, times, and what the host itself
holds (the contents of /proc and /sys: their sizes and counts), and live usage samples. Calls,
arguments, results, errnos, facts and views stay.
*/
export interface NormalizeContext {
  /** The host's hostname on that backend (real: this machine's; sim: the model's). */
  hostname: string;
  /**
  Masked paths (/proc/kcore, …) one of the two hosts lacks: gbx-run masks only what exists, so
  their mounts are left out on both sides. A kernel configuration, not a rule of the kernel.
  */
  absentMasked?: readonly string[];
  /**
  Each cgroup hierarchy's mount point and our own cgroup in it on that host. glassbox works below
  its own cgroup, which sits at a different depth on every machine: paths are written relative to it.
  */
  cgroups?: ReadonlyArray<{ mountPoint: string; ownDir: string }>;
}

export interface NormalizedStep {
  id: string;
  /** `measured` or `recorded` for a comparison step; null otherwise. */
  origin: string | null;
  error: string | null;
  node: string[];
  helper: string[];
  other: string[];
  facts: StepOutcome['facts'] | null;
  view: unknown;
}

export interface NormalizedTrace {
  lesson: string;
  steps: NormalizedStep[];
  teardown: string[];
}

export function normalizeTrace(trace: LessonTrace, context: NormalizeContext): NormalizedTrace {
  const text = (value: string): string => normalizeText(value, context);
  const absent = new Set(context.absentMasked ?? []);
  const kept = (c: CallRecord): boolean => !c.args.some((arg) => absent.has(arg.replace(/^target=/, '')));
  const calls = (list: CallRecord[], by: CallRecord['by']): string[] => collapse(list.filter((c) => c.by === by && kept(c)).map((c) => normalizeCall(c, text)));
  return {
    lesson: trace.lesson,
    steps: trace.steps.map((step) => ({
      id: step.id,
      origin: typeof step.result.outcome?.facts.origin === 'string' ? step.result.outcome.facts.origin : null,
      error: step.result.error === undefined ? null : `${step.result.error.code}: ${text(step.result.error.message)}`,
      node: calls(step.result.calls, 'node'),
      helper: calls(step.result.calls, 'helper'),
      // Layers download in parallel: which request comes first is up to the network.
      other: calls(step.result.calls, 'store').sort(),
      facts: step.result.outcome === null ? null : normalizeFacts(step.result.outcome.facts, context, text),
      view: step.result.outcome === null ? null : normalizeView(step.result.outcome.view, text, absent, context.hostname),
    })),
    // Removing a tree goes in readdir order, which is the filesystem's (hashed on ext4): compare as a set.
    // overlayfs's work/work is its private scratch (it keeps a spare whiteout there to share): left out.
    teardown: collapse(trace.teardown.calls.filter((c) => !c.args.some((arg) => /\/rootfs\/work\/work(\/|$)/.test(arg))).map((c) => normalizeCall(c, text))).sort(),
  };
}

/** Repeated lines in a row (a walk up our own cgroup path, as deep as the host's) count once. */
function collapse(lines: string[]): string[] {
  return lines.filter((line, i) => i === 0 || line !== lines[i - 1]);
}

export function normalizeText(value: string, context: NormalizeContext): string {
  return ownCgroupRelative(value, context.cgroups ?? [])
    .replace(/\/tmp\/glassbox-tour-[A-Za-z0-9]{6}/g, '<scratch>')
    .replace(/[^\s=:,]*\/glassbox-tour-[A-Za-z0-9]{6}/g, '<workdir>')
    .replace(/127\.0\.0\.1:\d+/g, '<registry>')
    .replace(/\.unpacking-[^/\s]*/g, '.unpacking-<tmp>')
    .replace(/glassbox-[0-9a-f]{12}/g, 'glassbox-<id>')
    .replace(/\b[0-9a-f]{12}\b/g, '<id>')
    .replace(/\/proc\/\d+/g, '/proc/<pid>')
    .replace(/([a-z_]+):\[\d+\]/g, '$1:[<ino>]');
}

/**
`/sys/fs/cgroup/memory/a/b/glassbox-x/memory.max` → `<memory>/glassbox-x/memory.max` when a/b is our
own cgroup; our own cgroup and every group above it (the layout check walks up and reads the
root's files) → `<memory>`.
*/
function ownCgroupRelative(value: string, cgroups: NonNullable<NormalizeContext['cgroups']>): string {
  return value.replace(/\/sys\/fs\/cgroup(\/[^\s,"]*)?/g, (path) => {
    const hierarchy = cgroups.filter((h) => path === h.mountPoint || path.startsWith(`${h.mountPoint}/`)).sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0];
    if (hierarchy === undefined) return path;
    const name = `<${hierarchy.mountPoint.slice(hierarchy.mountPoint.lastIndexOf('/') + 1)}>`;
    if (path === hierarchy.ownDir) return name;
    if (path.startsWith(`${hierarchy.ownDir}/`)) return name + path.slice(hierarchy.ownDir.length);
    const above = (dir: string): boolean => hierarchy.ownDir === dir || hierarchy.ownDir.startsWith(`${dir}/`);
    if (above(path)) return name;
    const slash = path.lastIndexOf('/');
    return above(path.slice(0, slash)) ? `${name}${path.slice(slash)}` : path;
  });
}

/** Reads of the host's own state (/proc, /sys) keep their call and errno, not their size. */
function hostOwned(record: CallRecord): boolean {
  return record.args.some((arg) => /^(path|target)=\/(proc|sys)\//.test(arg));
}

const PID_ARGS = /^(pid|child|ppid)=\d+$/;

/**
Figures that depend on the machine's load or were measured on one side only: the container-vs-VM
ratios, and the CPU share a burner got (a quota is a ceiling; a busy host gives less).
*/
const MEASURED = new Set(['startupRatio', 'memoryRatio', 'origin', 'cpuShare']);

function normalizeCall(record: CallRecord, text: (value: string) => string): string {
  const args = record.args.map((arg) => (PID_ARGS.test(arg) ? arg.replace(/\d+$/, '<pid>') : text(arg)));
  let outcome = record.errno !== undefined ? ` = -1 ${record.errno}` : record.result !== undefined ? ` = ${text(record.result)}` : '';
  if (record.errno === undefined && (hostOwned(record) || record.call === 'spawn' || record.call === 'clone' || /^\d{3,}$/.test(record.result ?? ''))) {
    outcome = record.call === 'readlink' || record.call === 'write' ? outcome.replace(/\d{3,}/g, '<n>') : ' = *';
  }
  // layer.json records when and by what the layer was unpacked: its size is not the kernel's.
  if (args.some((arg) => /^path=.*\.json$/.test(arg))) return `${record.call} ${args.map((arg) => arg.replace(/^data=\d+$/, 'data=<n>')).join(' ')}${outcome.replace(/\d+/g, '<n>')}`;
  // A write of a pid into cgroup.procs names a host pid.
  if (args.some((a) => a.endsWith('/cgroup.procs'))) {
    return `${record.call} ${args.map((arg) => arg.replace(/^data="?\d+"?$/, 'data=<pid>')).join(' ')}${record.errno === undefined ? '' : outcome}`;
  }
  const shown = args;
  return `${record.call} ${shown.join(' ')}${outcome}`;
}

function normalizeFacts(facts: StepOutcome['facts'], context: NormalizeContext, text: (value: string) => string): StepOutcome['facts'] {
  const out: StepOutcome['facts'] = {};
  for (const [key, value] of Object.entries(facts)) {
    if ((key === 'pid1' || key === 'ppid') && typeof value === 'number' && value > 1) out[key] = '<pid>';
    else if (MEASURED.has(key)) out[key] = '<measured>';
    else if (key === 'hostname' && value === context.hostname) out[key] = '<host>';
    else out[key] = typeof value === 'string' ? text(value) : value;
  }
  return out;
}

function normalizeView(view: ViewData, text: (value: string) => string, absent: ReadonlySet<string>, hostname: string): unknown {
  switch (view.kind) {
    case 'namespaces':
      return {
        kind: view.kind,
        // Inode numbers are the kernel's; which ones are new is the lesson.
        rows: view.rows.map((row) => `${row.type}:${row.container === null ? 'unknown' : row.container === row.host ? 'shared' : 'new'}`),
        inside: view.inside.map((row) => `${row.pid > 1 ? '<pid>' : row.pid} ${row.ppid > 1 ? '<pid>' : row.ppid} ${row.command} ${row.depth}`),
        outside: view.outside.map((row) => `${row.command} ${row.depth}`),
        hostname:
          view.hostname === undefined
            ? null
            : { host: '<host>', container: view.hostname.container === null ? null : view.hostname.container === hostname ? '<host>' : text(view.hostname.container) },
      };
    case 'mounts': {
      // Mount ids are allocated by the kernel: keep the tree's shape by position instead.
      const mounts = view.mounts.filter((m) => !absent.has(m.mountPoint));
      const index = new Map(mounts.map((m, i) => [m.id, i]));
      return {
        kind: view.kind,
        mounts: mounts.map((m) => `${m.depth} ${index.get(m.parent) ?? '-'} ${text(m.mountPoint)} ${m.fstype} ${text(m.source)} ${text(m.options)}`),
        added: view.added.filter((p) => !absent.has(p)).map(text),
        removed: view.removed.filter((p) => !absent.has(p)).map(text),
      };
    }
    case 'compare':
      // Measured here or recorded elsewhere: the figures differ, which side is ahead does not.
      return {
        kind: view.kind,
        rows: view.rows.map((row) => `${row.metric} ${typeof row.container === 'number' && typeof row.vm === 'number' ? (row.container < row.vm ? 'container<vm' : 'container>=vm') : row.container === row.vm ? 'same' : 'differ'}`),
      };
    case 'cgroups':
      // Samples depend on timing; their presence does not.
      return { ...view, usage: { memory: view.usage.memoryBytes.length > 0, throttled: view.usage.throttledUsec.length > 0, pids: view.usage.pids.length > 0 } };
    default:
      return JSON.parse(text(JSON.stringify(view))) as unknown;
  }
}

/** Differences between two normalized traces, as readable lines; empty when they agree. */
export function diffTraces(a: NormalizedTrace, b: NormalizedTrace, labels: [string, string] = ['real', 'sim']): string[] {
  const out: string[] = [];
  const steps = Math.max(a.steps.length, b.steps.length);
  for (let i = 0; i < steps; i++) {
    const x = a.steps[i];
    const y = b.steps[i];
    if (x === undefined || y === undefined) {
      out.push(`step ${i + 1}: only the ${x === undefined ? labels[1] : labels[0]} run has it`);
      continue;
    }
    const at = `step ${x.id}`;
    if (x.error !== y.error) out.push(`${at}: error ${labels[0]}=${x.error} ${labels[1]}=${y.error}`);
    // A comparison measured on one side and read from recorded figures on the other made other calls by design.
    const sameWork = x.origin === y.origin;
    if (sameWork) for (const channel of ['node', 'helper', 'other'] as const) out.push(...diffLists(`${at} ${channel} calls`, x[channel], y[channel], labels));
    const fx = JSON.stringify(x.facts);
    const fy = JSON.stringify(y.facts);
    if (fx !== fy) out.push(...diffFacts(at, x.facts ?? {}, y.facts ?? {}, labels));
    const where = firstDifference(x.view, y.view, 'view');
    if (where !== null) out.push(`${at} ${where.path}: ${labels[0]}=${where.a} ${labels[1]}=${where.b}`);
  }
  out.push(...diffLists('teardown calls', a.teardown, b.teardown, labels));
  return out;
}

/** The first path (`view.entries[2].upper`) where two JSON values differ. */
export function firstDifference(a: unknown, b: unknown, path: string): { path: string; a: string; b: string } | null {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`);
      if (found !== null) return found;
    }
    return null;
  }
  const sa = JSON.stringify(a) ?? 'undefined';
  const sb = JSON.stringify(b) ?? 'undefined';
  return sa === sb ? null : { path, a: sa.slice(0, 300), b: sb.slice(0, 300) };
}

function diffFacts(at: string, x: StepOutcome['facts'], y: StepOutcome['facts'], labels: [string, string]): string[] {
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
  return keys.filter((key) => x[key] !== y[key]).map((key) => `${at} fact ${key}: ${labels[0]}=${String(x[key])} ${labels[1]}=${String(y[key])}`);
}

/** The first place two call lists part, with a little context. */
function diffLists(at: string, x: string[], y: string[], labels: [string, string]): string[] {
  const length = Math.max(x.length, y.length);
  for (let i = 0; i < length; i++) {
    if (x[i] !== y[i]) {
      return [`${at} #${i + 1} (of ${x.length} / ${y.length}):\n    ${labels[0]}: ${x[i] ?? '(none)'}\n    ${labels[1]}: ${y[i] ?? '(none)'}`];
    }
  }
  return [];
}
