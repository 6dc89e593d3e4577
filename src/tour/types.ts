import type { Lang, Text } from '../i18n/lang.js';
import type { Kernel } from '../kernel/types.js';
import type { ContainerLauncher } from '../container/launcher.js';

/**
The lesson engine's shared vocabulary: what a step plans, what it records while it runs,
and what it shows afterwards. The TUI (src/tui), the plain transcript, `glassbox report`
and the real-vs-simulated trace comparison all read these shapes; only src/tour runs them.
*/

/** One call a step will make, shown before it runs: a syscall, or a file it writes or reads. */
export interface PlannedCall {
  /** `mount`, `clone`, `write`, `read`, `pivot_root`, `http GET`, ... */
  call: string;
  /** Printable arguments in order, flags as names (`MS_RDONLY|MS_BIND`). */
  args: string[];
  /** Who makes it: Node through the kernel interface, the C helper, or the store/registry client. */
  by: 'node' | 'helper' | 'store';
  /** Why, in both languages; optional. */
  note?: Text;
}

/** One call as it happened, in the call log: from `glassbox:kernel:call` or `glassbox:container:step`. */
export interface CallRecord {
  by: 'node' | 'helper' | 'store';
  call: string;
  args: string[];
  /** A short printable result (`0`, a pid, a byte count) when it succeeded. */
  result?: string;
  /** The errno name (`EPERM`) when it failed. */
  errno?: string;
  /** Milliseconds the call took (node) or since the step started (helper). */
  ms: number;
}

export type ChangeKind = 'A' | 'C' | 'D';

export interface LayerView {
  kind: 'layers';
  image: string;
  layers: Array<{
    digest: string;
    /** Compressed size in bytes. */
    size: number;
    createdBy?: string;
    /** What the layer did to the filesystem below it, `docker diff` style (capped list). */
    changes: Array<{ path: string; change: ChangeKind }>;
    counts: { added: number; changed: number; deleted: number };
  }>;
}

export interface OverlayView {
  kind: 'overlay';
  lower: string[];
  upper: string;
  work: string;
  merged: string;
  /** One row per path of interest: what each layer of the overlay holds for it. */
  entries: Array<{
    path: string;
    /** Content or type seen in the topmost lower that has it; null when none has it. */
    lower: string | null;
    /** In the upper dir: a copy, a whiteout, an opaque dir, or nothing. */
    upper: 'file' | 'dir' | 'whiteout' | 'opaque' | null;
    /** What the merged view shows; null when absent. */
    merged: string | null;
  }>;
  /** What the last step did, when it was a write or a delete. */
  event?: { kind: 'copy-up' | 'whiteout' | 'create'; path: string };
}

export interface NamespacesView {
  kind: 'namespaces';
  /** The namespace inodes (from /proc/<pid>/ns) of the host (our own process) and the container's PID 1. */
  rows: Array<{ type: string; host: number; container: number | null }>;
  /** The process tree as the container sees it (PID 1 first) and as the host sees it. */
  inside: ProcessRow[];
  outside: ProcessRow[];
  hostname?: { host: string; container: string | null };
}

export interface ProcessRow {
  pid: number;
  ppid: number;
  command: string;
  depth: number;
}

export interface MountsView {
  kind: 'mounts';
  /** The mount table as a tree, depth-first, of the process the step looks at. */
  mounts: Array<{ id: number; parent: number; mountPoint: string; fstype: string; source: string; options: string; depth: number }>;
  /** Mount points added or removed since the previous step. */
  added: string[];
  removed: string[];
}

export interface CgroupsView {
  kind: 'cgroups';
  layout: 'v1' | 'v2' | 'hybrid';
  /** The limit files, with the v1 and v2 names side by side and the value written. */
  limits: Array<{ resource: 'memory' | 'cpu' | 'pids'; v1: string; v2: string; value: string }>;
  /** Samples taken while the workload ran, oldest first. */
  usage: { memoryBytes: number[]; throttledUsec: number[]; pids: number[] };
  limitsNow: { memoryBytes: number | null; pidsMax: number | null; cpuQuotaUsec: number | null; cpuPeriodUsec: number | null };
  oomKills: number;
  exitStatus: number | null;
}

export interface CompareView {
  kind: 'compare';
  /** Measured here, or recorded elsewhere (then `source` says where and when). */
  origin: 'measured' | 'recorded';
  source?: string;
  rows: Array<{ metric: string; unit: string; container: number | string; vm: number | string }>;
  /** KVM, software emulation, or no VM. */
  vmAccel: 'kvm' | 'tcg' | 'none';
}

export interface TextView {
  kind: 'text';
  lines: string[];
}

export type ViewData = LayerView | OverlayView | NamespacesView | MountsView | CgroupsView | CompareView | TextView;
export type ViewKind = ViewData['kind'];

/** What a step produced, read back from the kernel after it ran. */
export interface StepOutcome {
  view: ViewData;
  /**
  Named facts the step observed (`pid1`, `hostname`, `oomKilled`, `exitStatus`): predictions
  are checked against these, and the trace comparison compares them.
  */
  facts: Record<string, string | number | boolean>;
}

/** Everything a running action may use. Built by the CLI, which picks the backend. */
export interface TourContext {
  kernel: Kernel;
  launcher: ContainerLauncher;
  lang: Lang;
  /** A private scratch directory for this lesson run (host path; the sim uses it only for pulls). */
  workdir: string;
  /** What earlier steps of the lesson made (an image, a rootfs, a running container), by name. */
  session: Map<string, unknown>;
  /** Registers an undo, run in reverse order at the end of the lesson, on `q` and on Ctrl-C. */
  defer(label: string, undo: () => void | Promise<void>): void;
  signal: AbortSignal;
}

/** A live update while a step runs: a call as it happens, or a fresh view (gauges, sparklines). */
export interface StepUpdate {
  call?: CallRecord;
  view?: ViewData;
}

export interface Action<Args = Record<string, unknown>> {
  name: string;
  /** The calls the step will make, shown before it runs; pure. */
  plan(args: Args, ctx: Pick<TourContext, 'lang' | 'session' | 'kernel'>): PlannedCall[];
  run(args: Args, ctx: TourContext, update: (update: StepUpdate) => void): Promise<StepOutcome>;
}

/** The result of running one step, as the player and the trace comparison see it. */
export interface StepResult {
  outcome: StepOutcome | null;
  calls: CallRecord[];
  ms: number;
  /** Set when the step failed: the message and hint of the GlassboxError or SyscallError. */
  error?: { code: string; message: string; hint?: string };
}

/** The player's handle on a lesson being run (src/tour/session.ts implements it). */
export interface TourSession {
  readonly mode: 'REAL' | 'SIMULATED';
  /** Why the simulation was chosen, in both languages; absent when REAL. */
  readonly reason?: Text;
  plan(step: number): PlannedCall[];
  run(step: number, update: (update: StepUpdate) => void): Promise<StepResult>;
  /** Undoes everything the lesson created, in reverse order; safe to call twice. */
  teardown(): Promise<void>;
}

/** A learner's progress in one lesson: $GLASSBOX_HOME/progress/<lesson-id>.json. Teachers collect these. */
export interface LessonProgress {
  format_version: 1;
  lesson: string;
  learner: string;
  lang: Lang;
  kernel: 'REAL' | 'SIMULATED';
  startedAt: string;
  updatedAt: string;
  /** The index of the step to resume at. */
  current: number;
  finished: boolean;
  steps: Array<{
    id: string;
    ranAt: string;
    /**
    How the step ran: 'transcript' for `learn --plain` (nobody was there to predict); absent
    for the player (a step without a prediction there ran only so that a later one could).
    */
    via?: 'player' | 'transcript';
    prediction?: string;
    actual?: string;
    correct?: boolean;
    facts: StepOutcome['facts'];
    view: ViewData;
    /** The call log, capped at 200 entries. */
    calls: CallRecord[];
  }>;
}
