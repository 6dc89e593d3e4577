// Unpacking fixture layers on the real kernel, checked file by file: every entry type, modes with
// setuid/setgid/sticky, owners, sub-second mtimes, PAX and GNU long names, binary xattrs, and the
// whiteout rules. Runs with both writers (node:fs bulk + Kernel, and Kernel only) so that the
// simulated kernel's writer is checked against the real filesystem too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel } from '../../src/kernel/types.js';
import { applyLayer, createLayerFs, layerPaths, unpackLayerToDir, type LayerFs } from '../../src/unpack/index.js';
import { buildLayer, capabilityXattr, type EntrySpec } from '../helpers/layer-builder.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';

const long = `deep/${'d'.repeat(100)}/${'e'.repeat(120)}/file-with-a-pax-name`;
const gnuLong = `gnu/${'g'.repeat(150)}/named-by-gnu`;
const big = Buffer.alloc(3 * 1024 * 1024 + 17);
for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
const cap = capabilityXattr(7, 13); // CAP_SETUID (a 0x80 byte) and CAP_NET_RAW

const fixture: EntrySpec[] = [
  { name: './', type: 'dir', mode: 0o755, mtime: 1_600_000_000 },
  { name: 'etc/', type: 'dir', mode: 0o755 },
  { name: 'etc/hostname', data: 'glassbox\n', mode: 0o644, paxMtime: '1700000000.123456789' },
  { name: 'etc/empty', data: '', mode: 0o600 },
  { name: 'etc/localtime', type: 'symlink', linkname: '/usr/share/zoneinfo/UTC' },
  { name: 'etc/issue', data: 'added here\n' },
  { name: 'etc/.wh.issue' }, // same layer: the file wins
  { name: 'etc/.wh.motd' }, // hides the lower etc/motd
  { name: 'tmp/', type: 'dir', mode: 0o1777 },
  { name: 'srv/', type: 'dir', mode: 0o2775, uid: 1000, gid: 1000, mtime: 1_650_000_000.5 },
  { name: 'srv/data', data: 'owned\n', mode: 0o640, uid: 1000, gid: 1000 },
  { name: 'bin/', type: 'dir' },
  { name: 'bin/su', data: 'setuid program', mode: 0o4755 },
  { name: 'bin/wall', data: 'setgid program', mode: 0o2755, gid: 5 },
  { name: 'bin/wall-hardlink', type: 'hardlink', linkname: 'bin/wall' },
  { name: 'bin/ping', data: 'needs raw sockets', mode: 0o755, xattrs: { 'security.capability': cap, 'user.origin': 'fixture' } },
  { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
  { name: 'usr/lib/libbig.so', data: big, mode: 0o755 },
  { name: 'home/user/link', type: 'symlink', linkname: '../../etc/hostname', uid: 1000, gid: 1000 },
  { name: 'dev/', type: 'dir' },
  { name: 'dev/null', type: 'char', devMajor: 1, devMinor: 3, mode: 0o666 },
  { name: 'dev/loop0', type: 'block', devMajor: 7, devMinor: 0, mode: 0o660, gid: 6 },
  { name: 'run/initctl', type: 'fifo', mode: 0o600 },
  { name: long, data: 'long name via PAX' },
  { name: gnuLong, data: 'long name via GNU', longNames: 'gnu' },
  { name: 'var/cache/.wh..wh..opq' }, // before its siblings here
  { name: 'var/cache/kept', data: 'same-layer sibling' },
  { name: 'var/lib/', type: 'dir', xattrs: { 'trusted.glassbox': 'dir-xattr' } },
  { name: 'var/lib/x', data: 'x' },
  { name: 'var/lib/.wh..wh..opq' }, // after its siblings here
  { name: 'opt/.wh.app' }, // then opt/app added in the same layer: an opaque directory
  { name: 'opt/app/new', data: 'new app' },
  { name: 'usr/share/', type: 'dir' },
  { name: 'usr/share/.wh.doc' },
  { name: 'usr/share/doc/', type: 'dir' }, // explicit directory after its whiteout: opaque too
  { name: '.wh.gone' },
  { name: '.wh..wh.plnk/123.456', data: 'aufs bookkeeping' },
];

function stat(file: string): fs.BigIntStats {
  return fs.lstatSync(file, { bigint: true });
}

function mode(file: string): number {
  return Number(stat(file).mode) & 0o7777;
}

function xattr(kernel: Kernel, file: string, name: string): Buffer | null {
  try {
    return kernel.getxattr(file, name);
  } catch {
    return null;
  }
}

function checkFixture(kernel: Kernel, root: string, writer: LayerFs['writer']): void {
  const p = (name: string): string => path.join(root, name);
  // Root and directories.
  expect(mode(root)).toBe(0o755);
  expect(mode(p('tmp'))).toBe(0o1777);
  expect(mode(p('srv'))).toBe(0o2775);
  expect(Number(stat(p('srv')).uid)).toBe(1000);
  // Implied directories get 0755 root:root.
  expect(mode(p('usr/lib'))).toBe(0o755);
  expect(Number(stat(p('usr/lib')).uid)).toBe(0);
  // Regular files: content, modes including the special bits, owners.
  expect(fs.readFileSync(p('etc/hostname'), 'utf8')).toBe('glassbox\n');
  expect(fs.readFileSync(p('etc/empty')).length).toBe(0);
  expect(mode(p('etc/empty'))).toBe(0o600);
  expect(mode(p('bin/su'))).toBe(0o4755);
  expect(mode(p('bin/wall'))).toBe(0o2755);
  expect(Number(stat(p('bin/wall')).gid)).toBe(5);
  expect(Number(stat(p('srv/data')).uid)).toBe(1000);
  expect(mode(p('srv/data'))).toBe(0o640);
  expect(fs.readFileSync(p('usr/lib/libbig.so')).equals(big)).toBe(true);
  expect(fs.readFileSync(p(long), 'utf8')).toBe('long name via PAX');
  expect(fs.readFileSync(p(gnuLong), 'utf8')).toBe('long name via GNU');
  // Symlinks keep their targets, absolute or relative, and their owner.
  expect(fs.readlinkSync(p('etc/localtime'))).toBe('/usr/share/zoneinfo/UTC');
  expect(fs.readlinkSync(p('lib'))).toBe('usr/lib');
  expect(Number(stat(p('home/user/link')).uid)).toBe(1000);
  // Devices and fifos.
  const nul = kernel.lstat(p('dev/null'));
  expect(nul).toMatchObject({ type: 'char', rdevMajor: 1, rdevMinor: 3 });
  expect(nul.mode & 0o7777).toBe(0o666);
  expect(kernel.lstat(p('dev/loop0'))).toMatchObject({ type: 'block', rdevMajor: 7, rdevMinor: 0, gid: 6 });
  expect(kernel.lstat(p('run/initctl')).type).toBe('fifo');
  // xattrs, byte for byte; security.capability survives the chown and chmod that came before it.
  expect(xattr(kernel, p('bin/ping'), 'security.capability')).toEqual(cap);
  expect(xattr(kernel, p('bin/ping'), 'user.origin')?.toString()).toBe('fixture');
  expect(xattr(kernel, p('var/lib'), 'trusted.glassbox')?.toString()).toBe('dir-xattr');
  // Whiteouts in overlay form.
  expect(kernel.lstat(p('etc/motd'))).toMatchObject({ type: 'char', rdevMajor: 0, rdevMinor: 0 });
  expect(kernel.lstat(p('gone'))).toMatchObject({ type: 'char', rdevMajor: 0, rdevMinor: 0 });
  expect(fs.readFileSync(p('etc/issue'), 'utf8')).toBe('added here\n');
  expect(fs.existsSync(p('etc/.wh.motd'))).toBe(false);
  for (const dir of ['var/cache', 'var/lib', 'opt/app', 'usr/share/doc']) {
    expect(xattr(kernel, p(dir), 'trusted.overlay.opaque')?.toString(), dir).toBe('y');
  }
  expect(xattr(kernel, p('var'), 'trusted.overlay.opaque')).toBeNull();
  expect(fs.readFileSync(p('var/cache/kept'), 'utf8')).toBe('same-layer sibling');
  expect(fs.readdirSync(p('opt/app'))).toEqual(['new']);
  expect(fs.existsSync(p('.wh..wh.plnk'))).toBe(false);
  if (writer === 'host') {
    // A real hardlink, and mtimes to the nanosecond as far as a double carries them.
    expect(stat(p('bin/wall-hardlink')).ino).toBe(stat(p('bin/wall')).ino);
    expect(Number(stat(p('bin/wall')).nlink)).toBe(2);
    const ns = stat(p('etc/hostname')).mtimeNs;
    expect(Number(ns / 1000n)).toBe(1_700_000_000_123_456);
    expect(stat(root).mtimeNs).toBe(1_600_000_000_000_000_000n);
    expect(stat(p('srv')).mtimeNs).toBe(1_650_000_000_500_000_000n);
    expect(stat(p('etc/localtime')).mtimeNs).toBe(1_700_000_000_000_000_000n);
  } else {
    // The Kernel interface has no link(): the kernel writer copies.
    expect(fs.readFileSync(p('bin/wall-hardlink'), 'utf8')).toBe('setgid program');
    expect(mode(p('bin/wall-hardlink'))).toBe(0o2755);
  }
}

const gate = await realKernelGate();
if (gate.mode !== 'run') {
  describeGateOutcome('unpack layers on the real kernel', gate);
} else {
  const kernel = gate.createKernel();
  describe.each(['host', 'kernel'] as const)('unpack with the %s writer', (writer) => {
    let scratch = '';
    let layerFs: LayerFs;
    beforeAll(() => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-unpack-'));
      layerFs = createLayerFs(kernel, writer);
      expect(layerFs.writer).toBe(writer);
    });
    afterAll(() => {
      fs.rmSync(scratch, { recursive: true, force: true });
      expect(fs.existsSync(scratch)).toBe(false);
    });

    for (const compression of ['gzip', 'zstd', 'none'] as const) {
      it(`extracts every entry type from a ${compression} layer into a directory`, async () => {
        const layer = buildLayer(fixture, { compression });
        const dest = path.join(scratch, `single-${compression}`);
        const result = await unpackLayerToDir(Readable.from([layer.blob]), dest, { diffId: layer.diffId, digest: layer.digest }, { fs: layerFs });
        expect(result).toMatchObject({ dir: dest, compression, diffId: layer.diffId, digest: layer.digest, entries: fixture.length });
        expect(result.counts).toMatchObject({ files: 13, symlinks: 3, hardlinks: 1, devices: 2, fifos: 1, whiteouts: 2, opaques: 4, skipped: 1 });
        checkFixture(kernel, dest, writer);
        // The temp directory beside it is gone.
        expect(fs.readdirSync(scratch).filter((name) => name.includes('unpacking'))).toEqual([]);
      });
    }

    it('stores a layer under its diff_id, private, with a record, and reuses it', async () => {
      const layer = buildLayer(fixture, { compression: 'gzip' });
      const layersDir = path.join(scratch, 'layers');
      let opened = 0;
      const source = { descriptor: layer.descriptor, diffId: layer.diffId, open: () => (opened++, Readable.from([layer.blob])) };
      const first = await applyLayer(source, layersDir, { fs: layerFs });
      const paths = layerPaths(layersDir, layer.diffId);
      expect(first).toMatchObject({ diffId: layer.diffId, dir: paths.diff, reused: false });
      expect(first.info).toMatchObject({ diffId: layer.diffId, digest: layer.digest, compression: 'gzip', entries: fixture.length, impliedDirs: expect.arrayContaining(['usr', 'usr/lib', 'home', 'home/user', 'run']) });
      expect(JSON.parse(fs.readFileSync(paths.info, 'utf8'))).toEqual(first.info);
      checkFixture(kernel, paths.diff, writer);
      expect(mode(path.join(layersDir, 'sha256'))).toBe(0o700);
      expect(mode(paths.root)).toBe(0o700);
      expect(fs.readdirSync(path.join(layersDir, 'sha256'))).toEqual([paths.root.split('/').pop()]);
      const again = await applyLayer(source, layersDir, { fs: layerFs });
      expect(again).toMatchObject({ reused: true, dir: paths.diff });
      expect(opened).toBe(1);
    });

    it('lets two unpacks of the same layer race: one directory, no leftovers', async () => {
      const layer = buildLayer(fixture.slice(0, 12), { compression: 'zstd' });
      const layersDir = path.join(scratch, 'race');
      const source = { descriptor: layer.descriptor, diffId: layer.diffId, open: () => Readable.from([layer.blob]) };
      const results = await Promise.all([applyLayer(source, layersDir, { fs: layerFs }), applyLayer(source, layersDir, { fs: layerFs })]);
      expect(results.map((r) => r.dir)).toEqual([results[0]!.dir, results[0]!.dir]);
      expect(fs.readdirSync(path.join(layersDir, 'sha256'))).toHaveLength(1);
    });
  });
}
