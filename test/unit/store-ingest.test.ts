import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type ImageStore } from '../../src/store/store.js';
import { readStartTime } from '../../src/store/process-alive.js';
import { tempName } from '../../src/store/temp-files.js';
import { listFiles, openScratchStore, type ScratchDir } from '../helpers/store-fixture.js';

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const LAYER = 'application/vnd.oci.image.layer.v1.tar';

let dir: ScratchDir | undefined;
afterEach(() => {
  dir?.remove();
  expect(dir === undefined || !fs.existsSync(dir.path)).toBe(true);
  dir = undefined;
});

async function scratch(): Promise<ImageStore> {
  const opened = await openScratchStore('ingest');
  dir = opened.dir;
  return opened.store;
}

describe('store layout', () => {
  it('is an OCI image layout from the first open', async () => {
    const store = await scratch();
    expect(JSON.parse(fs.readFileSync(path.join(store.root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(fs.readFileSync(path.join(store.root, 'index.json'), 'utf8'))).toMatchObject({ schemaVersion: 2, manifests: [] });
    expect(fs.statSync(path.join(store.root, 'blobs', 'sha256')).isDirectory()).toBe(true);
  });
});

describe('blob ingest', () => {
  it('stores a verified blob under its digest, once', async () => {
    const store = await scratch();
    const bytes = Buffer.from('hello layer');
    const descriptor = { mediaType: LAYER, digest: digestOf(bytes), size: bytes.length };
    expect(await store.has(descriptor.digest)).toBe(false);
    for (let round = 0; round < 2; round++) {
      const writer = await store.begin(descriptor);
      await writer.write(bytes.subarray(0, 5));
      await writer.write(bytes.subarray(5));
      expect(writer.written).toBe(bytes.length);
      await writer.commit();
    }
    expect(await store.has(descriptor.digest)).toBe(true);
    expect(fs.readFileSync(store.blobPath(descriptor.digest))).toEqual(bytes);
    expect(listFiles(path.join(store.root, 'blobs'))).toEqual([`sha256/${descriptor.digest.slice(7)}`]);
    expect(listFiles(store.paths.tmpDir)).toEqual([]);
  });

  it('refuses bytes that hash differently and keeps nothing', async () => {
    const store = await scratch();
    const promised = Buffer.from('the real content');
    const writer = await store.begin({ mediaType: LAYER, digest: digestOf(promised), size: promised.length });
    await writer.write(Buffer.from('a fake content!!'));
    await expect(writer.commit()).rejects.toMatchObject({ code: 'STORE_DIGEST_MISMATCH' });
    expect(await store.has(digestOf(promised))).toBe(false);
    expect(listFiles(store.paths.sha256Dir)).toEqual([]);
    expect(listFiles(store.paths.tmpDir)).toEqual([]);
  });

  it('refuses more bytes than declared, and a short blob', async () => {
    const store = await scratch();
    const bytes = Buffer.from('0123456789');
    const long = await store.begin({ mediaType: LAYER, digest: digestOf(bytes), size: 4 });
    await expect(long.write(bytes)).rejects.toMatchObject({ code: 'STORE_DIGEST_MISMATCH', message: /more than the declared 4 bytes/ });
    const short = await store.begin({ mediaType: LAYER, digest: digestOf(bytes), size: bytes.length });
    await short.write(bytes.subarray(0, 3));
    await expect(short.commit()).rejects.toMatchObject({ message: /3 bytes, but 10 were declared/ });
    expect(listFiles(store.paths.tmpDir)).toEqual([]);
    expect(listFiles(store.paths.sha256Dir)).toEqual([]);
  });

  it('abort removes the unfinished blob; reset starts over', async () => {
    const store = await scratch();
    const bytes = Buffer.from('start over');
    const aborted = await store.begin({ mediaType: LAYER, digest: digestOf(bytes), size: bytes.length });
    await aborted.write(bytes.subarray(0, 4));
    expect(listFiles(store.paths.tmpDir)).toHaveLength(1);
    await aborted.abort();
    await aborted.abort();
    expect(listFiles(store.paths.tmpDir)).toEqual([]);
    await expect(aborted.write(bytes)).rejects.toMatchObject({ code: 'STORE_WRITER_CLOSED' });

    const resumed = await store.begin({ mediaType: LAYER, digest: digestOf(bytes), size: bytes.length });
    await resumed.write(Buffer.from('garbage'));
    await resumed.reset();
    expect(resumed.written).toBe(0);
    await resumed.write(bytes);
    await resumed.commit();
    await resumed.abort(); // after commit: a no-op
    expect(fs.readFileSync(store.blobPath(digestOf(bytes)))).toEqual(bytes);
  });

  it('keeps every byte in order whatever the chunk sizes (small, batched, larger than a batch)', async () => {
    const store = await scratch();
    const { randomBytes } = await import('node:crypto');
    const bytes = randomBytes(5 * 1024 * 1024 + 123);
    const descriptor = { mediaType: LAYER, digest: digestOf(bytes), size: bytes.length };
    const writer = await store.begin(descriptor);
    await writer.write(bytes.subarray(0, 1000));
    await writer.reset(); // a restart from byte 0 with bytes still waiting in the batch
    const sizes = [1, 16_384, 1024 * 1024, 3, 2 * 1024 * 1024 + 7, 65_536, 999];
    let at = 0;
    for (let i = 0; at < bytes.length; i++) {
      const n = Math.min(sizes[i % sizes.length]!, bytes.length - at);
      await writer.write(bytes.subarray(at, at + n));
      at += n;
    }
    expect(writer.written).toBe(bytes.length);
    await writer.commit();
    expect(digestOf(fs.readFileSync(store.blobPath(descriptor.digest)))).toBe(descriptor.digest);
  });

  it('two writers of the same digest at once end with one complete blob', async () => {
    const store = await scratch();
    const bytes = Buffer.alloc(300_000, 3);
    const descriptor = { mediaType: LAYER, digest: digestOf(bytes), size: bytes.length };
    const a = await store.begin(descriptor);
    const b = await store.begin(descriptor);
    await Promise.all([a.write(bytes), b.write(bytes)]);
    await Promise.all([a.commit(), b.commit()]);
    expect(digestOf(fs.readFileSync(store.blobPath(descriptor.digest)))).toBe(descriptor.digest);
    expect(listFiles(store.paths.tmpDir)).toEqual([]);
  });

  it('refuses a digest that could escape the blobs directory before creating anything', async () => {
    const store = await scratch();
    await expect(store.begin({ mediaType: LAYER, digest: 'sha256:../../../etc/passwd', size: 1 })).rejects.toMatchObject({
      code: 'OCI_DIGEST_INVALID',
    });
    expect(() => store.blobPath('sha512:abc')).toThrow(/unsupported algorithm/);
    expect(listFiles(store.paths.tmpDir)).toEqual([]);
  });

  it('learns the digest from the bytes when none is expected', async () => {
    const store = await scratch();
    const bytes = Buffer.from('{"a":1}');
    const descriptor = await store.putBlob(bytes, 'application/json');
    expect(descriptor).toEqual({ mediaType: 'application/json', digest: digestOf(bytes), size: bytes.length });
  });
});

describe('opening a store after a crash', () => {
  it('removes temp files of dead writers and keeps those of live ones', async () => {
    const store = await scratch();
    const dead = spawnSync('true').pid!;
    const deadFile = path.join(store.paths.tmpDir, `${dead}-${'1'}-abcdef`);
    const liveFile = path.join(store.paths.tmpDir, tempName());
    const liveWrongStart = path.join(store.paths.tmpDir, `${process.pid}-${Number(readStartTime(process.pid)) + 1}-beef`);
    for (const file of [deadFile, liveFile, liveWrongStart]) fs.writeFileSync(file, 'partial');
    const { cleaned } = await openStore({ root: store.root });
    expect(cleaned.sort()).toEqual([path.basename(deadFile), path.basename(liveWrongStart)].sort());
    expect(listFiles(store.paths.tmpDir)).toEqual([path.basename(liveFile)]);
  });

  it("removes a dead writer's temp copy of index.json or oci-layout beside the real one", async () => {
    const store = await scratch();
    const dead = spawnSync('true').pid!;
    const deadIndex = path.join(store.root, `.index.json.${dead}-1-abcdef012345`);
    const liveIndex = path.join(store.root, `.index.json.${tempName()}`);
    for (const file of [deadIndex, liveIndex]) fs.writeFileSync(file, '{"partial');
    const { cleaned } = await openStore({ root: store.root });
    expect(cleaned).toEqual([path.basename(deadIndex)]);
    expect(fs.existsSync(liveIndex)).toBe(true);
    expect(JSON.parse(fs.readFileSync(store.paths.indexFile, 'utf8'))).toMatchObject({ schemaVersion: 2 });
  });
});
