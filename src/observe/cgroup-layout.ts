import { checkDirWritable } from './cgroup-access.js';
import { readMountInfo, type MountEntry } from './mountinfo.js';
import { readProcCgroup, type ProcCgroupEntry } from './proc-cgroup.js';
import { readOptional, type KernelReader } from './reader.js';
import { readStatus } from './status.js';

/**
- `v2`: one unified hierarchy (most laptops today, systemd's default since ~2021).
- `v1`: one hierarchy per controller or group of controllers (CentOS 7, old Docker hosts).
- `hybrid`: v1 controllers plus a cgroup2 mount beside them, usually /sys/fs/cgroup/unified
  (systemd's hybrid mode; the machine this project is tested on).
- `none`: no cgroup filesystem mounted where this process can see it.
*/
export type CgroupLayoutKind = 'v1' | 'v2' | 'hybrid' | 'none';

export interface CgroupHierarchy {
  version: 1 | 2;
  /** The id in /proc/self/cgroup (0 for v2); null when mounted but not listed there (a 3.x kernel's v2). */
  hierarchyId: number | null;
  mountPoint: string;
  /** The cgroup mounted at mountPoint: `/` on a host, `/docker/<id>` in some containers. */
  mountRoot: string;
  /**
  v1: the controllers bound here, from the mount's super options (`cpu,cpuacct`).
  v2: cgroup.controllers at the mount point (the root cgroup on a host).
  */
  controllers: string[];
  /** A named v1 hierarchy (`name=systemd` → `systemd`); null otherwise. */
  name: string | null;
  /** Our cgroup in this hierarchy, from /proc/self/cgroup; null if not listed. */
  ownPath: string | null;
  /** ownPath under the mount point; null when our cgroup lies outside what this mount shows. */
  ownDir: string | null;
  /** v2: cgroup.controllers of our own cgroup, what we may hand down; null for v1. */
  ownControllers: string[] | null;
  /** v2: cgroup.subtree_control of our own cgroup, what our children get today; null for v1. */
  ownSubtreeControl: string[] | null;
  /** Whether we could create a child cgroup in ownDir (checked, not tried). */
  writable: boolean;
  writableReason: string | null;
}

export interface CgroupLayout {
  kind: CgroupLayoutKind;
  /** One per hierarchy, in mount order. */
  hierarchies: CgroupHierarchy[];
}

// Super options of a v1 mount that are not controllers. `seclabel` is added to every
// superblock by SELinux (CentOS, Fedora); options with `=` (name=, release_agent=) are skipped too.
const V1_NOT_CONTROLLERS = new Set([
  'rw', 'ro', 'none', 'all', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods', 'seclabel',
]);

function v1Controllers(mount: MountEntry): { controllers: string[]; name: string | null } {
  const named = mount.superOptions.find((option) => option.startsWith('name='));
  return {
    controllers: mount.superOptions.filter((option) => !option.includes('=') && !V1_NOT_CONTROLLERS.has(option)),
    name: named === undefined ? null : named.slice('name='.length),
  };
}

function hierarchyKey(controllers: string[], name: string | null): string {
  return [...controllers].sort().join(',') + (name === null ? '' : `;name=${name}`);
}

/** `ownPath` as a directory under this mount, or null when the mount does not show it. */
export function joinCgroupPath(mountPoint: string, mountRoot: string, ownPath: string): string | null {
  // A cgroup outside our cgroup namespace shows as `/../..`: nothing we can reach.
  if (ownPath.split('/').includes('..')) return null;
  let rest: string;
  if (mountRoot === '/') rest = ownPath;
  else if (ownPath === mountRoot) rest = '/';
  else if (ownPath.startsWith(`${mountRoot}/`)) rest = ownPath.slice(mountRoot.length);
  else return null;
  if (rest === '/') return mountPoint;
  return mountPoint === '/' ? rest : `${mountPoint.replace(/\/$/, '')}${rest}`;
}

function words(text: string | null): string[] | null {
  return text === null ? null : text.split(/\s+/).filter((word) => word !== '');
}

/** Several mounts of one hierarchy (bind mounts): take one that shows our cgroup, under /sys/fs/cgroup if any. */
function pickMount(mounts: MountEntry[], ownPath: string | null): MountEntry {
  const showsOwn = (mount: MountEntry): boolean =>
    ownPath !== null && joinCgroupPath(mount.mountPoint, mount.root, ownPath) !== null;
  const usual = (mount: MountEntry): boolean => mount.mountPoint.startsWith('/sys/fs/cgroup');
  return mounts.find((m) => showsOwn(m) && usual(m)) ?? mounts.find(showsOwn) ?? mounts.find(usual) ?? mounts[0]!;
}

/**
Finds every cgroup hierarchy this process can see, our place in each, and whether we
could create a child group there. Reads /proc/self/mountinfo, /proc/self/cgroup,
/proc/self/status and, for v2, the cgroup.controllers and cgroup.subtree_control files.
*/
export function detectCgroupLayout(reader: KernelReader): CgroupLayout {
  const mounts = readMountInfo(reader, 'self');
  const own = readProcCgroup(reader, 'self');
  const self = readStatus(reader, 'self');

  const groups = new Map<string, { version: 1 | 2; mounts: MountEntry[]; entry: ProcCgroupEntry | undefined }>();
  for (const mount of mounts) {
    if (mount.fsType !== 'cgroup' && mount.fsType !== 'cgroup2') continue;
    const version = mount.fsType === 'cgroup2' ? 2 : 1;
    const key = version === 2 ? 'v2' : hierarchyKey(v1Controllers(mount).controllers, v1Controllers(mount).name);
    const group = groups.get(key) ?? { version, mounts: [], entry: undefined };
    group.mounts.push(mount);
    groups.set(key, group);
  }
  for (const entry of own) {
    const key = entry.hierarchyId === 0 ? 'v2' : hierarchyKey(entry.controllers, entry.name);
    const group = groups.get(key);
    if (group !== undefined) group.entry = entry;
  }

  const hierarchies: CgroupHierarchy[] = [];
  for (const { version, mounts: candidates, entry } of groups.values()) {
    // Once glassbox has moved itself into its v2 supervisor leaf (src/container/cgroups.ts), the group
    // it creates containers under is still the one above that leaf.
    const listed = entry?.path ?? null;
    const ownPath = listed !== null && version === 2 && listed.endsWith('/glassbox-supervisor') ? listed.slice(0, -'/glassbox-supervisor'.length) || '/' : listed;
    const mount = pickMount(candidates, ownPath);
    const ownDir = ownPath === null ? null : joinCgroupPath(mount.mountPoint, mount.root, ownPath);
    const v1 = v1Controllers(mount);
    const access =
      ownDir === null
        ? { writable: false, reason: ownPath === null ? 'not listed in /proc/self/cgroup' : `our cgroup ${ownPath} is outside this mount` }
        : checkDirWritable(reader, ownDir, [...mount.options, ...mount.superOptions], self);
    hierarchies.push({
      version,
      hierarchyId: entry?.hierarchyId ?? null,
      mountPoint: mount.mountPoint,
      mountRoot: mount.root,
      controllers: version === 1 ? v1.controllers : (words(readOptional(reader, `${mount.mountPoint}/cgroup.controllers`)) ?? []),
      name: version === 1 ? v1.name : null,
      ownPath,
      ownDir,
      ownControllers: version === 2 && ownDir !== null ? words(readOptional(reader, `${ownDir}/cgroup.controllers`)) : null,
      ownSubtreeControl: version === 2 && ownDir !== null ? words(readOptional(reader, `${ownDir}/cgroup.subtree_control`)) : null,
      writable: access.writable,
      writableReason: access.reason,
    });
  }
  return { kind: classifyLayout(hierarchies), hierarchies };
}

function classifyLayout(hierarchies: CgroupHierarchy[]): CgroupLayoutKind {
  const v2 = hierarchies.some((h) => h.version === 2);
  const v1 = hierarchies.some((h) => h.version === 1);
  // A lone name=systemd v1 mount beside cgroup2 controls nothing: that is still v2.
  const v1Controllers = hierarchies.some((h) => h.version === 1 && h.controllers.length > 0);
  if (v2) return v1Controllers ? 'hybrid' : 'v2';
  return v1 ? 'v1' : 'none';
}

/**
The hierarchy a controller lives in (`memory`, `cpu`, `pids`..., or `name=systemd`).
The kernel binds each controller to one hierarchy at a time, so there is at most one;
in hybrid mode a controller is in v1 unless no v1 hierarchy has it.
*/
export function findCgroupHierarchy(layout: CgroupLayout, controller: string): CgroupHierarchy | null {
  if (controller.startsWith('name=')) {
    return layout.hierarchies.find((h) => h.name === controller.slice('name='.length)) ?? null;
  }
  return (
    layout.hierarchies.find((h) => h.version === 1 && h.controllers.includes(controller)) ??
    layout.hierarchies.find((h) => h.version === 2 && h.controllers.includes(controller)) ??
    null
  );
}

/**
The directory under which glassbox may create child groups for `controller`: our own
cgroup in the hierarchy that has it, never a hierarchy root we merely see (DESIGN.md,
sandbox rules). null when the controller is not there for us: not mounted, our cgroup
not visible, or (v2) not in our own cgroup.controllers, so not delegated to us.
In v2 the controller must also be written to our cgroup.subtree_control before our
children have it, and the kernel refuses that (EBUSY) while our cgroup has processes
of its own, unless it is the root: the "no internal processes" rule.
*/
export function ownCgroupDir(layout: CgroupLayout, controller: string): string | null {
  const hierarchy = findCgroupHierarchy(layout, controller);
  if (hierarchy === null || hierarchy.ownDir === null) return null;
  if (hierarchy.version === 2 && !controller.startsWith('name=') && !(hierarchy.ownControllers ?? []).includes(controller)) {
    return null;
  }
  return hierarchy.ownDir;
}
