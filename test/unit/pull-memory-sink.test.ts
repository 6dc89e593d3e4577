import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../src/pull/memory-sink.js';

const bytes = Buffer.from('hello blob');
const descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };

describe('MemorySink (the test BlobSink)', () => {
  it('keeps a blob invisible until commit, and checks it again on commit', async () => {
    const sink = new MemorySink();
    const writer = await sink.begin(descriptor);
    await writer.write(bytes.subarray(0, 4));
    expect(writer.written).toBe(4);
    expect(await sink.has(descriptor.digest)).toBe(false);
    await writer.reset();
    await writer.write(bytes);
    await writer.commit();
    expect(await sink.has(descriptor.digest)).toBe(true);
    expect(sink.open.size).toBe(0);
  });

  it('refuses to commit wrong bytes, and abort leaves nothing', async () => {
    const sink = new MemorySink();
    const writer = await sink.begin(descriptor);
    await writer.write(Buffer.from('other bytes'));
    await expect(writer.commit()).rejects.toThrow(/memory sink: commit/);
    await writer.abort();
    await writer.abort();
    expect(sink.blobs.size).toBe(0);
    expect(sink.open.size).toBe(0);
    await expect(sink.setRef({ name: 'x', manifest: descriptor })).rejects.toThrow(/missing/);
  });
});
