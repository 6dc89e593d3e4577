import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../../errors.js';
import type { Kernel } from '../../kernel/types.js';
import { digestHex } from '../../oci/digest.js';
import { parseReference } from '../../oci/reference.js';
import { readLayoutIndex } from '../../store/index-file.js';
import { defaultStoreRoot, glassboxHome, storePaths } from '../../store/layout.js';
import { findEntries, resolveEntry, type ResolvedImage } from '../../store/read-image.js';
import type { ImageStore } from '../../store/store.js';
import type { Io } from '../output.js';

/**
The image half of `run`: find the image in the store, pull it when it is missing (as docker
run does, with its "Unable to find image" line on stderr; the demo image is built here instead,
so `glassbox run demo` works offline), then unpack its layers into the shared layer store
($GLASSBOX_HOME/layers; a layer already there is reused).

The usual case, an image already stored and unpacked, takes a short road: the store's index is
read without its lock or lease (it is replaced atomically), and the layers are found by their
directories, so neither the registry client nor the unpacker (tar, gzip, zstd) is loaded. The
one check that spans layers (checkLayerStack: no layer writes through a lower layer's symlink)
is a function of the diff_ids alone, so once it passed for a chain (Docker's ChainID) a marker
says so and the short road trusts it.
*/
export interface RunImage {
  image: ResolvedImage;
  /** Layer directories, bottom first. */
  layers: string[];
}

function isDemo(input: string): boolean {
  try {
    const reference = parseReference(input);
    const name = `${reference.domain}/${reference.path}`;
    return (name === 'glassbox.local/demo' || name === 'docker.io/library/demo') && (reference.tag ?? 'latest') === 'latest' && reference.digest === undefined;
  } catch {
    return false;
  }
}

/** Docker's ChainID: the first diff_id, then sha256 of "<chain> <next diff_id>" for each layer above. */
export function chainId(diffIds: readonly string[]): string {
  let chain = diffIds[0] ?? '';
  for (const diffId of diffIds.slice(1)) chain = `sha256:${createHash('sha256').update(`${chain} ${diffId}`).digest('hex')}`;
  return chain;
}

/** unpack's layout (apply-layer.ts layerPaths): `<layers>/sha256/<hex>/{diff,layer.json}`; a unit test keeps them equal. */
export function layerDirs(layersDir: string, diffId: string): { diff: string; info: string } {
  const root = `${layersDir}/sha256/${digestHex(diffId)}`;
  return { diff: `${root}/diff`, info: `${root}/layer.json` };
}

function chainMarker(diffIds: readonly string[]): string {
  return path.join(glassboxHome(), 'containers', '.checked-chains', digestHex(chainId(diffIds)));
}

/** The stored image, read without the store's lock; undefined when absent or ambiguous (the store says which). */
function findStored(input: string): ResolvedImage | undefined {
  const paths = storePaths(defaultStoreRoot());
  if (!fs.existsSync(paths.indexFile)) return undefined;
  const index = readLayoutIndex(paths);
  const entries = findEntries(paths, index, input);
  if (new Set(entries.map((entry) => entry.digest)).size !== 1) return undefined;
  return resolveEntry(paths, index, entries[0]!);
}

function unpackedLayers(image: ResolvedImage, layersDir: string): string[] | undefined {
  const diffIds = image.config.rootfs.diff_ids;
  if (diffIds.length === 0 || diffIds.length !== image.layers.length || !fs.existsSync(chainMarker(diffIds))) return undefined;
  const dirs = diffIds.map((diffId) => layerDirs(layersDir, diffId));
  return dirs.every((dir) => fs.existsSync(dir.info)) ? dirs.map((dir) => dir.diff) : undefined;
}

async function findOrPull(store: ImageStore, input: string, io: Io, quiet: boolean, signal: AbortSignal | undefined): Promise<ResolvedImage> {
  try {
    return store.resolveImage(input);
  } catch (error) {
    if (!GlassboxError.is(error) || error.code !== 'STORE_IMAGE_NOT_FOUND') throw error;
  }
  if (!quiet) io.stderr.write(`Unable to find image '${input}' locally\n`);
  if (isDemo(input)) {
    const { buildDemoImage } = await import('../../demo/build-demo.js');
    const built = await buildDemoImage(store);
    await store.close();
    if (!quiet) io.stderr.write(`built ${built.reference} from this machine's busybox (no network needed)\n`);
    return store.resolveImage(built.reference);
  }
  // Loaded only here: the registry client is the heaviest module, and most runs do not pull.
  const { pullImage } = await import('../../pull/pull-image.js');
  const result = await pullImage(input, store, {
    ...(signal === undefined ? {} : { signal }),
    onEvent: (event) => {
      if (quiet || event.type !== 'layer' || (event.state !== 'done' && event.state !== 'exists')) return;
      io.stderr.write(`${event.digest.slice(7, 19)}: ${event.state === 'done' ? 'Pull complete' : 'Already exists'}\n`);
    },
  });
  if (!quiet) io.stderr.write(`Digest: ${result.manifest.digest}\nStatus: Downloaded newer image for ${result.reference}\n`);
  return store.resolveImage(input);
}

export async function prepareImage(kernel: Kernel, input: string, io: Io, options: { quiet?: boolean; signal?: AbortSignal } = {}): Promise<RunImage> {
  const layersDir = path.join(glassboxHome(), 'layers');
  let stored: ResolvedImage | undefined;
  try {
    stored = findStored(input);
  } catch {
    // A damaged entry: the store, below, reports it the way it reports everything.
  }
  const ready = stored === undefined ? undefined : unpackedLayers(stored, layersDir);
  if (stored !== undefined && ready !== undefined) return { image: stored, layers: ready };

  const [{ openStore }, { createLayerFs, unpackImage }] = await Promise.all([import('../../store/store.js'), import('../../unpack/index.js')]);
  const { store } = await openStore();
  try {
    const image = await findOrPull(store, input, io, options.quiet === true, options.signal);
    const diffIds = image.config.rootfs.diff_ids;
    if (diffIds.length !== image.layers.length) {
      throw new GlassboxError('UNPACK_IMAGE_INVALID', `image ${input} has ${image.layers.length} layers but its config lists ${diffIds.length} diff_ids`, { kind: 'user' });
    }
    const sources = image.layers.map((descriptor, index) => ({
      descriptor,
      diffId: diffIds[index]!,
      open: () => fs.createReadStream(store.blobPath(descriptor.digest), { highWaterMark: 1 << 20 }),
    }));
    // unpackImage checks the stack as a whole (checkLayerStack) before it returns.
    const result = await unpackImage(sources, layersDir, { fs: createLayerFs(kernel), ...(options.signal === undefined ? {} : { signal: options.signal }) });
    if (diffIds.length > 0) {
      const marker = chainMarker(diffIds);
      fs.mkdirSync(path.dirname(marker), { recursive: true, mode: 0o700 });
      fs.writeFileSync(marker, `${diffIds.join('\n')}\n`);
    }
    return { image, layers: result.layers.map((layer) => layer.dir) };
  } finally {
    await store.close();
  }
}
