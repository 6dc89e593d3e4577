import { describe, expect, it } from 'vitest';
import {
  detectCgroupLayout,
  findCgroupHierarchy,
  joinCgroupPath,
  ownCgroupDir,
} from '../../../src/observe/cgroup-layout.js';
import { loadFixtureTree, memoryReader, type MemoryTree } from '../../fixtures/observe/readers.js';

const V2_SCOPE =
  '/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-8a1d2e44-5c1e-4a3c-9d0e-0f3b6a2d7c11.scope';
const DOCKER_ID = '3f1c9a7e52d04b6c8e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f';

function layoutOf(tree: MemoryTree) {
  return detectCgroupLayout(memoryReader(tree));
}

describe('cgroup layout: hybrid (recorded on the project machine)', () => {
  const layout = layoutOf(loadFixtureTree('cgroup/hybrid'));

  it('is hybrid: v1 controllers beside a cgroup2 mount', () => {
    expect(layout.kind).toBe('hybrid');
    expect(layout.hierarchies.filter((h) => h.version === 2).map((h) => h.mountPoint)).toEqual(['/sys/fs/cgroup/unified']);
  });

  it('finds each v1 controller under /sys/fs/cgroup/<name> and the named systemd hierarchy', () => {
    for (const controller of ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids']) {
      const hierarchy = findCgroupHierarchy(layout, controller);
      expect(hierarchy?.version, controller).toBe(1);
      expect(hierarchy?.mountPoint).toBe(`/sys/fs/cgroup/${controller}`);
    }
    const systemd = findCgroupHierarchy(layout, 'name=systemd');
    expect(systemd).toMatchObject({ version: 1, name: 'systemd', controllers: [], mountPoint: '/sys/fs/cgroup/systemd' });
  });

  it('has only hugetlb in cgroup2', () => {
    const unified = findCgroupHierarchy(layout, 'hugetlb');
    expect(unified).toMatchObject({ version: 2, controllers: ['hugetlb'], ownPath: '/', ownSubtreeControl: [] });
    expect(findCgroupHierarchy(layout, 'io')).toBeNull();
  });

  it('places our cgroup per hierarchy, from /proc/self/cgroup', () => {
    expect(ownCgroupDir(layout, 'memory')).toBe('/sys/fs/cgroup/memory/process_api/af0f511344a87f3abb3d5ca8a2a02272');
    expect(ownCgroupDir(layout, 'pids')).toBe('/sys/fs/cgroup/pids');
    expect(ownCgroupDir(layout, 'cpu')).toBe('/sys/fs/cgroup/cpu');
    expect(ownCgroupDir(layout, 'hugetlb')).toBe('/sys/fs/cgroup/unified');
    expect(ownCgroupDir(layout, 'rdma')).toBeNull();
  });

  it('says root may write the 0555 hierarchy roots (CAP_DAC_OVERRIDE)', () => {
    for (const hierarchy of layout.hierarchies) expect(hierarchy.writable, hierarchy.mountPoint).toBe(true);
  });
});

describe('cgroup layout: v2 (a systemd laptop, user 1000 in a terminal scope)', () => {
  const tree = loadFixtureTree('cgroup/v2');
  const layout = layoutOf(tree);

  it('is v2 with one hierarchy at /sys/fs/cgroup', () => {
    expect(layout.kind).toBe('v2');
    expect(layout.hierarchies).toHaveLength(1);
    expect(layout.hierarchies[0]).toMatchObject({
      version: 2,
      hierarchyId: 0,
      mountPoint: '/sys/fs/cgroup',
      controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'],
      ownPath: V2_SCOPE,
      ownDir: `/sys/fs/cgroup${V2_SCOPE}`,
      ownControllers: ['cpu', 'memory', 'pids'],
      ownSubtreeControl: [],
    });
  });

  it('offers only the controllers delegated to our own cgroup', () => {
    expect(ownCgroupDir(layout, 'memory')).toBe(`/sys/fs/cgroup${V2_SCOPE}`);
    expect(ownCgroupDir(layout, 'pids')).toBe(`/sys/fs/cgroup${V2_SCOPE}`);
    // io exists at the root but systemd did not delegate it to the user's scope
    expect(findCgroupHierarchy(layout, 'io')?.version).toBe(2);
    expect(ownCgroupDir(layout, 'io')).toBeNull();
  });

  it('says the user may create children in its own delegated scope', () => {
    expect(layout.hierarchies[0]).toMatchObject({ writable: true, writableReason: null });
  });

  it('says a user may not write a root-owned cgroup', () => {
    const dirs = { ...tree.dirs, [`/sys/fs/cgroup${V2_SCOPE}`]: { mode: 0o755, uid: 0, gid: 0 } };
    const hierarchy = layoutOf({ ...tree, dirs }).hierarchies[0]!;
    expect(hierarchy.writable).toBe(false);
    expect(hierarchy.writableReason).toContain('without CAP_DAC_OVERRIDE');
  });

  it('lets group write bits count for a member of the group', () => {
    const dirs = { ...tree.dirs, [`/sys/fs/cgroup${V2_SCOPE}`]: { mode: 0o775, uid: 0, gid: 27 } };
    expect(layoutOf({ ...tree, dirs }).hierarchies[0]!.writable).toBe(true);
  });
});

describe('cgroup layout: v1 (CentOS 7, root over ssh)', () => {
  const layout = layoutOf(loadFixtureTree('cgroup/v1'));

  it('is v1, with co-mounted controllers as one hierarchy', () => {
    expect(layout.kind).toBe('v1');
    const cpu = findCgroupHierarchy(layout, 'cpu');
    expect(cpu).toBe(findCgroupHierarchy(layout, 'cpuacct'));
    expect(cpu).toMatchObject({ mountPoint: '/sys/fs/cgroup/cpu,cpuacct', hierarchyId: 4 });
    expect(new Set(cpu!.controllers)).toEqual(new Set(['cpu', 'cpuacct']));
  });

  it('does not mistake SELinux or systemd super options for controllers', () => {
    const all = layout.hierarchies.flatMap((h) => h.controllers);
    expect(all).not.toContain('seclabel');
    expect(all).not.toContain('xattr');
    expect(findCgroupHierarchy(layout, 'name=systemd')?.controllers).toEqual([]);
  });

  it('joins our cgroup path with the mount point', () => {
    expect(ownCgroupDir(layout, 'memory')).toBe('/sys/fs/cgroup/memory/user.slice');
    expect(ownCgroupDir(layout, 'cpu')).toBe('/sys/fs/cgroup/cpu,cpuacct/user.slice');
    expect(ownCgroupDir(layout, 'freezer')).toBe('/sys/fs/cgroup/freezer');
    expect(ownCgroupDir(layout, 'name=systemd')).toBe('/sys/fs/cgroup/systemd/user.slice/user-0.slice/session-1.scope');
  });

  it('has no v2 hierarchy on a 3.10 kernel', () => {
    expect(layout.hierarchies.every((h) => h.version === 1)).toBe(true);
    expect(layout.hierarchies).toHaveLength(11);
  });
});

describe('cgroup layout: v1 inside a Docker container', () => {
  const layout = layoutOf(loadFixtureTree('cgroup/v1-docker'));

  it('is v1 even though /proc/self/cgroup lists a 0:: line, since no cgroup2 is mounted', () => {
    expect(layout.kind).toBe('v1');
    expect(layout.hierarchies.some((h) => h.version === 2)).toBe(false);
  });

  it('maps /docker/<id> onto mounts whose root is /docker/<id>', () => {
    const memory = findCgroupHierarchy(layout, 'memory')!;
    expect(memory.mountRoot).toBe(`/docker/${DOCKER_ID}`);
    expect(memory.ownPath).toBe(`/docker/${DOCKER_ID}`);
    expect(ownCgroupDir(layout, 'memory')).toBe('/sys/fs/cgroup/memory');
  });

  it('reports the read-only cgroup mounts as not writable', () => {
    for (const hierarchy of layout.hierarchies) {
      expect(hierarchy).toMatchObject({ writable: false, writableReason: 'mounted read-only' });
    }
  });
});

describe('cgroup layout: edge cases', () => {
  const base = loadFixtureTree('cgroup/hybrid');

  it('is none without any cgroup mount', () => {
    const mountinfo = base.files['/proc/self/mountinfo']!.split('\n').filter((line) => !/ - cgroup2? /.test(line)).join('\n');
    const layout = layoutOf({ ...base, files: { ...base.files, '/proc/self/mountinfo': mountinfo } });
    expect(layout).toEqual({ kind: 'none', hierarchies: [] });
    expect(ownCgroupDir(layout, 'memory')).toBeNull();
  });

  it('is v2 when the only v1 hierarchy is a named one', () => {
    const mountinfo = base.files['/proc/self/mountinfo']!.split('\n').filter((line) => !/ - cgroup cgroup rw,(?!name=)/.test(line)).join('\n');
    expect(layoutOf({ ...base, files: { ...base.files, '/proc/self/mountinfo': mountinfo } }).kind).toBe('v2');
  });

  it('gives no directory when our cgroup lies outside the mounted subtree', () => {
    expect(joinCgroupPath('/sys/fs/cgroup/memory', '/docker/abc', '/docker/abcdef')).toBeNull();
    expect(joinCgroupPath('/sys/fs/cgroup/memory', '/docker/abc', '/docker/abc/sub')).toBe('/sys/fs/cgroup/memory/sub');
    expect(joinCgroupPath('/sys/fs/cgroup', '/', '/../../user.slice')).toBeNull();
    expect(joinCgroupPath('/sys/fs/cgroup', '/', '/')).toBe('/sys/fs/cgroup');
  });

  it('reports a cgroup outside the mount as not writable, with the reason', () => {
    const cgroup = base.files['/proc/self/cgroup']!.replace('4:memory:/process_api/', '4:memory:/../process_api/');
    const memory = findCgroupHierarchy(layoutOf({ ...base, files: { ...base.files, '/proc/self/cgroup': cgroup } }), 'memory')!;
    expect(memory.ownDir).toBeNull();
    expect(memory.writable).toBe(false);
    expect(memory.writableReason).toContain('outside this mount');
  });

  it('reports a missing own cgroup directory', () => {
    const cgroup = base.files['/proc/self/cgroup']!.replace('8:pids:/', '8:pids:/gone');
    const pids = findCgroupHierarchy(layoutOf({ ...base, files: { ...base.files, '/proc/self/cgroup': cgroup } }), 'pids')!;
    expect(pids).toMatchObject({ ownDir: '/sys/fs/cgroup/pids/gone', writable: false, writableReason: '/sys/fs/cgroup/pids/gone does not exist' });
  });
});
