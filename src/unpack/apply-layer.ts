import { GlassboxError, withContext } from '../errors.js';
import { digestHex, shortDigest, validateDigest } from '../oci/digest.js';
import { glassboxVersion } from '../version.js';
import { LayerExtractor, type ExtractCounts } from './extract-layer.js';
import type { LayerFs } from './layer-fs.js';
import { readLayerStream, type LayerExpectation, type LayerStreamResult } from './layer-stream.js';
import { resolveLimits, type UnpackLimits } from './limits.js';
import { checkLayerStoreFs } from './storage-fs.js';

/**
The unpack stage: one layer blob in, one verified layer directory out. A layer is extracted into a
fresh private temp directory beside its final place and renamed there only after every check
passed (digest, size, diff_id, every entry), so a failure leaves nothing behind, and a reader never
sees half a layer. Two processes unpacking the same layer race harmlessly: the first rename wins,
the second finds the layer there and drops its own copy.

Layer store layout, keyed by diff_id (the uncompressed content, so gzip and zstd copies of one layer
share it):

  <layersDir>/sha256/<hex>/diff/        the layer in overlay form: an overlay lowerdir
  <layersDir>/sha256/<hex>/layer.json   what was unpacked: digests, counts, implied directories

`<layersDir>/sha256` and each `<hex>` are 0700: a layer holds setuid binaries and device nodes,
which other users must not reach through it.
*/
export interface LayerSource {
  /** The blob's descriptor from the manifest: digest and size are checked while reading. */
  descriptor?: { digest: string; size: number; mediaType?: string };
  /** The layer's diff_id from the image config (rootfs.diff_ids): the key of the layer directory. */
  diffId: string;
  /** Opens the blob: a Readable, or any async iterable of bytes. */
  open(): AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;
}

export interface UnpackOptions {
  fs: LayerFs;
  limits?: Partial<UnpackLimits>;
  /** Aborts between chunks (Ctrl-C); the partial layer is removed as for any failure. */
  signal?: AbortSignal;
}

export interface ExtractResult extends LayerStreamResult {
  /** The directory that now holds the layer's files. */
  dir: string;
  counts: ExtractCounts;
  impliedDirs: string[];
  ms: number;
}

export interface LayerInfo {
  schemaVersion: 1;
  diffId: string;
  digest: string;
  mediaType?: string;
  compression: LayerStreamResult['compression'];
  compressedBytes: number;
  bytes: number;
  entries: number;
  counts: ExtractCounts;
  impliedDirs: string[];
  unpackedAt: string;
  unpackedBy: string;
}

export interface LayerResult {
  diffId: string;
  /** `<layersDir>/sha256/<hex>/diff`: what overlay mounts as a lower. */
  dir: string;
  info: LayerInfo;
  /** True when the layer was already unpacked (by this image or another). */
  reused: boolean;
  ms: number;
}

export function layerPaths(layersDir: string, diffId: string): { root: string; diff: string; info: string } {
  const root = `${layersDir}/sha256/${digestHex(diffId)}`;
  return { root, diff: `${root}/diff`, info: `${root}/layer.json` };
}

/** The layer's record, or null when it is not unpacked. */
export function readLayerInfo(fs: LayerFs, layersDir: string, diffId: string): LayerInfo | null {
  const text = fs.readText(layerPaths(layersDir, diffId).info);
  return text === null ? null : (JSON.parse(text) as LayerInfo);
}

/** Streams a layer into `root` (an existing empty directory); the core shared by the two entry points below. */
export async function extractInto(
  fs: LayerFs,
  root: string,
  source: AsyncIterable<Uint8Array>,
  expect: LayerExpectation,
  limits: UnpackLimits,
  signal?: AbortSignal,
): Promise<Omit<ExtractResult, 'ms'>> {
  const rootStat = fs.lstat(root);
  if (rootStat === null || rootStat.type !== 'dir') throw new GlassboxError('UNPACK_TARGET', `${root} is not a directory`, { kind: 'bug' });
  const extractor = new LayerExtractor(fs, root, limits, { uid: rootStat.uid, gid: rootStat.gid });
  const stream = await readLayerStream(source, extractor, expect, limits, signal);
  const summary = extractor.finish();
  return { ...stream, dir: root, ...summary };
}

/**
Unpacks one layer into `dir`, which must not exist yet (`glassbox unpack --layer`, tests).
Without `expect.diffId` nothing checks the content: the result says which diff_id it had.
*/
export async function unpackLayerToDir(
  source: AsyncIterable<Uint8Array>,
  dir: string,
  expect: LayerExpectation,
  options: UnpackOptions,
): Promise<ExtractResult> {
  const { fs } = options;
  const started = performance.now();
  if (fs.lstat(dir) !== null) {
    throw new GlassboxError('UNPACK_TARGET_EXISTS', `${dir} already exists`, { kind: 'user', hint: 'unpack into a new directory' });
  }
  const slash = dir.lastIndexOf('/');
  const temp = fs.makeTempDir(`${dir.slice(0, slash)}/.${dir.slice(slash + 1)}.unpacking-`);
  try {
    const result = await extractInto(fs, temp, source, expect, resolveLimits(options.limits), options.signal);
    fs.rename(temp, dir);
    return { ...result, dir, ms: performance.now() - started };
  } catch (error) {
    fs.removeTree(temp);
    throw error;
  }
}

/**
Unpacks a layer into the layer store, or finds it already there. Errors say which layer:
`unpacking layer sha256:ab12cd34ef56: entry "../x": …`.
*/
export async function applyLayer(source: LayerSource, layersDir: string, options: UnpackOptions): Promise<LayerResult> {
  const { fs } = options;
  const started = performance.now();
  const diffId = validateDigest(source.diffId, 'diff_id');
  const paths = layerPaths(layersDir, diffId);
  const existing = readLayerInfo(fs, layersDir, diffId);
  if (existing !== null) return { diffId, dir: paths.diff, info: existing, reused: true, ms: performance.now() - started };

  checkLayerStoreFs(fs.kernel, layersDir);
  ensurePrivateDir(fs, layersDir);
  ensurePrivateDir(fs, `${layersDir}/sha256`);
  const temp = fs.makeTempDir(`${layersDir}/sha256/.unpacking-${digestHex(diffId).slice(0, 12)}-`);
  try {
    fs.mkdir(`${temp}/diff`, 0o755);
    const expect: LayerExpectation = { diffId };
    if (source.descriptor !== undefined) {
      expect.digest = validateDigest(source.descriptor.digest, 'layer digest');
      expect.size = source.descriptor.size;
    }
    options.signal?.throwIfAborted();
    const result = await extractInto(fs, `${temp}/diff`, await source.open(), expect, resolveLimits(options.limits), options.signal);
    const info: LayerInfo = {
      schemaVersion: 1,
      diffId,
      digest: result.digest,
      ...(source.descriptor?.mediaType === undefined ? {} : { mediaType: source.descriptor.mediaType }),
      compression: result.compression,
      compressedBytes: result.compressedBytes,
      bytes: result.bytes,
      entries: result.entries,
      counts: result.counts,
      impliedDirs: result.impliedDirs,
      unpackedAt: new Date().toISOString(),
      unpackedBy: `glassbox ${glassboxVersion()} (${fs.writer} writer, ${fs.kernel.label.toLowerCase()} kernel)`,
    };
    fs.writeText(`${temp}/layer.json`, `${JSON.stringify(info, null, 2)}\n`);
    if (!renameUnlessPresent(fs, temp, paths.root)) {
      // Another unpack of the same layer finished first: same verified content, keep theirs.
      fs.removeTree(temp);
      const theirs = readLayerInfo(fs, layersDir, diffId);
      if (theirs !== null) return { diffId, dir: paths.diff, info: theirs, reused: true, ms: performance.now() - started };
    }
    return { diffId, dir: paths.diff, info, reused: false, ms: performance.now() - started };
  } catch (error) {
    fs.removeTree(temp);
    throw withContext(`unpacking layer ${shortDigest(diffId)}`, error);
  }
}

/** rename(2) of a directory onto an existing non-empty one fails (ENOTEMPTY or EEXIST): that is the lost race. */
function renameUnlessPresent(fs: LayerFs, from: string, to: string): boolean {
  try {
    fs.rename(from, to);
    return true;
  } catch (error) {
    const errno = (error as { errnoName?: string }).errnoName;
    if ((errno === 'ENOTEMPTY' || errno === 'EEXIST') && fs.lstat(to) !== null) return false;
    throw error;
  }
}

/** Creates `dir` (and missing parents) as 0700; an existing directory is left as it is. */
export function ensurePrivateDir(fs: LayerFs, dir: string): void {
  const stat = fs.lstat(dir);
  if (stat?.type === 'dir') return;
  if (stat !== null) throw new GlassboxError('UNPACK_STORE', `${dir} exists and is not a directory`, { kind: 'user' });
  const parent = dir.slice(0, dir.lastIndexOf('/'));
  if (parent !== '') ensurePrivateDir(fs, parent);
  fs.mkdir(dir, 0o700);
}
