import fs from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../../errors.js';
import type { Kernel } from '../../kernel/types.js';
import { parseReference } from '../../oci/reference.js';
import { glassboxHome } from '../../store/layout.js';
import type { ResolvedImage } from '../../store/read-image.js';
import { openStore, type ImageStore } from '../../store/store.js';
import { createLayerFs, unpackImage } from '../../unpack/index.js';
import type { Io } from '../output.js';

/**
The image half of `run`: find the image in the store, pull it when it is missing (as docker
run does, with its "Unable to find image" line on stderr; the demo image is built here instead,
so `glassbox run demo` works offline), then unpack its layers into the shared layer store
($GLASSBOX_HOME/layers; a layer already there is reused).
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

async function findOrPull(store: ImageStore, input: string, io: Io, quiet: boolean): Promise<ResolvedImage> {
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
  const { pullImage } = await import('../../pull/index.js');
  const result = await pullImage(input, store, {
    onEvent: (event) => {
      if (quiet || event.type !== 'layer' || (event.state !== 'done' && event.state !== 'exists')) return;
      io.stderr.write(`${event.digest.slice(7, 19)}: ${event.state === 'done' ? 'Pull complete' : 'Already exists'}\n`);
    },
  });
  if (!quiet) io.stderr.write(`Digest: ${result.manifest.digest}\nStatus: Downloaded newer image for ${result.reference}\n`);
  return store.resolveImage(input);
}

export async function prepareImage(kernel: Kernel, input: string, io: Io, options: { quiet?: boolean } = {}): Promise<RunImage> {
  const { store } = await openStore();
  try {
    const image = await findOrPull(store, input, io, options.quiet === true);
    const diffIds = image.config.rootfs.diff_ids;
    if (diffIds.length !== image.layers.length) {
      throw new GlassboxError('UNPACK_IMAGE_INVALID', `image ${input} has ${image.layers.length} layers but its config lists ${diffIds.length} diff_ids`, { kind: 'user' });
    }
    const layersDir = path.join(glassboxHome(), 'layers');
    const sources = image.layers.map((descriptor, index) => ({
      descriptor,
      diffId: diffIds[index]!,
      open: () => fs.createReadStream(store.blobPath(descriptor.digest), { highWaterMark: 1 << 20 }),
    }));
    const result = await unpackImage(sources, layersDir, { fs: createLayerFs(kernel) });
    return { image, layers: result.layers.map((layer) => layer.dir) };
  } finally {
    await store.close();
  }
}
