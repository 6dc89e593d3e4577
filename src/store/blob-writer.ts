import fs from 'node:fs';
import path from 'node:path';
import { createHash, type Hash } from 'node:crypto';
import { GlassboxError } from '../errors.js';
import { digestHex, shortDigest } from '../oci/digest.js';
import type { BlobWriter } from '../pull/blob-sink.js';
import { blobPath, type StorePaths } from './layout.js';
import { tempName } from './temp-files.js';

/**
One blob on its way into the store: bytes go to `.glassbox/tmp/<name>` and through a
sha256 hash as they are written; `commit()` checks digest and size, fsyncs, then renames
into `blobs/sha256/<hex>`. Until then the blob is invisible to every reader, and an abort,
a crash or Ctrl-C leaves only a temp file that the next openStore removes.

A pull hashes every byte itself while streaming (it must, to resume and to refuse a bad
blob with the network's error): for it the writer skips its own hash (`verifiedByCaller`),
which was a second sha256 over every layer, and still enforces the size.
*/
export interface ExpectedBlob {
  /** undefined when the digest is learnt from the bytes (docker-save layers named by path) */
  digest?: string;
  size?: number;
  /**
  The caller hashes every byte and commits only when they match `digest` and `size`
  (BlobSink's contract, kept by fetchBlob): the writer does not hash again. Needs both.
  */
  verifiedByCaller?: boolean;
}

/** Network chunks (16-64 KiB) are gathered and written with one writev(2) per ~1 MiB. */
const BATCH_BYTES = 1024 * 1024;

export class FileBlobWriter implements BlobWriter {
  #written = 0;
  /** bytes in the file; `written` minus what waits in the batch */
  #flushedBytes = 0;
  /** chunks not yet written, held by reference (the caller does not reuse them) */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** undefined when the caller verifies (ExpectedBlob.verifiedByCaller) */
  #hash: Hash | undefined;
  /** the batch being written while the next one fills (its failure is reported by the next call) */
  #inflight: Promise<void> | undefined;
  #handle: fs.promises.FileHandle | undefined;
  #state: 'open' | 'committed' | 'aborted' = 'open';
  #digest: string | undefined;

  private constructor(
    private readonly paths: StorePaths,
    private readonly expected: ExpectedBlob,
    private readonly temp: string,
    handle: fs.promises.FileHandle,
  ) {
    this.#handle = handle;
    this.#hash = expected.verifiedByCaller ? undefined : createHash('sha256');
  }

  static async open(paths: StorePaths, expected: ExpectedBlob): Promise<FileBlobWriter> {
    // Checked first: the digest becomes a file name on commit.
    if (expected.digest !== undefined) digestHex(expected.digest);
    if (expected.verifiedByCaller && (expected.digest === undefined || expected.size === undefined)) {
      throw new GlassboxError('STORE_WRITER_UNVERIFIED', 'a blob verified by its caller needs a declared digest and size', { kind: 'bug' });
    }
    const temp = path.join(paths.tmpDir, tempName());
    const handle = await fs.promises.open(temp, 'wx', 0o644);
    return new FileBlobWriter(paths, expected, temp, handle);
  }

  get written(): number {
    return this.#written;
  }

  /** The digest of what was committed (the expected one, or the computed one). */
  get digest(): string | undefined {
    return this.#digest;
  }

  /** Takes the chunk at once (undefined), or returns the wait for the batch before it (BlobWriter). */
  write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.#state !== 'open' || this.#handle === undefined) return Promise.reject(this.#closed());
    if (this.expected.size !== undefined && this.#written + chunk.byteLength > this.expected.size) {
      return this.#refuse(`more than the declared ${this.expected.size} bytes`);
    }
    this.#hash?.update(chunk);
    this.#written += chunk.byteLength;
    // Network chunks are small (16-64 KiB): one writev(2) per ~1 MiB saves most of the system
    // calls and thread-pool round trips, and, unlike a batch buffer, copies nothing.
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.byteLength;
    // No promise until a batch is full: a pull writes ~1,600 chunks per 100 MB, and a promise
    // per chunk is main-thread time in which no socket is read.
    if (this.#pendingBytes < BATCH_BYTES) return undefined;
    return this.#startBatch();
  }

  /**
  One batch on its way to the disk while the next fills: the caller keeps reading the socket
  instead of waiting for each write (and for the event loop to hear of it). Backpressure: never
  more than two batches held.
  */
  async #startBatch(): Promise<void> {
    await this.#settle();
    this.#inflight = this.#flush();
    this.#inflight.catch(() => undefined);
  }

  async #refuse(why: string): Promise<never> {
    await this.abort();
    throw this.#mismatch(why);
  }

  /** Waits for the batch in flight; its error, if any, is thrown here. */
  async #settle(): Promise<void> {
    const inflight = this.#inflight;
    this.#inflight = undefined;
    await inflight;
  }

  async reset(): Promise<void> {
    await this.#settle();
    await this.#openHandle().truncate(0);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#flushedBytes = 0;
    if (this.#hash !== undefined) this.#hash = createHash('sha256');
    this.#written = 0;
  }

  async #flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const chunks = this.#pending;
    const bytes = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    const handle = this.#openHandle();
    let { bytesWritten } = await handle.writev(chunks, this.#flushedBytes);
    // A short writev (a full disk, a signal) leaves the rest: write it at its offset.
    for (let skip = bytesWritten, i = 0; bytesWritten < bytes; i++) {
      const chunk = chunks[i]!;
      if (skip >= chunk.byteLength) {
        skip -= chunk.byteLength;
        continue;
      }
      let offset = skip;
      skip = 0;
      while (offset < chunk.byteLength) {
        const result = await handle.write(chunk, offset, chunk.byteLength - offset, this.#flushedBytes + bytesWritten);
        offset += result.bytesWritten;
        bytesWritten += result.bytesWritten;
      }
    }
    this.#flushedBytes += bytes;
  }

  async commit(): Promise<void> {
    await this.#settle();
    await this.#flush();
    const handle = this.#openHandle();
    const actual = this.#hash === undefined ? this.expected.digest! : `sha256:${this.#hash.digest('hex')}`;
    if (this.expected.size !== undefined && this.#written !== this.expected.size) {
      await this.abort();
      throw this.#mismatch(`${this.#written} bytes, but ${this.expected.size} were declared`);
    }
    if (this.expected.digest !== undefined && actual !== this.expected.digest) {
      await this.abort();
      throw this.#mismatch(`the content hashes to ${actual}`);
    }
    // Data must be on disk before the name that promises it is (rename is atomic, not durable).
    await handle.sync();
    await handle.close();
    this.#handle = undefined;
    const target = blobPath(this.paths, actual);
    // Another pull may have committed the same digest meanwhile: same bytes, and rename
    // replaces atomically, so readers see one complete file either way. The directory is
    // not fsynced here but once before index.json names anything (writeLayoutIndex): a crash
    // may lose the new name, never show a name with less than the whole file behind it.
    await fs.promises.rename(this.temp, target);
    this.#state = 'committed';
    this.#digest = actual;
  }

  async abort(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    const handle = this.#handle;
    this.#handle = undefined;
    await this.#inflight?.catch(() => undefined);
    this.#inflight = undefined;
    await handle?.close().catch(() => undefined);
    await fs.promises.rm(this.temp, { force: true });
  }

  #openHandle(): fs.promises.FileHandle {
    if (this.#state !== 'open' || this.#handle === undefined) throw this.#closed();
    return this.#handle;
  }

  #closed(): GlassboxError {
    return new GlassboxError('STORE_WRITER_CLOSED', `blob writer for ${this.expected.digest ?? 'a new blob'} is already ${this.#state}`, {
      kind: 'bug',
    });
  }

  #mismatch(detail: string): GlassboxError {
    const name = this.expected.digest === undefined ? 'blob' : `blob ${shortDigest(this.expected.digest)}`;
    return new GlassboxError('STORE_DIGEST_MISMATCH', `refusing ${name}: ${detail}`, {
      kind: 'environment',
      hint: 'the source sent different bytes than it promised: nothing was stored; try again',
    });
  }
}
