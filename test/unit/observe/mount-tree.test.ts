import { describe, expect, it } from 'vitest';
import { parseMountInfo, parseMountInfoLine, type MountEntry } from '../../../src/observe/mountinfo.js';
import { buildMountTree, diffMountTables, walkMountTree } from '../../../src/observe/mount-tree.js';
import { loadFixtureTree } from '../../fixtures/observe/readers.js';

const hybrid = parseMountInfo(loadFixtureTree('cgroup/hybrid').files['/proc/self/mountinfo']!);

describe('mount tree', () => {
  const roots = buildMountTree(hybrid);

  it('hangs everything under / (whose parent is outside the namespace)', () => {
    expect(roots).toHaveLength(1);
    expect(roots[0]!.entry.mountPoint).toBe('/');
    expect(walkMountTree(roots)).toHaveLength(hybrid.length);
  });

  it('puts the cgroup hierarchies under the /sys/fs/cgroup tmpfs', () => {
    const walked = walkMountTree(roots);
    const tmpfs = walked.find((n) => n.entry.mountPoint === '/sys/fs/cgroup')!;
    const memory = walked.find((n) => n.entry.mountPoint === '/sys/fs/cgroup/memory')!;
    expect(memory.depth).toBe(tmpfs.depth + 1);
    expect(walked.indexOf(memory)).toBeGreaterThan(walked.indexOf(tmpfs));
  });

  it('stacks a second /dev/pts on the first', () => {
    const pts = walkMountTree(roots).filter((n) => n.entry.mountPoint === '/dev/pts');
    expect(pts).toHaveLength(2);
    expect(pts[1]!.entry.parentId).toBe(pts[0]!.entry.mountId);
    expect(pts[1]!.depth).toBe(pts[0]!.depth + 1);
  });
});

describe('mount diff', () => {
  const overlay = parseMountInfoLine('99 27 0:99 / /tmp/glassbox-x/merged rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w');

  it('finds a new overlay mount and nothing else', () => {
    expect(diffMountTables(hybrid, [...hybrid, overlay])).toEqual({ added: [overlay], removed: [], changed: [] });
    expect(diffMountTables([...hybrid, overlay], hybrid)).toEqual({ added: [], removed: [overlay], changed: [] });
  });

  it('names the fields a remount changed', () => {
    const after = hybrid.map((e): MountEntry => (e.mountPoint === '/sys/fs/cgroup/pids' ? { ...e, options: ['ro', 'relatime'] } : e));
    const diff = diffMountTables(hybrid, after);
    expect(diff.changed).toHaveLength(1);
    expect(diff.changed[0]!.fields).toEqual(['options']);
    expect(diff.changed[0]!.after.options).toContain('ro');
  });

  it('matches by path across namespaces, where every mount got a new id', () => {
    const copied = hybrid.map((e): MountEntry => ({ ...e, mountId: e.mountId + 1000, parentId: e.parentId + 1000 }));
    expect(diffMountTables(hybrid, copied, 'path')).toEqual({ added: [], removed: [], changed: [] });
    const byId = diffMountTables(hybrid, copied, 'id');
    expect(byId.added).toHaveLength(hybrid.length);
    expect(byId.removed).toHaveLength(hybrid.length);
  });

  it('tells stacked mounts apart by their place on the mount point', () => {
    const withoutTopPts = hybrid.filter((e) => e.mountId !== 29);
    const diff = diffMountTables(hybrid, withoutTopPts, 'path');
    expect(diff.removed.map((e) => e.mountId)).toEqual([29]);
  });
});
