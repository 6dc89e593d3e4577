import { Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import type { LayerCompression } from '../oci/media-types.js';
import { refuse } from './refusal.js';
import { ZstdFrameSplitter, type FramePiece } from './zstd-frames.js';

/**
Compression is read from the first bytes, never trusted from the media type (a registry or a
mirror may serve a different encoding, and a hostile one will). gzip and plain tar always work;
zstd needs a Node with zlib zstd (22.15 and later); bzip2 and xz are named and refused.
*/
export function detectCompression(head: Uint8Array): LayerCompression {
  const b = (i: number): number => head[i] ?? -1;
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  // A stream may start with a skippable frame (magic 0x184D2A50 to 0x184D2A5F, little-endian).
  if ((b(0) & 0xf0) === 0x50 && b(1) === 0x2a && b(2) === 0x4d && b(3) === 0x18) return 'zstd';
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) throw refuse('UNPACK_COMPRESSION', 'bzip2-compressed layers are not supported');
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a) {
    throw refuse('UNPACK_COMPRESSION', 'xz-compressed layers are not supported');
  }
  return 'none';
}

export function zstdAvailable(): boolean {
  return typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';
}

/** Uncompressed output chunks: 1 MiB measured ~20% faster than 128 KiB (fewer trips through the pipeline per byte). */
const CHUNK = 1024 * 1024;

export interface Decompression {
  output: AsyncIterable<Buffer>;
  /** After `output` ended: compressed bytes the decoder used (the rest was trailing data). */
  consumed(): number | null;
}

export function decompress(compression: LayerCompression, input: AsyncIterable<Buffer>): Decompression {
  if (compression === 'none') return { output: input, consumed: () => null };
  if (compression === 'gzip') {
    const gunzip = zlib.createGunzip({ chunkSize: CHUNK });
    pipeline(Readable.from(input, { objectMode: false }), gunzip, () => undefined);
    return { output: renameErrors(gunzip, 'gzip'), consumed: () => gunzip.bytesWritten };
  }
  if (!zstdAvailable()) {
    throw refuse('UNPACK_COMPRESSION', `this Node (${process.version}) has no zstd in node:zlib: zstd layers need Node 22.15 or later`);
  }
  return { output: decompressZstd(input), consumed: () => null };
}

/** zlib's `incorrect header check` becomes a refusal that says which stream was bad. */
async function* renameErrors(stream: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  try {
    yield* stream;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('Z_') || code.startsWith('ZSTD_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED') {
      throw refuse('UNPACK_COMPRESSION', `${what} stream is corrupt or truncated: ${(error as Error).message}`, error);
    }
    throw error;
  }
}

/** One fresh decompressor per zstd frame; see zstd-frames.ts for why. */
async function* decompressZstd(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const splitter = new ZstdFrameSplitter();
  const source = input[Symbol.asyncIterator]();
  let queue: FramePiece[] = [];
  let ended = false;
  const nextPiece = async (): Promise<FramePiece | null> => {
    while (queue.length === 0) {
      if (ended) return null;
      const result = await source.next();
      if (result.done === true) {
        ended = true;
        splitter.finish();
        return null;
      }
      queue = splitter.push(result.value);
    }
    return queue.shift()!;
  };
  try {
    for (;;) {
      const first = await nextPiece();
      if (first === null) return;
      if (first.skippable) continue;
      async function* frame(): AsyncGenerator<Buffer> {
        let piece: FramePiece | null = first;
        while (piece !== null) {
          yield piece.bytes;
          if (piece.frameEnd) return;
          piece = await nextPiece();
        }
      }
      const decoder = (zlib as unknown as { createZstdDecompress(options: object): zlib.Gunzip }).createZstdDecompress({ chunkSize: CHUNK });
      pipeline(Readable.from(frame(), { objectMode: false }), decoder, () => undefined);
      yield* renameErrors(decoder, 'zstd');
    }
  } finally {
    await source.return?.();
  }
}
