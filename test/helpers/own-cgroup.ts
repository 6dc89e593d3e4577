import { parseMountinfo } from './mountinfo.js';

/**
Finds the directory of this process's own cgroup in a hierarchy that has the `pids` controller
(v1 `pids` or v2 with `pids` delegated to children), from /proc/self/cgroup and
/proc/self/mountinfo. Tests create child groups only below it (the sandbox rule of DESIGN.md).
*/
export interface OwnPidsCgroup {
  dir: string;
  version: 1 | 2;
}

export type OwnPidsCgroupResult = { ok: true; cgroup: OwnPidsCgroup } | { ok: false; reason: string };

function joinBelow(mountPoint: string, mountRoot: string, path: string): string | undefined {
  // A cgroup namespace or a bind mount can show a hierarchy from a non-root cgroup.
  const root = mountRoot === '/' ? '' : mountRoot;
  if (root !== '' && path !== root && !path.startsWith(`${root}/`)) return undefined;
  const rest = path.slice(root.length).replace(/^\/+/, '');
  return rest === '' ? mountPoint : `${mountPoint}/${rest}`;
}

export function findOwnPidsCgroup(readFile: (path: string) => string): OwnPidsCgroupResult {
  const memberships = readFile('/proc/self/cgroup')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [id, controllers, ...path] = line.split(':');
      return { id: id ?? '', controllers: (controllers ?? '').split(','), path: path.join(':') };
    });
  const mounts = parseMountinfo(readFile('/proc/self/mountinfo'));

  const v1 = memberships.find((m) => m.controllers.includes('pids'));
  if (v1 !== undefined) {
    const mount = mounts.find((m) => m.fstype === 'cgroup' && m.superOptions.includes('pids'));
    if (mount === undefined) return { ok: false, reason: 'the v1 pids hierarchy is not mounted' };
    const dir = joinBelow(mount.mountPoint, mount.root, v1.path);
    if (dir === undefined) return { ok: false, reason: `own pids cgroup ${v1.path} is outside the mounted hierarchy` };
    return { ok: true, cgroup: { dir, version: 1 } };
  }

  const unified = memberships.find((m) => m.id === '0' && m.controllers.join('') === '');
  const mount = mounts.find((m) => m.fstype === 'cgroup2');
  if (unified === undefined || mount === undefined) return { ok: false, reason: 'no pids controller in any cgroup hierarchy' };
  const dir = joinBelow(mount.mountPoint, mount.root, unified.path);
  if (dir === undefined) return { ok: false, reason: `own cgroup ${unified.path} is outside the mounted cgroup2` };
  // Children get pids.max only when the parent delegates pids to them (cgroups(7), "subtree_control").
  let delegated: string;
  try {
    delegated = readFile(`${dir}/cgroup.subtree_control`);
  } catch {
    return { ok: false, reason: `cannot read ${dir}/cgroup.subtree_control` };
  }
  if (!delegated.split(/\s+/).includes('pids')) {
    return { ok: false, reason: `pids is not enabled in ${dir}/cgroup.subtree_control` };
  }
  return { ok: true, cgroup: { dir, version: 2 } };
}
