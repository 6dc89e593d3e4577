import { createReadStream } from 'node:fs';
import { createPace, type Pace } from '../../event-loop-pace.js';
import { shortDigest } from '../../oci/digest.js';
import { createLayerFs, isOpaqueDir, isWhiteout, lookupLowerView, unpackImage, type LayerFs, type LayerResult } from '../../unpack/index.js';
import type { Kernel } from '../../kernel/types.js';
import type { ChangeKind, LayerView, TourContext } from '../types.js';
import { defineAction, planned } from './define.js';
import { kernelScratch, keep, need, peek, type PulledImage, type UnpackedImage } from './state.js';

/**
Each layer blob becomes a directory in overlay form, through the Kernel interface on both
backends (so the real and the simulated traces list the same calls): `.wh.NAME` becomes a 0/0
character device, `.wh..wh..opq` an xattr on its directory. The view then reads each layer back
and says what it did to the layers below it, `docker diff` style.
*/
const MAX_CHANGES = 40;
/** Reading the layers back, the event loop gets a turn after this much work: a key waits at most about this long. */
const PACE_MS = 8;

export const layersUnpack = defineAction<Record<string, never>>({
  name: 'layers.unpack',
  summary: { en: 'unpack each layer into its own directory, whiteouts in overlay form', ko: '레이어마다 디렉터리 하나로 풀기(화이트아웃은 overlay 형식)' },
  args: {},
  facts: ['layers', 'whiteouts', 'opaqueDirs', 'entries', 'deleted'],
  views: ['layers'],
  // Owners (lchown to 0), whiteout devices and trusted.* xattrs need root on the real kernel.
  requires: () => ['root'],
  plan: () => [
    planned('node', 'mkdir', ['<layers>/sha256/<diff_id>/diff'], { en: 'one directory per layer, named by its diff_id', ko: '레이어마다 diff_id 이름의 디렉터리 하나' }),
    planned('node', 'writeFile / symlink / mkdir', ['<each entry of the tar>']),
    planned('node', 'mknod', ['<dir>/NAME', 'S_IFCHR', '0', '0'], { en: '.wh.NAME → a whiteout device', ko: '.wh.NAME → 화이트아웃 장치 파일' }),
    planned('node', 'setxattr', ['<dir>', 'trusted.overlay.opaque', 'y'], { en: '.wh..wh..opq → an opaque directory', ko: '.wh..wh..opq → 불투명(opaque) 디렉터리' }),
  ],
  async run(_args, ctx) {
    const { store, image } = need(ctx, 'image');
    const unpacked = peek(ctx, 'layers') ?? (await unpackInto(ctx, store, image));
    const view = await layerView(ctx.kernel, image.names[0] ?? shortDigest(image.id), unpacked.layers, image.layers, image.config.history ?? []);
    const sum = (key: 'added' | 'changed' | 'deleted'): number => view.layers.reduce((total, layer) => total + layer.counts[key], 0);
    const deleted = view.layers.flatMap((layer) => layer.changes.filter((c) => c.change === 'D').map((c) => c.path));
    return {
      view,
      facts: {
        layers: unpacked.layers.length,
        whiteouts: unpacked.layers.reduce((total, layer) => total + layer.info.counts.whiteouts, 0),
        opaqueDirs: unpacked.layers.reduce((total, layer) => total + layer.info.counts.opaques, 0),
        entries: sum('added') + sum('changed') + sum('deleted'),
        deleted: deleted.join(' '),
      },
    };
  },
});

async function unpackInto(ctx: TourContext, store: PulledImage['store'], image: PulledImage['image']): Promise<UnpackedImage> {
  const layersDir = `${kernelScratch(ctx)}/layers`;
  const fs = createLayerFs(ctx.kernel, 'kernel');
  const sources = image.layers.map((descriptor, index) => ({
    descriptor,
    diffId: image.config.rootfs.diff_ids[index]!,
    open: () => createReadStream(store.blobPath(descriptor.digest), { highWaterMark: 1 << 20 }),
  }));
  // One layer at a time: the order of the calls is then the same on every run and backend.
  const result = await unpackImage(sources, layersDir, { fs, signal: ctx.signal, concurrency: 1 });
  const unpacked = { layersDir, layers: result.layers };
  keep(ctx, 'layers', unpacked);
  return unpacked;
}

async function layerView(
  kernel: Kernel,
  name: string,
  layers: LayerResult[],
  descriptors: ReadonlyArray<{ digest: string; size: number }>,
  history: ReadonlyArray<{ created_by?: string; empty_layer?: boolean }>,
): Promise<LayerView> {
  const withLayer = history.filter((entry) => entry.empty_layer !== true);
  const pace = createPace(PACE_MS);
  const fs = createLayerFs(kernel, 'kernel');
  const views: LayerView['layers'] = [];
  for (const [index, layer] of layers.entries()) {
    const below = layers.slice(0, index).map((l) => l.dir).reverse();
    const changes = await listChanges(kernel, fs, layer.dir, below, pace);
    const createdBy = withLayer[index]?.created_by;
    views.push({
      digest: descriptors[index]?.digest ?? layer.info.digest,
      size: descriptors[index]?.size ?? layer.info.compressedBytes,
      ...(createdBy === undefined ? {} : { createdBy }),
      changes: changes.slice(0, MAX_CHANGES),
      counts: {
        added: changes.filter((c) => c.change === 'A').length,
        changed: changes.filter((c) => c.change === 'C').length,
        deleted: changes.filter((c) => c.change === 'D').length,
      },
    });
  }
  return { kind: 'layers', image: name, layers: views };
}

/** What one layer does to the layers below it, `docker diff` style, in name order. */
async function listChanges(kernel: Kernel, fs: LayerFs, dir: string, below: string[], pace: Pace): Promise<Array<{ path: string; change: ChangeKind }>> {
  const changes: Array<{ path: string; change: ChangeKind }> = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of kernel.readdir(rel === '' ? dir : `${dir}/${rel}`).sort()) {
      await pace.turn();
      const path = rel === '' ? entry : `${rel}/${entry}`;
      const stat = kernel.lstat(`${dir}/${path}`);
      if (isWhiteout(stat)) {
        changes.push({ path: `/${path}`, change: 'D' });
        continue;
      }
      const inLower = below.length > 0 && lookupLowerView(fs, below, path) !== null;
      const opaque = stat.type === 'dir' && isOpaqueDir(fs, `${dir}/${path}`);
      // A directory that only holds changes is not itself a change, unless it replaces the one below.
      if (stat.type !== 'dir' || !inLower || opaque) changes.push({ path: `/${path}${opaque ? '/ (opaque)' : ''}`, change: inLower ? 'C' : 'A' });
      if (stat.type === 'dir') await walk(path);
    }
  };
  await walk('');
  return changes;
}
