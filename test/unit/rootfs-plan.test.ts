import { describe, expect, it } from 'vitest';
import { MAX_LOWERS, MOUNT_DATA_LIMIT, OVERLAY_OPTIONS, absoluteOverlayData, formatPlan, mountCommand, planOverlay, stackLowers } from '../../src/rootfs/index.js';
import { keepsOverlayLayers, mountContaining } from '../../src/unpack/index.js';
import { parseMountInfo } from '../../src/observe/mountinfo.js';

const layer = (n: number): string => `/var/lib/glassbox/layers/sha256/${n.toString(16).padStart(64, '0')}/diff`;

describe('overlay plan', () => {
  it('stacks layers top first and makes the exact mount call', () => {
    const plan = planOverlay({ layers: [layer(1), layer(2), layer(3)], containerDir: '/run/c1' });
    expect(plan.lowers).toEqual([layer(3), layer(2), layer(1)]);
    expect(plan.lowerForm).toBe('absolute');
    expect(plan.cwd).toBeNull();
    expect(plan.mount).toEqual({
      source: 'overlay',
      target: '/run/c1/merged',
      fstype: 'overlay',
      flags: 0,
      data: `lowerdir=${layer(3)}:${layer(2)}:${layer(1)},upperdir=/run/c1/upper,workdir=/run/c1/work,${OVERLAY_OPTIONS}`,
    });
    expect(plan.steps.map((s) => s.op)).toEqual(['mkdir', 'mkdir', 'mkdir', 'mkdir', 'mount']);
    expect(plan.steps.at(-1)).toMatchObject({ op: 'mount', request: plan.mount, role: 'rootfs' });
    expect(OVERLAY_OPTIONS).toBe('redirect_dir=nofollow,index=off,metacopy=off');
  });

  it('adds volatile only when asked (run --rm), in both the absolute and the links form', () => {
    const layers = ['/l/a', '/l/b'];
    expect(planOverlay({ layers, containerDir: '/c' }).mount.data).not.toContain('volatile');
    expect(planOverlay({ layers, containerDir: '/c', volatile: true }).mount.data).toMatch(new RegExp(`,${OVERLAY_OPTIONS},volatile$`));
    expect(planOverlay({ layers, containerDir: '/c', volatile: true, lowerForm: 'links' }).mount.data).toMatch(/^lowerdir=l\/0:l\/1,.*,volatile$/);
  });

  it('removes duplicate lowers, keeping the topmost copy', () => {
    const { lowers, dropped } = stackLowers([layer(1), layer(2), `${layer(1)}/`, layer(3), layer(2)]);
    expect(lowers).toEqual([layer(2), layer(3), layer(1)]);
    expect(dropped).toEqual([
      { dir: layer(1), position: 0 },
      { dir: layer(2), position: 1 },
    ]);
  });

  it('names 128 layers through short links when absolute paths would not fit a page', () => {
    const layers = Array.from({ length: 128 }, (_, i) => layer(i));
    expect(layers.join(':').length).toBeGreaterThan(MOUNT_DATA_LIMIT);
    const plan = planOverlay({ layers, containerDir: '/var/lib/glassbox/containers/0123456789abcdef' });
    expect(plan.lowerForm).toBe('links');
    expect(plan.cwd).toBe('/var/lib/glassbox/containers/0123456789abcdef');
    const data = plan.mount.data!;
    expect(data.length).toBeLessThanOrEqual(MOUNT_DATA_LIMIT);
    expect(data.startsWith('lowerdir=l/0:l/1:l/2:')).toBe(true);
    expect(data).toContain(`:l/3i:l/3j,upperdir=upper,workdir=work,${OVERLAY_OPTIONS}`); // 126 and 127 in base 36
    const links = plan.steps.filter((s) => s.op === 'symlink');
    expect(links).toHaveLength(128);
    expect(links[0]).toEqual({ op: 'symlink', target: layer(127), path: `${plan.cwd}/l/0` });
    expect(links[127]).toEqual({ op: 'symlink', target: layer(0), path: `${plan.cwd}/l/3j` });
    // The same plan for the maximum overlayfs stacks still fits.
    expect(planOverlay({ layers: Array.from({ length: MAX_LOWERS }, (_, i) => layer(i)), containerDir: '/c' }).mount.data!.length).toBeLessThanOrEqual(MOUNT_DATA_LIMIT);
  });

  it('uses links for paths the option parser would split, and refuses them in the absolute form', () => {
    const odd = ['/data/my layers/a', '/data/x,y/b'];
    expect(planOverlay({ layers: odd, containerDir: '/c' }).lowerForm).toBe('links');
    expect(() => planOverlay({ layers: odd, containerDir: '/c', lowerForm: 'absolute' })).toThrow(/contains one of/);
    expect(planOverlay({ layers: [layer(1)], containerDir: '/c', lowerForm: 'links' }).mount.data).toBe(`lowerdir=l/0,upperdir=upper,workdir=work,${OVERLAY_OPTIONS}`);
  });

  it('refuses what the kernel would: no layers, too many, relative paths', () => {
    expect(() => planOverlay({ layers: [], containerDir: '/c' })).toThrow(/no layers/);
    expect(() => planOverlay({ layers: Array.from({ length: MAX_LOWERS + 1 }, (_, i) => layer(i)), containerDir: '/c' })).toThrow(/at most 500/);
    expect(() => planOverlay({ layers: ['relative/dir'], containerDir: '/c' })).toThrow(/not absolute/);
    expect(() => planOverlay({ layers: [layer(1)], containerDir: 'c' })).toThrow(/not absolute/);
  });

  it('puts upper and work on their own tmpfs when asked, and gives / the top layer root mode', () => {
    const plan = planOverlay({ layers: [layer(1)], containerDir: '/c', rwTmpfs: true, rootMode: 0o1777, rootUid: 1000, rootGid: 100 });
    expect(plan).toMatchObject({ rwDir: '/c/rw', upper: '/c/rw/upper', work: '/c/rw/work' });
    expect(plan.steps.slice(0, 5)).toEqual([
      { op: 'mkdir', path: '/c', mode: 0o700 },
      { op: 'mkdir', path: '/c/rw', mode: 0o700 },
      { op: 'mount', request: { source: 'tmpfs', target: '/c/rw', fstype: 'tmpfs', flags: 0, data: 'mode=0700' }, cwd: null, role: 'rw-tmpfs' },
      { op: 'mkdir', path: '/c/rw/upper', mode: 0o1777 },
      { op: 'lchown', path: '/c/rw/upper', uid: 1000, gid: 100 },
    ]);
    expect(planOverlay({ layers: [layer(1)], containerDir: '/c', rwTmpfs: true, lowerForm: 'links' }).mount.data).toContain('upperdir=rw/upper,workdir=rw/work');
  });

  it('prints the plan as the trace prints calls, and as a shell command', () => {
    const plan = planOverlay({ layers: [layer(1)], containerDir: '/c' });
    expect(formatPlan(plan)).toEqual([
      'mkdir path=/c mode=0700',
      'mkdir path=/c/upper mode=0755',
      'mkdir path=/c/work mode=0700',
      'mkdir path=/c/merged mode=0755',
      `mount src=overlay dst=/c/merged fstype=overlay flags=0 data=${plan.mount.data}`,
    ]);
    expect(mountCommand(plan)).toBe(`mount -t overlay overlay -o '${plan.mount.data}' /c/merged`);
    const linked = planOverlay({ layers: [layer(1)], containerDir: '/c', lowerForm: 'links' });
    expect(formatPlan(linked).at(-1)).toMatch(/^\(in \/c\) mount src=overlay dst=\/c\/merged/);
    expect(mountCommand(linked)).toMatch(/^cd \/c && mount -t overlay/);
  });

  it('makes relative overlay paths absolute for a kernel that cannot chdir', () => {
    expect(absoluteOverlayData('lowerdir=l/0:l/1:/abs,upperdir=rw/upper,workdir=work,index=off', '/c')).toBe(
      'lowerdir=/c/l/0:/c/l/1:/abs,upperdir=/c/rw/upper,workdir=/c/work,index=off',
    );
  });
});

describe('storage filesystem', () => {
  const mountinfo = [
    '22 1 0:21 / / rw,relatime - overlay overlay rw,lowerdir=/a,upperdir=/b,workdir=/c',
    '23 22 0:22 / /var/lib/glassbox rw,relatime - ext4 /dev/sdb rw',
    '24 23 0:23 / /var/lib/glassbox/tmp rw - tmpfs tmpfs rw',
    '25 22 0:24 / /var/lib/glassboxx rw - xfs /dev/sdc rw',
  ].join('\n');
  const entries = parseMountInfo(mountinfo);

  it('finds the mount that holds a path by the longest mount point', () => {
    expect(mountContaining(entries, '/home/user')?.fsType).toBe('overlay');
    expect(mountContaining(entries, '/var/lib/glassbox')?.fsType).toBe('ext4');
    expect(mountContaining(entries, '/var/lib/glassbox/layers/sha256')?.fsType).toBe('ext4');
    expect(mountContaining(entries, '/var/lib/glassbox/tmp/x')?.fsType).toBe('tmpfs');
    expect(mountContaining(entries, '/var/lib/glassboxx/y')?.fsType).toBe('xfs');
  });

  it('knows which filesystems cannot hold overlay layers', () => {
    expect(keepsOverlayLayers('ext4')).toBe(true);
    expect(keepsOverlayLayers('tmpfs')).toBe(true);
    expect(keepsOverlayLayers('overlay')).toBe(false);
    expect(keepsOverlayLayers('fuse.fuse-overlayfs')).toBe(false);
  });
});
