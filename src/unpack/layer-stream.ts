import { createHash } from 'node:crypto';
import type { LayerCompression } from '../oci/media-types.js';
import { createPace } from '../event-loop-pace.js';
import { decompress, detectCompression } from './compression.js';
import type { UnpackLimits } from './limits.js';
import { refuse } from './refusal.js';
import { TarReader, type TarVisitor } from './tar-reader.js';

/**
The byte side of unpacking: blob bytes → (digest, size) → decompress → (diff_id, limits) → tar
reader. Everything streams: memory stays flat whatever the layer size. The checks at the end
come in the order that names the real problem first: the blob (digest, size), then its framing
(trailing data), then the uncompressed content (diff_id).
*/
export interface LayerExpectation {
  /** The blob's digest from the manifest; checked when given. */
  digest?: string;
  /** The blob's size from the manifest; checked when given. */
  size?: number;
  /** The uncompressed stream's sha256 from the config's rootfs.diff_ids; checked when given. */
  diffId?: string;
}

export interface LayerStreamResult {
  compression: LayerCompression;
  compressedBytes: number;
  /** Uncompressed tar bytes. */
  bytes: number;
  digest: string;
  diffId: string;
  entries: number;
}

/** The longest stretch of tar entries written before the event loop gets a turn. */
const SLICE_MS = 8;

export async function readLayerStream(
  source: AsyncIterable<Uint8Array>,
  visitor: TarVisitor,
  expect: LayerExpectation,
  limits: UnpackLimits,
  signal?: AbortSignal,
): Promise<LayerStreamResult> {
  const blobHash = createHash('sha256');
  let compressedBytes = 0;
  async function* blob(): AsyncGenerator<Buffer> {
    for await (const piece of source) {
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      compressedBytes += chunk.length;
      if (expect.size !== undefined && compressedBytes > expect.size) {
        throw refuse('UNPACK_DIGEST_MISMATCH', `layer blob is longer than the ${expect.size} bytes its descriptor says`);
      }
      blobHash.update(chunk);
      yield chunk;
    }
  }

  const { head, rest } = await peek(blob(), 6);
  const compression = head.length === 0 ? 'none' : detectCompression(head);
  const { output, consumed } = decompress(compression, rest);

  // A plain layer's digest is its diff_id: hash it once.
  const tarHash = compression === 'none' ? null : createHash('sha256');
  const reader = new TarReader(visitor, limits);
  let bytes = 0;
  const pace = createPace(SLICE_MS);
  for await (const chunk of output) {
    // Ctrl-C: stop between chunks; the caller removes what was written.
    signal?.throwIfAborted();
    bytes += chunk.length;
    checkExpansion(bytes, compressedBytes, compression, limits);
    tarHash?.update(chunk);
    // A chunk of many small entries (a busybox and its hundreds of links, written into the
    // simulated kernel) could hold the event loop for tens of ms, and buffered chunks follow as
    // microtasks: the tour's keys and frames would wait. So the tar reader stops at an entry
    // boundary after a few ms of work, and the loop gets a turn before it goes on.
    let at = 0;
    while (at < chunk.length) {
      at += reader.feed(at === 0 ? chunk : chunk.subarray(at), pace.deadline());
      await pace.turn();
    }
  }
  reader.finish();

  const digest = `sha256:${blobHash.digest('hex')}`;
  if (expect.size !== undefined && compressedBytes !== expect.size) {
    throw refuse('UNPACK_DIGEST_MISMATCH', `layer blob has ${compressedBytes} bytes, its descriptor says ${expect.size} (truncated?)`);
  }
  if (expect.digest !== undefined && digest !== expect.digest) {
    throw refuse('UNPACK_DIGEST_MISMATCH', `layer blob digest is ${digest}, the manifest says ${expect.digest}`);
  }
  const used = consumed();
  if (used !== null && used < compressedBytes) {
    throw refuse('UNPACK_COMPRESSION', `trailing data after the ${compression} stream: ${compressedBytes - used} bytes at byte ${used}`);
  }
  const diffId = tarHash === null ? digest : `sha256:${tarHash.digest('hex')}`;
  if (expect.diffId !== undefined && diffId !== expect.diffId) {
    throw refuse('UNPACK_DIFF_ID_MISMATCH', `uncompressed layer is ${diffId}, the image config says ${expect.diffId}`);
  }
  return { compression, compressedBytes, bytes, digest, diffId, entries: reader.entryCount };
}

function checkExpansion(bytes: number, compressedBytes: number, compression: LayerCompression, limits: UnpackLimits): void {
  if (bytes > limits.maxTotalBytes) {
    throw refuse('UNPACK_LIMIT', `layer expands past ${limits.maxTotalBytes} bytes (maxTotalBytes)`);
  }
  if (compression !== 'none' && bytes > limits.ratioFloorBytes && bytes > compressedBytes * limits.maxExpansionRatio) {
    throw refuse(
      'UNPACK_LIMIT',
      `layer expands more than ${limits.maxExpansionRatio}× (${bytes} bytes from ${compressedBytes}): a decompression bomb?`,
    );
  }
}

/** Reads at least `size` bytes (or all there is) and gives back a stream that starts with them again. */
async function peek(source: AsyncGenerator<Buffer>, size: number): Promise<{ head: Buffer; rest: AsyncGenerator<Buffer> }> {
  const taken: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const next = await source.next();
    if (next.done === true) break;
    taken.push(next.value);
    length += next.value.length;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield* taken;
      yield* source;
    } finally {
      await source.return(undefined);
    }
  }
  return { head: Buffer.concat(taken), rest: rest() };
}
