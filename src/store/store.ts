import fs from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { shortDigest, validateDigest } from '../oci/digest.js';
import type { BeginOptions, BlobSink, ImageRecord } from '../pull/blob-sink.js';
import { FileBlobWriter, type ExpectedBlob } from './blob-writer.js';
import { blobSize, hasBlob, missingBlob } from './blobs.js';
import { sweepUnreferenced, type GcResult } from './gc.js';
import { emptyIndex, readLayoutIndex, writeLayoutIndex, type LayoutIndex } from './index-file.js';
import { blobPath, defaultStoreRoot, IMAGE_LAYOUT_VERSION, storePaths, type StorePaths } from './layout.js';
import { acquireLease, type Lease } from './leases.js';
import { withLock } from './lock.js';
import { findEntries, readManifestBlob, resolveEntry, type ResolvedImage } from './read-image.js';
import { removeImageRefs, type ImageUsers, type RemoveImageResult } from './remove-image.js';
import { layoutEntryFor } from './oci-entry.js';
import { putRef, recordToEntry } from './refs.js';
import { fsyncDir, isAbandoned, removeAbandoned, writeFileAtomic } from './temp-files.js';

/**
The image store: an OCI image layout plus the rules that keep it valid while several
glassbox processes use it at once (see README.md). It is the BlobSink a pull writes into.
*/
export interface StoreOptions {
  /** The layout directory; default `defaultStoreRoot()` ($GLASSBOX_HOME/images, ...). */
  root?: string;
  /** How long to wait for another process holding the store lock; default 30 s. */
  lockTimeoutMs?: number;
  /** Who uses an image (containers, later); `rmi` refuses while the list is not empty. */
  imageUsers?: ImageUsers;
}

export interface OpenStoreResult {
  store: ImageStore;
  /** Temp files and leases of dead writers removed while opening. */
  cleaned: string[];
}

export interface ListedImage {
  entry: Descriptor;
  image?: ResolvedImage;
  error?: GlassboxError;
}

export class ImageStore implements BlobSink {
  readonly paths: StorePaths;
  #lease: Lease | undefined;
  #leasing: Promise<Lease> | undefined;

  constructor(readonly options: StoreOptions & { root: string }) {
    this.paths = storePaths(options.root);
  }

  get root(): string {
    return this.paths.root;
  }

  // BlobSink ---------------------------------------------------------------------------------

  async has(digest: string): Promise<boolean> {
    await this.#holdLease();
    return hasBlob(this.paths, digest);
  }

  async begin(descriptor: Descriptor, options: BeginOptions = {}): Promise<FileBlobWriter> {
    await this.#holdLease();
    return FileBlobWriter.open(this.paths, {
      digest: descriptor.digest,
      size: descriptor.size,
      ...(options.callerVerifies ? { verifiedByCaller: true } : {}),
    });
  }

  /** Names a pulled image; every blob it needs must be stored. Ends this store's lease. */
  async setRef(image: ImageRecord): Promise<void> {
    this.#checkComplete(image.manifest);
    if (image.index !== undefined && !hasBlob(this.paths, image.index.digest)) throw missingBlob(image.index.digest, 'index');
    const entry = await layoutEntryFor(this, image.manifest);
    await this.#locked(() => putRef(this.paths, recordToEntry(image, entry)));
    this.releaseLease();
  }

  // Writing whole blobs ----------------------------------------------------------------------

  /** Starts a blob whose digest is learnt from its bytes (or checked against `expected`). */
  async beginBlob(expected: ExpectedBlob = {}): Promise<FileBlobWriter> {
    await this.#holdLease();
    return FileBlobWriter.open(this.paths, expected);
  }

  /** Stores bytes held in memory (a manifest, a config) and returns their descriptor. */
  async putBlob(bytes: Uint8Array, mediaType: string): Promise<Descriptor> {
    const writer = await this.beginBlob({ size: bytes.byteLength });
    try {
      await writer.write(bytes);
      await writer.commit();
    } finally {
      await writer.abort();
    }
    return { mediaType, digest: writer.digest!, size: bytes.byteLength };
  }

  // Reading ----------------------------------------------------------------------------------

  readIndex(): LayoutIndex {
    return readLayoutIndex(this.paths);
  }

  hasBlob(digest: string): boolean {
    return hasBlob(this.paths, digest);
  }

  blobSize(digest: string): number | undefined {
    return blobSize(this.paths, digest);
  }

  /** The path of a committed blob (for streaming it); throws when the digest is invalid. */
  blobPath(digest: string): string {
    return blobPath(this.paths, validateDigest(digest));
  }

  /** Resolves what the user typed (`busybox`, `ghcr.io/o/r:1`, `name@sha256:…`, an ID prefix). */
  resolveImage(input: string): ResolvedImage {
    const index = this.readIndex();
    const entries = findEntries(this.paths, index, input);
    if (entries.length === 0) throw imageNotFound(input);
    const digests = new Set(entries.map((entry) => entry.digest));
    if (digests.size > 1) {
      throw new GlassboxError('STORE_IMAGE_AMBIGUOUS', `${JSON.stringify(input)} matches ${digests.size} images`, {
        kind: 'user',
        hint: 'give more digits of the image ID, or the full reference',
      });
    }
    return resolveEntry(this.paths, index, entries[0]!);
  }

  /** Every image in index.json, resolved; entries that cannot be read come with their error. */
  listImages(): ListedImage[] {
    const index = this.readIndex();
    return index.manifests.map((entry) => {
      try {
        return { entry, image: resolveEntry(this.paths, index, entry) };
      } catch (error) {
        return { entry, error: GlassboxError.is(error) ? error : new GlassboxError('GB_INTERNAL', String(error)) };
      }
    });
  }

  // Removing ---------------------------------------------------------------------------------

  /** `rmi`: removes the names, then the blobs no other image uses. */
  async removeImage(input: string, options: { force?: boolean } = {}): Promise<RemoveImageResult> {
    const users = this.options.imageUsers ?? (() => []);
    return this.#locked(async () => {
      const result = await removeImageRefs(this.paths, input, users, options);
      result.gc = sweepUnreferenced(this.paths, this.#lease?.file);
      return result;
    });
  }

  async collectGarbage(): Promise<GcResult> {
    return this.#locked(() => sweepUnreferenced(this.paths, this.#lease?.file));
  }

  /** Ends the lease if one is held; the store stays usable. */
  releaseLease(): void {
    this.#lease?.release();
    this.#lease = undefined;
    this.#leasing = undefined;
  }

  async close(): Promise<void> {
    if (this.#leasing !== undefined) await this.#leasing.catch(() => undefined);
    this.releaseLease();
  }

  async #holdLease(): Promise<void> {
    this.#leasing ??= acquireLease(this.paths).then((lease) => (this.#lease = lease));
    await this.#leasing;
  }

  #locked<T>(body: () => Promise<T> | T): Promise<T> {
    return withLock(this.paths.lockFile, body, this.options.lockTimeoutMs === undefined ? {} : { timeoutMs: this.options.lockTimeoutMs });
  }

  #checkComplete(manifest: Descriptor): void {
    const doc = readManifestBlob(this.paths, manifest);
    const needed = doc.kind === 'manifest' ? [doc.manifest.config, ...doc.manifest.layers] : [];
    for (const blob of needed) {
      if (!hasBlob(this.paths, blob.digest)) throw missingBlob(blob.digest, `blob of ${shortDigest(manifest.digest)}`);
    }
  }
}

export function imageNotFound(input: string): GlassboxError {
  return new GlassboxError('STORE_IMAGE_NOT_FOUND', `no such image: ${input}`, {
    kind: 'user',
    hint: 'list the stored images with: glassbox images',
  });
}

/** Opens (and on first use creates) the store; removes what crashed writers left behind. */
export async function openStore(options: StoreOptions = {}): Promise<OpenStoreResult> {
  const root = options.root ?? defaultStoreRoot();
  const store = new ImageStore({ ...options, root });
  const { paths } = store;
  for (const dir of [paths.root, paths.sha256Dir, paths.tmpDir, paths.leasesDir]) fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(paths.layoutFile)) {
    writeFileAtomic(paths.layoutFile, `${JSON.stringify({ imageLayoutVersion: IMAGE_LAYOUT_VERSION })}\n`);
  }
  if (!fs.existsSync(paths.indexFile)) {
    await withLock(paths.lockFile, () => {
      if (!fs.existsSync(paths.indexFile)) writeLayoutIndex(paths, emptyIndex());
    });
  }
  const cleaned = [
    ...removeAbandoned(paths.tmpDir),
    ...removeAbandoned(paths.leasesDir),
    ...removeAbandonedLockTemps(paths),
    ...removeAbandonedRootTemps(paths),
  ];
  fsyncDir(paths.root);
  return { store, cleaned };
}

// writeFileAtomic writes `.index.json.<temp name>` (or `.oci-layout.…`) beside the file it replaces. Only
// those two names: the root is the layout others read, and nothing else of ours is written there.
function removeAbandonedRootTemps(paths: StorePaths): string[] {
  const prefixes = [paths.indexFile, paths.layoutFile].map((file) => `.${path.basename(file)}.`);
  const removed: string[] = [];
  for (const name of fs.readdirSync(paths.root)) {
    if (!prefixes.some((prefix) => name.startsWith(prefix)) || !isAbandoned(name)) continue;
    fs.rmSync(path.join(paths.root, name), { force: true });
    removed.push(name);
  }
  return removed;
}

// acquireLock writes `lock.<pid>.<nonce>` before linking it; a crash in between leaves one.
function removeAbandonedLockTemps(paths: StorePaths): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(paths.privateDir)) {
    const match = /^lock(?:\.break)?\.(\d+)\.[0-9a-f]+$/.exec(name);
    if (match === null) continue;
    try {
      process.kill(Number(match[1]), 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        fs.rmSync(`${paths.privateDir}/${name}`, { force: true });
        removed.push(name);
      }
    }
  }
  return removed;
}
