import { shortDigest } from '../oci/digest.js';
import { applyLayer, type LayerResult, type LayerSource, type UnpackOptions } from './apply-layer.js';
import type { LayerFs } from './layer-fs.js';
import { lookupLowerView } from './lower-view.js';
import { quoteName, refuse } from './refusal.js';

export interface UnpackImageOptions extends UnpackOptions {
  /**
  Layers unpacked at once (default 4). Files are written from the main thread and zlib runs on
  libuv's pool, so a few layers in flight keep the pool busy even on two CPUs.
  */
  concurrency?: number;
}

export interface UnpackImageResult {
  /** In image order, bottom first, like the config's rootfs.diff_ids. */
  layers: LayerResult[];
  ms: number;
}

/**
Unpacks every layer of an image (bottom first, as the manifest lists them) into the layer store,
several at a time, then checks the stack as a whole. When one layer fails, no new one starts, the
ones under way finish or clean up, and the first failure is thrown: nothing half-made remains.
*/
export async function unpackImage(sources: readonly LayerSource[], layersDir: string, options: UnpackImageOptions): Promise<UnpackImageResult> {
  const started = performance.now();
  const limit = Math.max(1, options.concurrency ?? 4);
  // An image may list one layer twice (empty layers often repeat): unpack each diff_id once.
  const unique = [...new Map(sources.map((source) => [source.diffId, source])).values()];
  const done = new Map<string, LayerResult>();
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < unique.length) {
      const source = unique[next++]!;
      try {
        done.set(source.diffId, await applyLayer(source, layersDir, options));
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, unique.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  const results = sources.map((source) => done.get(source.diffId)!);
  checkLayerStack(options.fs, results);
  return { layers: results, ms: performance.now() - started };
}

/**
The one check that needs the layers below: a layer that writes `evil/x` without an entry for `evil`
itself, over a lower layer where `evil` is a symlink. Applied to one directory (docker export,
umoci, the OCI spec's own description) the write would go through the symlink; overlayfs instead
shows this layer's `evil` as a plain directory and hides the link. Either way the image is not what
it claims to be, and following the link could leave the root filesystem: refused.
*/
export function checkLayerStack(fs: Pick<LayerFs, 'kernel' | 'lstat'>, layers: readonly LayerResult[]): void {
  for (let i = 1; i < layers.length; i++) {
    const layer = layers[i]!;
    if (layer.info.impliedDirs.length === 0) continue;
    const below = layers.slice(0, i).map((l) => l.dir).reverse();
    for (const dir of layer.info.impliedDirs) {
      const hit = lookupLowerView(fs, below, dir);
      if (hit?.type !== 'symlink') continue;
      const lower = layers[i - 1 - hit.layer]!;
      throw refuse(
        'UNPACK_LOWER_SYMLINK',
        `layer ${shortDigest(layer.diffId)}: entries below ${quoteName(dir)} would be written through the symlink ${quoteName(dir)} → ${quoteName(hit.target ?? '')} of layer ${shortDigest(lower.diffId)}`,
      );
    }
  }
}
