// Real overlay mounts of unpacked fixture layers (root, through the Linux backend): the merged view
// file by file, copy-up, whiteout on delete, the docker-diff of the upper dir, 128 layers, duplicate
// layers, and a host whose own root is an overlay. Every mount is undone in the test and the suite
// checks at the end that nothing is left mounted below its scratch directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel } from '../../src/kernel/types.js';
import { readMountInfo } from '../../src/observe/mountinfo.js';
import { applyOverlay, diffUpper, formatChanges, inspectBacking, planOverlay, prepareRootfs, teardownOverlay, type OverlayPlan } from '../../src/rootfs/index.js';
import { applyLayer, createLayerFs, unpackImage, type LayerFs } from '../../src/unpack/index.js';
import { buildLayer, type EntrySpec } from '../helpers/layer-builder.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { detachMountsUnder, mountPointsUnder } from '../helpers/scratch.js';

const base: EntrySpec[] = [
  { name: './', type: 'dir', mode: 0o755 },
  { name: 'etc/', type: 'dir' },
  { name: 'etc/hostname', data: 'base\n' },
  { name: 'etc/motd', data: 'welcome\n' },
  { name: 'etc/os-release', data: 'ID=glassbox\n' },
  { name: 'bin/', type: 'dir' },
  { name: 'bin/sh', data: '#!shell', mode: 0o755 },
  { name: 'var/cache/', type: 'dir' },
  { name: 'var/cache/a', data: 'a' },
  { name: 'var/cache/b', data: 'b' },
  { name: 'data/', type: 'dir' },
  { name: 'data/keep', data: 'original\n' },
  { name: 'tmp/', type: 'dir', mode: 0o1777 },
  { name: 'dev/', type: 'dir' },
  { name: 'dev/null', type: 'char', devMajor: 1, devMinor: 3, mode: 0o666 },
];
const middle: EntrySpec[] = [
  { name: 'etc/', type: 'dir' },
  { name: 'etc/hostname', data: 'middle\n' },
  { name: 'etc/.wh.motd' },
  { name: 'var/cache/', type: 'dir' },
  { name: 'var/cache/.wh..wh..opq' },
  { name: 'var/cache/c', data: 'c' },
  { name: 'new/', type: 'dir' },
  { name: 'new/file', data: 'from the middle layer' },
];
const top: EntrySpec[] = [
  { name: 'usr/bin/tool', data: 'tool', mode: 0o4755 },
  { name: 'new/.wh.file' },
  { name: 'bin/sh', data: '#!newer shell', mode: 0o755 },
];

function source(entries: EntrySpec[]) {
  const layer = buildLayer(entries, { compression: 'gzip' });
  return { descriptor: layer.descriptor, diffId: layer.diffId, open: () => Readable.from([layer.blob]) };
}

function mountAt(kernel: Kernel, target: string) {
  return readMountInfo(kernel).filter((entry) => entry.mountPoint === target).pop();
}

const gate = await realKernelGate();
if (gate.mode !== 'run') {
  describeGateOutcome('rootfs overlay mounts on the real kernel', gate);
} else {
  const kernel = gate.createKernel();
  describe('rootfs overlay mounts on the real kernel', () => {
    let scratch = '';
    let layersDir = '';
    let layerFs: LayerFs;
    let layers: string[] = [];

    beforeAll(async () => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-rootfs-'));
      layersDir = path.join(scratch, 'layers');
      layerFs = createLayerFs(kernel);
      const image = await unpackImage([source(base), source(middle), source(top)], layersDir, { fs: layerFs });
      layers = image.layers.map((layer) => layer.dir);
    });
    afterAll(() => {
      const leaked = detachMountsUnder(kernel, scratch);
      fs.rmSync(scratch, { recursive: true, force: true });
      expect(leaked, 'mounts left behind by a test').toEqual([]);
      expect(fs.existsSync(scratch)).toBe(false);
    });

    /** Mounts, runs the body, and always tears down; checks that the teardown left nothing. */
    async function withRootfs(plan: OverlayPlan, body: () => void | Promise<void>): Promise<void> {
      applyOverlay(kernel, plan);
      try {
        await body();
      } finally {
        const result = teardownOverlay(kernel, plan);
        expect(result.unmounted).toContain(plan.merged);
        expect(fs.existsSync(plan.containerDir)).toBe(false);
        expect(mountPointsUnder(kernel, plan.containerDir)).toEqual([]);
      }
    }

    it('shows the merged view, copies up on write, and leaves a whiteout on delete', async () => {
      const { plan, backing } = prepareRootfs(kernel, { layers, containerDir: path.join(scratch, 'c1') });
      expect(backing.rwTmpfs).toBe(false);
      expect(plan.lowerForm).toBe('absolute');
      await withRootfs(plan, () => {
        const m = (name: string): string => path.join(plan.merged, name);
        const entry = mountAt(kernel, plan.merged);
        expect(entry?.fsType).toBe('overlay');
        expect(entry?.superOptions).toEqual(expect.arrayContaining([`upperdir=${plan.upper}`, 'redirect_dir=nofollow']));
        // Each file as the top-most layer that has it says.
        expect(fs.readFileSync(m('etc/hostname'), 'utf8')).toBe('middle\n');
        expect(fs.readFileSync(m('etc/os-release'), 'utf8')).toBe('ID=glassbox\n');
        expect(fs.existsSync(m('etc/motd'))).toBe(false);
        expect(fs.readdirSync(m('var/cache'))).toEqual(['c']);
        expect(fs.readFileSync(m('bin/sh'), 'utf8')).toBe('#!newer shell');
        expect(fs.readdirSync(m('new'))).toEqual([]);
        expect(fs.statSync(m('usr/bin/tool')).mode & 0o7777).toBe(0o4755);
        expect(fs.statSync(m('tmp')).mode & 0o7777).toBe(0o1777);
        expect(kernel.lstat(m('dev/null'))).toMatchObject({ type: 'char', rdevMajor: 1, rdevMinor: 3 });
        expect(fs.statSync(plan.merged).mode & 0o7777).toBe(0o755);
        expect(fs.readdirSync(plan.upper)).toEqual([]);

        // Copy-up: the first write copies the file into upper; the layer keeps its own.
        fs.appendFileSync(m('data/keep'), 'changed\n');
        expect(fs.readFileSync(path.join(plan.upper, 'data/keep'), 'utf8')).toBe('original\nchanged\n');
        expect(fs.readFileSync(path.join(layers[0]!, 'data/keep'), 'utf8')).toBe('original\n');
        // Delete: a whiteout in upper, the layer untouched.
        fs.unlinkSync(m('etc/hostname'));
        expect(fs.existsSync(m('etc/hostname'))).toBe(false);
        expect(kernel.lstat(path.join(plan.upper, 'etc/hostname'))).toMatchObject({ type: 'char', rdevMajor: 0, rdevMinor: 0 });
        expect(fs.readFileSync(path.join(layers[1]!, 'etc/hostname'), 'utf8')).toBe('middle\n');
        // New files go to upper only.
        fs.writeFileSync(m('tmp/new'), 'new');
        fs.mkdirSync(m('srv/www'), { recursive: true });
        expect(formatChanges(diffUpper(kernel, plan.upper, plan.lowers))).toEqual([
          'C /data',
          'C /data/keep',
          'C /etc',
          'D /etc/hostname',
          'A /srv',
          'A /srv/www',
          'C /tmp',
          'A /tmp/new',
        ]);
      });
    });

    it('mounts 128 layers through short links and shows the right version of each file', async () => {
      const count = 128;
      const sources = Array.from({ length: count }, (_, i) => {
        const entries: EntrySpec[] = [
          { name: 'shared', data: `layer ${i}\n` },
          { name: `only/${i}`, data: `${i}` },
        ];
        if (i % 2 === 1) entries.push({ name: `dir${i - 1}/`, type: 'dir' }, { name: `dir${i - 1}/.wh..wh..opq` });
        else entries.push({ name: `dir${i}/from-${i}`, data: `${i}` });
        if (i === 100) entries.push({ name: 'only/.wh.50' });
        return source(entries);
      });
      const image = await unpackImage(sources, path.join(scratch, 'many'), { fs: layerFs });
      const dirs = image.layers.map((layer) => layer.dir);
      const { plan } = prepareRootfs(kernel, { layers: dirs, containerDir: path.join(scratch, 'c128') });
      expect(plan.lowers).toHaveLength(count);
      expect(plan.lowerForm).toBe('links');
      expect(dirs.join(':').length).toBeGreaterThan(4096);
      expect(plan.mount.data!.length).toBeLessThan(4096);
      await withRootfs(plan, () => {
        const m = (name: string): string => path.join(plan.merged, name);
        expect(fs.readFileSync(m('shared'), 'utf8')).toBe(`layer ${count - 1}\n`);
        const only = fs.readdirSync(m('only'));
        expect(only).toHaveLength(count - 1);
        expect(only).not.toContain('50');
        expect(fs.readFileSync(m('only/0'), 'utf8')).toBe('0');
        // Every even layer's directory was made opaque (emptied) by the odd layer above it.
        expect(fs.readdirSync(m('dir0'))).toEqual([]);
        expect(fs.readdirSync(m('dir126'))).toEqual([]);
        expect(process.cwd()).not.toBe(plan.containerDir);
      });
    });

    it('removes duplicate layers that the kernel would refuse', async () => {
      const dirs = [layers[0]!, layers[1]!, layers[0]!];
      const plan = planOverlay({ layers: dirs, containerDir: path.join(scratch, 'dup') });
      expect(plan.lowers).toEqual([layers[0], layers[1]]);
      await withRootfs(plan, () => {
        // The repeated bottom layer now sits on top: its hostname and motd win over the middle layer's.
        expect(fs.readFileSync(path.join(plan.merged, 'etc/hostname'), 'utf8')).toBe('base\n');
        expect(fs.readFileSync(path.join(plan.merged, 'etc/motd'), 'utf8')).toBe('welcome\n');
      });
    });

    it('leaves nothing behind when the mount fails', () => {
      const plan = planOverlay({ layers: [layers[0]!, path.join(scratch, 'no-such-layer')], containerDir: path.join(scratch, 'broken') });
      expect(() => applyOverlay(kernel, plan)).toThrow(/mounting the root filesystem at .*: mount .*ENOENT/);
      expect(fs.existsSync(plan.containerDir)).toBe(false);
    });

    it('works when the host root is itself an overlay: upper and work go on a tmpfs', async () => {
      // A stand-in for "/" inside a container: an overlay mounted by this test.
      const host = path.join(scratch, 'host');
      for (const dir of ['lower', 'upper', 'work', 'root']) fs.mkdirSync(path.join(host, dir), { recursive: true });
      kernel.mount({ source: 'overlay', target: `${host}/root`, fstype: 'overlay', flags: 0, data: `lowerdir=${host}/lower,upperdir=${host}/upper,workdir=${host}/work` });
      try {
        const containerDir = path.join(host, 'root', 'containers', 'c1');
        fs.mkdirSync(path.dirname(containerDir));
        expect(inspectBacking(kernel, containerDir)).toMatchObject({ fsType: 'overlay', rwTmpfs: true });
        // Without the tmpfs the kernel refuses an upper dir on overlayfs, and nothing is left.
        const naive = planOverlay({ layers, containerDir });
        expect(() => applyOverlay(kernel, naive)).toThrow(/mount .*EINVAL/);
        expect(fs.existsSync(containerDir)).toBe(false);

        const { plan } = prepareRootfs(kernel, { layers, containerDir });
        expect(plan.rwDir).toBe(`${containerDir}/rw`);
        await withRootfs(plan, () => {
          expect(mountAt(kernel, plan.rwDir!)?.fsType).toBe('tmpfs');
          fs.writeFileSync(path.join(plan.merged, 'etc/os-release'), 'ID=changed\n');
          expect(fs.readFileSync(path.join(plan.upper, 'etc/os-release'), 'utf8')).toBe('ID=changed\n');
          expect(formatChanges(diffUpper(kernel, plan.upper, plan.lowers))).toEqual(['C /etc', 'C /etc/os-release']);
        });
        expect(mountAt(kernel, `${containerDir}/rw`)).toBeUndefined();
        // The layer store cannot live there: overlayfs would swallow the whiteouts.
        await expect(applyLayer(source(middle), path.join(host, 'root', 'layers'), { fs: layerFs })).rejects.toThrow(
          /the layer store .* is on overlay .* cannot keep overlay whiteouts/,
        );
        expect(fs.existsSync(path.join(host, 'root', 'layers'))).toBe(false);
      } finally {
        kernel.umount(`${host}/root`);
      }
    });

    it('refuses to tear down a mount it did not make', async () => {
      const { plan } = prepareRootfs(kernel, { layers, containerDir: path.join(scratch, 'c2') });
      applyOverlay(kernel, plan);
      kernel.umount(plan.merged);
      kernel.mount({ source: 'tmpfs', target: plan.merged, fstype: 'tmpfs', flags: 0, data: 'size=1m' });
      try {
        expect(() => teardownOverlay(kernel, plan)).toThrow(/has a tmpfs mount that glassbox did not make/);
        expect(mountAt(kernel, plan.merged)?.fsType).toBe('tmpfs');
      } finally {
        kernel.umount(plan.merged);
      }
      expect(teardownOverlay(kernel, plan).unmounted).toEqual([]);
      expect(fs.existsSync(plan.containerDir)).toBe(false);
    });

    it('finds its mount through a symlinked container path, and never removes a tree that is still mounted', async () => {
      const real = path.join(scratch, 'real');
      const alias = path.join(scratch, 'alias');
      fs.mkdirSync(real);
      fs.symlinkSync(real, alias);
      // prepareRootfs resolves the symlink, so mountinfo and the plan agree.
      const { plan } = prepareRootfs(kernel, { layers, containerDir: path.join(alias, 'c') });
      expect(plan.containerDir).toBe(path.join(real, 'c'));
      await withRootfs(plan, () => expect(fs.readdirSync(plan.merged)).toContain('etc'));
      // A plan made without resolving it cannot find its mount by path: the device check stops the removal.
      const naive = planOverlay({ layers, containerDir: path.join(alias, 'c') });
      applyOverlay(kernel, naive);
      try {
        expect(() => teardownOverlay(kernel, naive)).toThrow(/still mounted below .*alias\/c: .*alias\/c\/merged/);
        expect(fs.readFileSync(path.join(real, 'c', 'merged', 'etc/os-release'), 'utf8')).toBe('ID=glassbox\n');
      } finally {
        kernel.umount(path.join(real, 'c', 'merged'));
      }
      teardownOverlay(kernel, naive);
      expect(fs.existsSync(path.join(real, 'c'))).toBe(false);
    });

    it('leaves no mount below its scratch directory', () => {
      expect(mountPointsUnder(kernel, scratch)).toEqual([]);
    });
  });
}
