// Unpack and rootfs on the simulated kernel (no root needed): layers are written through the Kernel
// into the simulation's own filesystem, so device nodes, owners and xattrs are recorded there; the
// overlay mount is the simulation's. The real-kernel versions are in test/integration/.
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { GlassboxError } from '../../src/errors.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import type { Kernel } from '../../src/kernel/types.js';
import { subscribeCalls, type KernelCallEvent } from '../../src/kernel/trace.js';
import { applyOverlay, diffUpper, formatChanges, prepareRootfs, teardownOverlay } from '../../src/rootfs/index.js';
import { applyLayer, createLayerFs, ensurePrivateDir, unpackImage, type LayerFs } from '../../src/unpack/index.js';
import { buildLayer, capabilityXattr, type EntrySpec } from '../helpers/layer-builder.js';

function source(entries: EntrySpec[]) {
  const layer = buildLayer(entries, { compression: 'zstd' });
  return { descriptor: layer.descriptor, diffId: layer.diffId, open: () => Readable.from([layer.blob]) };
}

/** Every node below `root` as the simulated kernel sees it. */
function snapshot(kernel: Kernel, root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of kernel.readdir(dir).sort()) {
      const full = `${dir}/${name}`;
      const st = kernel.lstat(full);
      const detail = st.type === 'file' ? kernel.readFile(full) : st.type === 'symlink' ? kernel.readlink(full) : '';
      const xattrs = kernel.listxattr(full).sort().join(',');
      out.set(full, `${st.mode} ${st.uid}:${st.gid} ${st.rdevMajor}:${st.rdevMinor} ${detail} ${xattrs}`);
      if (st.type === 'dir') walk(full);
    }
  };
  walk(root);
  return out;
}

describe('unpack and rootfs on the simulated kernel', () => {
  let kernel: Kernel;
  let layerFs: LayerFs;
  const layersDir = '/var/lib/glassbox/layers';

  beforeEach(() => {
    kernel = createSimKernel();
    layerFs = createLayerFs(kernel);
  });

  it('writes through the Kernel: devices, owners, modes and xattrs are recorded and traced', async () => {
    const cap = capabilityXattr(7, 13);
    const calls: KernelCallEvent[] = [];
    const stop = subscribeCalls((event) => calls.push(event));
    try {
      const result = await applyLayer(
        source([
          { name: 'dev/null', type: 'char', devMajor: 1, devMinor: 3, mode: 0o666 },
          { name: 'bin/su', data: 'su', mode: 0o4755 },
          { name: 'bin/ping', data: 'ping', xattrs: { 'security.capability': cap } },
          { name: 'home/u/f', data: 'f', uid: 1000, gid: 1000, mode: 0o600 },
          { name: 'bin/su-link', type: 'hardlink', linkname: 'bin/su' },
          { name: 'etc/.wh.motd' },
          { name: 'var/.wh..wh..opq' },
        ]),
        layersDir,
        { fs: layerFs },
      );
      const d = result.dir;
      expect(layerFs.writer).toBe('kernel');
      expect(kernel.lstat(`${d}/dev/null`)).toMatchObject({ type: 'char', rdevMajor: 1, rdevMinor: 3 });
      expect(kernel.lstat(`${d}/dev/null`).mode & 0o7777).toBe(0o666);
      expect(kernel.lstat(`${d}/bin/su`).mode & 0o7777).toBe(0o4755);
      expect(kernel.getxattr(`${d}/bin/ping`, 'security.capability')).toEqual(cap);
      expect(kernel.lstat(`${d}/home/u/f`)).toMatchObject({ uid: 1000, gid: 1000 });
      expect(kernel.readFile(`${d}/bin/su-link`)).toBe('su');
      expect(kernel.lstat(`${d}/etc/motd`)).toMatchObject({ type: 'char', rdevMajor: 0, rdevMinor: 0 });
      expect(kernel.getxattr(`${d}/var`, 'trusted.overlay.opaque').toString()).toBe('y');
      // Extraction ran in the temp directory that was renamed into place afterwards.
      expect(calls.filter((c) => c.call === 'mknod').map((c) => String(c.args.path))).toEqual([
        expect.stringMatching(/\/\.unpacking-[^/]+\/diff\/dev\/null$/),
        expect.stringMatching(/\/diff\/etc\/motd$/),
      ]);
      expect(calls.some((c) => c.call === 'lsetxattr' && c.args.name === 'security.capability')).toBe(true);
      expect(calls.some((c) => c.call === 'lchown' && c.args.uid === 1000)).toBe(true);
      expect(calls.every((c) => c.backend === 'sim')).toBe(true);
    } finally {
      stop();
    }
  });

  it('refuses escapes and leaves the simulated filesystem as it was', async () => {
    ensurePrivateDir(layerFs, `${layersDir}/sha256`);
    kernel.mkdir('/srv/outside');
    kernel.writeFile('/srv/outside/target', 'precious');
    const attacks: [EntrySpec[], string][] = [
      [[{ name: 'evil', type: 'symlink', linkname: '/srv/outside' }, { name: 'evil/pwned', data: 'x' }], 'UNPACK_THROUGH_SYMLINK'],
      [[{ name: 'link', type: 'hardlink', linkname: '../../../../../../srv/outside/target' }], 'UNPACK_HARDLINK_UNSAFE'],
      [[{ name: 'evil', type: 'symlink', linkname: '/srv/outside' }, { name: 'evil/.wh.target' }], 'UNPACK_THROUGH_SYMLINK'],
      [[{ name: 'x', type: 'char', devMajor: 0, devMinor: 0 }], 'UNPACK_SMUGGLED_WHITEOUT'],
      [[{ name: '/srv/outside/pwned', data: 'x' }], 'UNPACK_PATH_UNSAFE'],
    ];
    for (const [entries, code] of attacks) {
      const before = snapshot(kernel, '/srv');
      const error = await applyLayer(source(entries), layersDir, { fs: layerFs }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(GlassboxError.is(error) && error.code).toBe(code);
      expect(snapshot(kernel, '/srv')).toEqual(before);
      // No partial layer and no temp directory in the store.
      expect(kernel.readdir(`${layersDir}/sha256`)).toEqual([]);
    }
  });

  it('stops on abort between chunks and leaves no partial layer', async () => {
    const layer = buildLayer(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, data: Buffer.alloc(10_000, i) })), { compression: 'none' });
    const abort = new AbortController();
    async function* slowly(): AsyncGenerator<Buffer> {
      for (let i = 0; i < layer.blob.length; i += 64 * 1024) {
        yield layer.blob.subarray(i, i + 64 * 1024);
        abort.abort(new Error('interrupted by the test'));
      }
    }
    const source = { descriptor: layer.descriptor, diffId: layer.diffId, open: () => slowly() };
    await expect(applyLayer(source, layersDir, { fs: layerFs, signal: abort.signal })).rejects.toThrow(/interrupted by the test/);
    expect(kernel.readdir(`${layersDir}/sha256`)).toEqual([]);
  });

  it('unpacks a layer listed twice once, and stacks it where the image says', async () => {
    const a = source([{ name: 'a', data: 'a' }]);
    const b = source([{ name: 'b', data: 'b' }]);
    let opened = 0;
    const counted = { ...a, open: () => (opened++, a.open()) };
    const image = await unpackImage([counted, b, counted], layersDir, { fs: layerFs });
    expect(opened).toBe(1);
    expect(image.layers.map((l) => l.diffId)).toEqual([a.diffId, b.diffId, a.diffId]);
    expect(image.layers[0]!.dir).toBe(image.layers[2]!.dir);
  });

  it('mounts an image of 128 layers, copies up, whites out and diffs, then leaves nothing', async () => {
    const sources = Array.from({ length: 128 }, (_, i) => source([{ name: 'shared', data: `layer ${i}` }, { name: `only/${i}`, data: `${i}` }, ...(i === 1 ? [{ name: 'only/.wh.0' }] : [])]));
    const image = await unpackImage(sources, layersDir, { fs: layerFs });
    kernel.mkdir('/var/lib/glassbox/containers');
    const { plan } = prepareRootfs(kernel, { layers: image.layers.map((l) => l.dir), containerDir: '/var/lib/glassbox/containers/c1' });
    expect(plan.lowerForm).toBe('links');
    applyOverlay(kernel, plan);
    try {
      expect(kernel.readFile(`${plan.merged}/shared`)).toBe('layer 127');
      expect(kernel.readdir(`${plan.merged}/only`)).toHaveLength(127);
      kernel.writeFile(`${plan.merged}/shared`, 'changed');
      kernel.unlink(`${plan.merged}/only/5`);
      expect(kernel.readFile(`${plan.upper}/shared`)).toBe('changed');
      expect(formatChanges(diffUpper(kernel, plan.upper, plan.lowers))).toEqual(['C /only', 'D /only/5', 'C /shared']);
    } finally {
      teardownOverlay(kernel, plan);
    }
    expect(kernel.readdir('/var/lib/glassbox/containers')).toEqual([]);
    expect(kernel.readFile('/proc/self/mountinfo')).not.toContain('/containers/c1');
  });
});
