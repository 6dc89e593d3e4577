import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readLayerStream, type LayerExpectation } from '../../src/unpack/layer-stream.js';
import { detectCompression } from '../../src/unpack/compression.js';
import { ZstdFrameSplitter } from '../../src/unpack/zstd-frames.js';
import { DEFAULT_LIMITS, resolveLimits, type UnpackLimits } from '../../src/unpack/limits.js';
import { GlassboxError } from '../../src/errors.js';
import { buildLayer, buildTar, sha256, type EntrySpec } from '../helpers/layer-builder.js';

const entries: EntrySpec[] = [
  { name: 'etc/', type: 'dir' },
  { name: 'etc/os-release', data: 'NAME=glassbox\n' },
  { name: 'data', data: Buffer.alloc(300_000, 0x41) },
];

/** The blob, cut into chunks of `chunk` bytes as a network or a file would deliver it. */
async function* chunks(blob: Buffer, chunk = 65_536): AsyncGenerator<Buffer> {
  for (let i = 0; i < blob.length; i += chunk) yield blob.subarray(i, i + chunk);
}

async function read(blob: Buffer, expect: LayerExpectation = {}, limits: UnpackLimits = DEFAULT_LIMITS, chunk?: number) {
  const names: string[] = [];
  let bytes = 0;
  const result = await readLayerStream(
    chunks(blob, chunk),
    { entry: (entry) => (names.push(entry.name), { write: (data) => void (bytes += data.length), end: () => undefined }) },
    expect,
    limits,
  );
  return { result, names, bytes };
}

async function refusal(promise: Promise<unknown>): Promise<GlassboxError> {
  try {
    await promise;
  } catch (error) {
    if (GlassboxError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

function skippableFrame(data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x184d2a5e, 0);
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data]);
}

describe('layer stream', () => {
  for (const compression of ['none', 'gzip', 'zstd'] as const) {
    it(`reads a ${compression} layer and verifies digest, size and diff_id`, async () => {
      const layer = buildLayer(entries, { compression });
      const { result, names, bytes } = await read(layer.blob, { digest: layer.digest, size: layer.blob.length, diffId: layer.diffId });
      expect(result).toMatchObject({ compression, digest: layer.digest, diffId: layer.diffId, bytes: layer.tar.length, compressedBytes: layer.blob.length, entries: 3 });
      expect(names).toEqual(['etc/', 'etc/os-release', 'data']);
      expect(bytes).toBe(14 + 300_000);
    });
  }

  it('detects compression from the bytes, not the name', () => {
    expect(detectCompression(zlib.gzipSync('x'))).toBe('gzip');
    expect(detectCompression(zlib.zstdCompressSync('x'))).toBe('zstd');
    expect(detectCompression(skippableFrame(Buffer.from('x')))).toBe('zstd');
    expect(detectCompression(buildTar([]))).toBe('none');
    expect(() => detectCompression(Buffer.from('BZh91AY'))).toThrow(/bzip2/);
    expect(() => detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]))).toThrow(/xz/);
  });

  it('reads multi-frame zstd with skippable frames, whatever the chunking', async () => {
    const tar = buildTar(entries);
    const third = Math.floor(tar.length / 3);
    const blob = Buffer.concat([
      skippableFrame(Buffer.from('zstd:chunked manifest lives here')),
      zlib.zstdCompressSync(tar.subarray(0, third)),
      zlib.zstdCompressSync(tar.subarray(third, 2 * third)),
      skippableFrame(Buffer.alloc(0)),
      zlib.zstdCompressSync(tar.subarray(2 * third), { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } }),
    ]);
    for (const chunk of [1, 3, 4096, blob.length]) {
      const { result, names } = await read(blob, { diffId: sha256(tar) }, DEFAULT_LIMITS, chunk);
      expect(result.diffId).toBe(sha256(tar));
      expect(names).toHaveLength(3);
    }
  });

  it('splits zstd frames exactly at their ends', () => {
    const a = zlib.zstdCompressSync(Buffer.alloc(1000, 1));
    const b = zlib.zstdCompressSync(Buffer.alloc(1000, 2));
    const splitter = new ZstdFrameSplitter();
    const pieces = splitter.push(Buffer.concat([a, b]));
    expect(pieces.map((p) => [p.bytes.length, p.frameEnd])).toEqual([[a.length, true], [b.length, true]]);
    splitter.finish();
  });

  it('refuses truncated and trailing zstd and gzip', async () => {
    const zstd = buildLayer(entries, { compression: 'zstd' }).blob;
    expect((await refusal(read(zstd.subarray(0, zstd.length - 5)))).message).toMatch(/zstd stream truncated/);
    expect((await refusal(read(Buffer.concat([zstd, Buffer.from('garbage')])))).message).toMatch(/trailing data after the zstd stream/);
    const gzip = buildLayer(entries, { compression: 'gzip' }).blob;
    expect((await refusal(read(gzip.subarray(0, gzip.length - 5)))).message).toMatch(/gzip stream is corrupt or truncated/);
    expect((await refusal(read(Buffer.concat([gzip, Buffer.from('garbage')])))).code).toBe('UNPACK_COMPRESSION');
    // Zeros after a gzip member are skipped by zlib without a word; glassbox counts what zlib used.
    expect((await refusal(read(Buffer.concat([gzip, Buffer.alloc(64)])))).message).toMatch(/trailing data after the gzip stream: 64 bytes/);
  });

  it('reads concatenated gzip members as one stream', async () => {
    const tar = buildTar(entries);
    const half = 10 * 512;
    const blob = Buffer.concat([zlib.gzipSync(tar.subarray(0, half)), zlib.gzipSync(tar.subarray(half))]);
    expect((await read(blob, { diffId: sha256(tar) })).names).toHaveLength(3);
  });

  it('names digest, size and diff_id mismatches', async () => {
    const layer = buildLayer(entries);
    const other = buildLayer([{ name: 'other', data: 'x' }]);
    expect((await refusal(read(layer.blob, { digest: other.digest }))).code).toBe('UNPACK_DIGEST_MISMATCH');
    expect((await refusal(read(layer.blob, { size: layer.blob.length - 1 }))).message).toMatch(/longer than/);
    expect((await refusal(read(layer.blob, { size: layer.blob.length + 1 }))).message).toMatch(/truncated\?/);
    const lie = await refusal(read(layer.blob, { digest: layer.digest, diffId: other.diffId }));
    expect(lie.code).toBe('UNPACK_DIFF_ID_MISMATCH');
    expect(lie.message).toContain(layer.diffId);
  });

  it('stops a decompression bomb at the expansion ratio, before it is all out', async () => {
    // 64 MiB of zeros in one file: gzip makes that about 64 KiB (ratio ~1000).
    const tar = buildTar([{ name: 'zeros', data: Buffer.alloc(64 * 1024 * 1024) }]);
    const blob = zlib.gzipSync(tar, { level: 9 });
    const limits = resolveLimits({ ratioFloorBytes: 1024 * 1024 });
    let written = 0;
    const error = await refusal(
      readLayerStream(chunks(blob, 4096), { entry: () => ({ write: (d) => void (written += d.length), end: () => undefined }) }, {}, limits),
    );
    expect(error.code).toBe('UNPACK_LIMIT');
    expect(error.message).toMatch(/expands more than 200×/);
    expect(written).toBeLessThan(tar.length / 2);
    expect((await refusal(read(blob, {}, resolveLimits({ maxTotalBytes: 10 * 1024 * 1024 })))).message).toMatch(/maxTotalBytes/);
  });

  it('refuses an empty stream', async () => {
    expect((await refusal(read(Buffer.alloc(0)))).message).toMatch(/without an end-of-archive marker/);
  });
});

describe('readLayerStream and the event loop', () => {
  it('gives the event loop a turn while a layer of many small entries is written', async () => {
    // 300 entries that each take ~0.5 ms to write (as into the simulated kernel): ~150 ms of
    // work. Without a turn between chunks, a timer waits for all of it.
    const many: EntrySpec[] = Array.from({ length: 300 }, (_, i) => ({ name: `bin/applet-${i}`, data: `#${i}\n` }));
    const blob = zlib.gzipSync(buildTar(many));
    let last = performance.now();
    let longest = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    const busy = (): void => {
      const until = performance.now() + 0.5;
      while (performance.now() < until);
    };
    try {
      last = performance.now();
      const result = await readLayerStream(chunks(blob), { entry: () => (busy(), { write: () => undefined, end: () => undefined }) }, {}, DEFAULT_LIMITS);
      expect(result.entries).toBe(300);
    } finally {
      clearInterval(timer);
    }
    expect(longest).toBeLessThan(75);
  });
});
