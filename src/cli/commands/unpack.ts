import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import type { Kernel } from '../../kernel/types.js';
import { shortDigest, validateDigest } from '../../oci/digest.js';
import { formatPlan, planOverlay } from '../../rootfs/index.js';
import { glassboxHome } from '../../store/layout.js';
import { openStore } from '../../store/store.js';
import { createLayerFs, resolveLimits, unpackImage, unpackLayerToDir, type ExtractCounts, type LayerResult, type UnpackLimits } from '../../unpack/index.js';
import { createKernel, probeRealBackend } from '../backend.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';

/**
`glassbox unpack IMAGE [LAYERS_DIR]`: every layer of a stored image into the layer store (default
$GLASSBOX_HOME/layers), one directory per layer in overlay form, and the overlay mount they make.
`glassbox unpack --layer BLOB DIR [--diff-id sha256:…] [--digest sha256:…]`: one layer blob (tar,
tar.gz, tar.zst) into a new directory.
Limits: --max-entries N, --max-bytes N (uncompressed), --max-ratio N (expansion).

On the simulated kernel the layers land in the simulation's own filesystem (the output says so):
nothing is written to the host.
*/
export interface UnpackCommandDeps {
  kernel?: Kernel;
  openStore?: typeof openStore;
  /** SIGINT source; default: the process. */
  signals?: Pick<NodeJS.Process, 'once' | 'removeListener'>;
}

const USAGE_HINT = 'glassbox unpack busybox   or   glassbox unpack --layer layer.tar.gz ./out';

function usage(message: string): GlassboxError {
  return new GlassboxError('CLI_USAGE', message, { kind: 'user', hint: USAGE_HINT });
}

function parseCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0) throw usage(`${flag} must be a positive whole number, not ${JSON.stringify(value)}`);
  return number;
}

async function chooseKernel(options: GlobalOptions): Promise<Kernel> {
  if (options.kernel !== 'auto') return createKernel(options.kernel);
  return createKernel((await probeRealBackend()).ok ? 'real' : 'sim');
}

export async function runUnpack(options: GlobalOptions, args: string[], io: Io, deps: UnpackCommandDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      layer: { type: 'boolean', default: false },
      'diff-id': { type: 'string' },
      digest: { type: 'string' },
      'max-entries': { type: 'string' },
      'max-bytes': { type: 'string' },
      'max-ratio': { type: 'string' },
      json: { type: 'boolean' },
      plain: { type: 'boolean' },
      lang: { type: 'string' },
      kernel: { type: 'string' },
    },
  });
  const limits: Partial<UnpackLimits> = {};
  const maxEntries = parseCount(values['max-entries'], '--max-entries');
  const maxBytes = parseCount(values['max-bytes'], '--max-bytes');
  const maxRatio = parseCount(values['max-ratio'], '--max-ratio');
  if (maxEntries !== undefined) limits.maxEntries = maxEntries;
  if (maxBytes !== undefined) limits.maxTotalBytes = maxBytes;
  if (maxRatio !== undefined) limits.maxExpansionRatio = maxRatio;
  resolveLimits(limits);
  const json = options.json || values.json === true;

  if (values.layer) {
    if (positionals.length !== 2) throw usage('unpack --layer takes a layer blob and a new directory');
    if (values['diff-id'] !== undefined) validateDigest(values['diff-id'], '--diff-id');
    if (values.digest !== undefined) validateDigest(values.digest, '--digest');
  } else {
    if (values['diff-id'] !== undefined || values.digest !== undefined) throw usage('--diff-id and --digest go with --layer');
    if (positionals.length < 1 || positionals.length > 2) throw usage('unpack takes an image and, optionally, a layer store directory');
  }
  const kernel = deps.kernel ?? (await chooseKernel(options));
  // Ctrl-C stops between chunks; the layer being written is removed like any failed one.
  const abort = new AbortController();
  const signals = deps.signals ?? process;
  const onInterrupt = (): void => abort.abort(new GlassboxError('UNPACK_INTERRUPTED', 'unpack interrupted', { kind: 'user' }));
  signals.once('SIGINT', onInterrupt);
  try {
    if (values.layer) {
      return await unpackOneLayer(kernel, positionals[0]!, positionals[1]!, { diffId: values['diff-id'], digest: values.digest, limits, json, signal: abort.signal }, io);
    }
    return await unpackStoredImage(kernel, positionals[0]!, positionals[1], { limits, json, signal: abort.signal }, io, deps);
  } finally {
    signals.removeListener('SIGINT', onInterrupt);
  }
}

async function unpackOneLayer(
  kernel: Kernel,
  blob: string,
  dest: string,
  options: { diffId: string | undefined; digest: string | undefined; limits: Partial<UnpackLimits>; json: boolean; signal: AbortSignal },
  io: Io,
): Promise<number> {
  const file = path.resolve(blob);
  const dir = path.resolve(dest);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    throw new GlassboxError('CLI_FILE', `cannot read ${file}: ${(error as Error).message}`, { kind: 'user', cause: error });
  }
  const expect = {
    ...(options.diffId === undefined ? {} : { diffId: options.diffId }),
    ...(options.digest === undefined ? {} : { digest: options.digest, size }),
  };
  const result = await unpackLayerToDir(fs.createReadStream(file, { highWaterMark: 1 << 20 }), dir, expect, { fs: createLayerFs(kernel), limits: options.limits, signal: options.signal });
  if (options.json) {
    printJson(io, { kernel: kernel.label, blob: file, ...result, verified: { diffId: options.diffId !== undefined, digest: options.digest !== undefined } });
    return 0;
  }
  printLines(io, [
    `unpacked ${blob} into ${dir} [${kernel.label} kernel]`,
    `  ${result.compression}, ${formatBytes(result.compressedBytes)} → ${formatBytes(result.bytes)}, ${result.entries} entries in ${Math.round(result.ms)} ms`,
    `  ${formatCounts(result.counts)}`,
    `  digest  ${result.digest}${options.digest === undefined ? ' (not checked: give --digest)' : ' (checked)'}`,
    `  diff_id ${result.diffId}${options.diffId === undefined ? ' (not checked: give --diff-id)' : ' (checked)'}`,
    ...(kernel.backend === 'sim' ? ['  (in the simulated kernel\'s filesystem: nothing was written to this machine)'] : []),
  ]);
  return 0;
}

async function unpackStoredImage(
  kernel: Kernel,
  input: string,
  layersDirArg: string | undefined,
  options: { limits: Partial<UnpackLimits>; json: boolean; signal: AbortSignal },
  io: Io,
  deps: UnpackCommandDeps,
): Promise<number> {
  const { store } = await (deps.openStore ?? openStore)();
  const image = store.resolveImage(input);
  const diffIds = image.config.rootfs.diff_ids;
  if (diffIds.length !== image.layers.length) {
    throw new GlassboxError('UNPACK_IMAGE_INVALID', `image ${input} has ${image.layers.length} layers but its config lists ${diffIds.length} diff_ids`, { kind: 'user' });
  }
  const layersDir = path.resolve(layersDirArg ?? path.join(glassboxHome(), 'layers'));
  const sources = image.layers.map((descriptor, index) => ({
    descriptor,
    diffId: diffIds[index]!,
    open: () => fs.createReadStream(store.blobPath(descriptor.digest), { highWaterMark: 1 << 20 }),
  }));
  const result = await unpackImage(sources, layersDir, { fs: createLayerFs(kernel), limits: options.limits, signal: options.signal });
  const plan = planOverlay({ layers: result.layers.map((layer) => layer.dir), containerDir: '/run/glassbox/CONTAINER' });
  if (options.json) {
    printJson(io, { kernel: kernel.label, image: { input, id: image.id, names: image.names }, layersDir, layers: result.layers, overlay: plan });
    return 0;
  }
  printLines(io, [
    `unpacking ${input} (${shortDigest(image.id)}) into ${layersDir} [${kernel.label} kernel]`,
    ...result.layers.flatMap((layer, index) => formatLayer(layer, index, result.layers.length)),
    `${result.layers.length} layers in ${Math.round(result.ms)} ms`,
    '',
    'the overlay mount a container of this image gets (CONTAINER is its directory):',
    ...formatPlan(plan).map((line) => `  ${line}`),
    ...(kernel.backend === 'sim' ? ['', '(in the simulated kernel\'s filesystem: nothing was written to this machine)'] : []),
  ]);
  return 0;
}

function formatLayer(layer: LayerResult, index: number, total: number): string[] {
  const info = layer.info;
  const state = layer.reused ? 'already unpacked' : `${info.compression}, ${formatBytes(info.compressedBytes)} → ${formatBytes(info.bytes)} in ${Math.round(layer.ms)} ms`;
  return [`  layer ${index + 1}/${total} ${shortDigest(layer.diffId)}  ${state}`, `    ${formatCounts(info.counts)}`, `    ${layer.dir}`];
}

function formatCounts(counts: ExtractCounts): string {
  const parts = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${count} ${name}`);
  return parts.length === 0 ? 'empty layer' : parts.join(', ');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit += 1;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
