import { describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import { MNT, MS, mountFlags } from '../../src/kernel/flags.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import { parseMountInfo } from '../../src/observe/mountinfo.js';
import type { Kernel } from '../../src/kernel/types.js';

const mounts = (k: Kernel) => parseMountInfo(k.readFile('/proc/self/mountinfo'));
const at = (k: Kernel, path: string) => mounts(k).filter((m) => m.mountPoint === path);

describe('simulated mount table', () => {
  it('boots with the mounts of a small Debian host, the root first', () => {
    const k = createSimKernel();
    const table = mounts(k);
    expect(table[0]).toMatchObject({ mountPoint: '/', fsType: 'ext4', source: '/dev/vda', parentId: 1 });
    const points = table.map((m) => `${m.mountPoint} ${m.fsType}`);
    expect(points).toEqual(expect.arrayContaining(['/proc proc', '/sys sysfs', '/dev devtmpfs', '/dev/shm tmpfs', '/run tmpfs', '/sys/fs/cgroup cgroup2']));
    // Every parent id names a mount in the table, except the root's.
    const ids = new Set(table.map((m) => m.mountId));
    for (const m of table.slice(1)) expect(ids.has(m.parentId)).toBe(true);
  });

  it('hands out the lowest free mount id and anonymous device again after an umount', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.mkdir(`${d}/a`);
    k.mount({ source: 'tmpfs', target: `${d}/a`, fstype: 'tmpfs', flags: 0 });
    const first = at(k, `${d}/a`)[0]!;
    k.umount(`${d}/a`);
    k.mount({ source: 'tmpfs', target: `${d}/a`, fstype: 'tmpfs', flags: 0 });
    const again = at(k, `${d}/a`)[0]!;
    expect([again.mountId, again.major, again.minor]).toEqual([first.mountId, 0, first.minor]);
    k.umount(`${d}/a`);
  });

  it('escapes spaces in mount points and shows the bound subtree as the root field', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.mkdir(`${d}/with space`);
    k.mkdir(`${d}/src`);
    k.mkdir(`${d}/src/inner`);
    k.mount({ source: `${d}/src/inner`, target: `${d}/with space`, fstype: null, flags: MS.MS_BIND });
    expect(k.readFile('/proc/self/mountinfo')).toContain(`${d}/with\\040space`);
    expect(at(k, `${d}/with space`)[0]).toMatchObject({ root: `${d}/src/inner`, fsType: 'ext4' });
    k.umount(`${d}/with space`);
  });

  it('stacks mounts on one mount point; each umount uncovers the one below', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.mkdir(`${d}/m`);
    k.mount({ source: 'first', target: `${d}/m`, fstype: 'tmpfs', flags: 0 });
    k.writeFile(`${d}/m/which`, 'first');
    k.mount({ source: 'second', target: `${d}/m`, fstype: 'tmpfs', flags: 0 });
    expect(k.readdir(`${d}/m`)).toEqual([]);
    const [lower, upper] = at(k, `${d}/m`);
    expect(upper!.parentId).toBe(lower!.mountId);
    k.umount(`${d}/m`);
    expect(k.readFile(`${d}/m/which`)).toBe('first');
    k.umount(`${d}/m`);
    expect(at(k, `${d}/m`)).toEqual([]);
  });

  it('propagates mounts between peers of a shared mount, and not once it is private', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    for (const dir of ['a', 'b']) k.mkdir(`${d}/${dir}`);
    k.mount({ source: 'tmpfs', target: `${d}/a`, fstype: 'tmpfs', flags: 0 });
    k.mount({ source: '', target: `${d}/a`, fstype: null, flags: MS.MS_SHARED });
    k.mkdir(`${d}/a/x`);
    k.mount({ source: `${d}/a`, target: `${d}/b`, fstype: null, flags: MS.MS_BIND });
    const [a, b] = [at(k, `${d}/a`)[0]!, at(k, `${d}/b`)[0]!];
    expect(a.optionalFields.shared).not.toBeNull();
    expect(b.optionalFields.shared).toBe(a.optionalFields.shared);
    k.mount({ source: 'tmpfs', target: `${d}/a/x`, fstype: 'tmpfs', flags: 0 });
    expect(at(k, `${d}/b/x`)).toHaveLength(1);
    k.umount(`${d}/a/x`);
    expect(at(k, `${d}/b/x`)).toHaveLength(0);
    k.mount({ source: '', target: `${d}/b`, fstype: null, flags: MS.MS_PRIVATE });
    k.mount({ source: 'tmpfs', target: `${d}/a/x`, fstype: 'tmpfs', flags: 0 });
    expect(at(k, `${d}/b/x`)).toHaveLength(0);
    k.umount(`${d}/a/x`);
    k.umount(`${d}/b`);
    k.umount(`${d}/a`);
  });

  it('moves a mount with what is on it (MS_MOVE), not below itself', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    for (const dir of ['a', 'b']) k.mkdir(`${d}/${dir}`);
    k.mount({ source: 'tmpfs', target: `${d}/a`, fstype: 'tmpfs', flags: 0 });
    k.mkdir(`${d}/a/sub`);
    k.mount({ source: 'tmpfs', target: `${d}/a/sub`, fstype: 'tmpfs', flags: 0 });
    expect(outcome(() => k.mount({ source: `${d}/a`, target: `${d}/a/sub`, fstype: null, flags: MS.MS_MOVE }))).toBe('ELOOP');
    k.mount({ source: `${d}/a`, target: `${d}/b`, fstype: null, flags: MS.MS_MOVE });
    expect(mounts(k).filter((m) => m.mountPoint.startsWith(`${d}/`)).map((m) => m.mountPoint)).toEqual([`${d}/b`, `${d}/b/sub`]);
    k.umount(`${d}/b`, MNT.MNT_DETACH);
    expect(mounts(k).filter((m) => m.mountPoint.startsWith(`${d}/`))).toEqual([]);
  });

  it('knows propagation flags only alone, on a mount point', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.mkdir(`${d}/a`);
    const change = (flags: number) => () => k.mount({ source: '', target: `${d}/a`, fstype: null, flags });
    expect(outcome(change(MS.MS_PRIVATE))).toBe('EINVAL');
    k.mount({ source: 'tmpfs', target: `${d}/a`, fstype: 'tmpfs', flags: 0 });
    expect(outcome(change(MS.MS_PRIVATE | MS.MS_SHARED))).toBe('EINVAL');
    expect(outcome(change(MS.MS_PRIVATE | MS.MS_NODEV))).toBe('EINVAL');
    expect(outcome(change(mountFlags('MS_REC', 'MS_UNBINDABLE')))).toBe('ok');
    expect(at(k, `${d}/a`)[0]!.optionalFields.unbindable).toBe(true);
    k.mkdir(`${d}/b`);
    expect(outcome(() => k.mount({ source: `${d}/a`, target: `${d}/b`, fstype: null, flags: MS.MS_BIND }))).toBe('EINVAL');
    k.umount(`${d}/a`);
  });

  it('tells cgroup, disk and unknown filesystem types apart', () => {
    const k = createSimKernel({ cgroupLayout: 'v1' });
    const d = k.mkdtemp('/tmp/glassbox-');
    k.mkdir(`${d}/c`);
    const mount = (source: string, fstype: string, data?: string) => () => k.mount({ source, target: `${d}/c`, fstype, flags: 0, data: data ?? null });
    expect(outcome(mount('/dev/vda', 'ext4'))).toBe('EINVAL');
    expect(outcome(mount(`${d}/c`, 'ext4'))).toBe('ENOTBLK');
    expect(outcome(mount('none', 'cgroup', 'pids,memory'))).toBe('EBUSY');
    expect(outcome(mount('none', 'cgroup', 'bogus'))).toBe('EINVAL');
    // The same controllers: the same hierarchy, seen a second time.
    expect(outcome(mount('none', 'cgroup', 'pids'))).toBe('ok');
    expect(k.readdir(`${d}/c`)).toEqual(k.readdir('/sys/fs/cgroup/pids'));
    k.umount(`${d}/c`);
    // On a v1 host cgroup2 still mounts, with only the controllers v1 left free, and shows up in /proc/self/cgroup.
    expect(outcome(mount('none', 'cgroup2'))).toBe('ok');
    const controllers = k.readFile(`${d}/c/cgroup.controllers`).trim().split(' ');
    expect(controllers).toContain('hugetlb');
    for (const bound of ['cpu', 'cpuset', 'memory', 'pids', 'io']) expect(controllers).not.toContain(bound);
    expect(k.readFile('/proc/self/cgroup')).toContain('0::/');
    k.umount(`${d}/c`);
  });
});
