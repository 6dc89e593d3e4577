/** What the doctor found on this machine, as plain data (also the `--json` output). */
export const NAMESPACE_KINDS = ['mnt', 'uts', 'ipc', 'pid', 'net', 'user', 'cgroup', 'time'] as const;
export type NamespaceKind = (typeof NAMESPACE_KINDS)[number];

export const LIMIT_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
export type LimitController = (typeof LIMIT_CONTROLLERS)[number];

export interface CgroupHierarchyFact {
  version: 1 | 2;
  mountPoint: string;
  controllers: string[];
  /** The directory of the cgroup glassbox runs in, in this hierarchy. */
  ownDir: string;
  writable: boolean;
}

export interface DoctorFacts {
  platform: string;
  arch: string;
  kernelRelease: string;
  /** null where the platform has no uids (Windows). */
  uid: number | null;
  capabilities: {
    /** false when /proc/self/status could not be read (not Linux). */
    known: boolean;
    effective: string[];
    /** Capabilities the running kernel knows that this process lacks. */
    missing: string[];
  };
  overlay: boolean;
  namespaces: Record<NamespaceKind, boolean>;
  userNamespaces: { allowed: boolean; detail: string };
  cgroups: {
    layout: 'v1' | 'v2' | 'hybrid' | 'none';
    hierarchies: CgroupHierarchyFact[];
    /** Per limit controller: where glassbox would create groups, if it can. */
    controllers: Record<LimitController, { dir: string | null; version: 1 | 2 | null; writable: boolean }>;
  };
  pivotRoot: { possible: boolean; rootFsType: string | null; detail: string };
  kvm: { present: boolean; usable: boolean };
  native: { name: string; built: boolean; path: string | null }[];
  /** Whether the real kernel backend (libc through koffi) loads here. */
  realBackend: { ok: boolean; reason?: string };
}
