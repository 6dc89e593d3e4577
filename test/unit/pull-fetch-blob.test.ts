/** fetchBlob against a loopback server, into the real store: one hash on the pull side, failures of the disk not retried. */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { resolveEndpoint } from '../../src/oci/registry-host.js';
import type { BlobWriter } from '../../src/pull/blob-sink.js';
import { fetchBlob } from '../../src/pull/fetch-blob.js';
import { HttpTransport } from '../../src/pull/http.js';
import { RegistryClient } from '../../src/pull/registry-client.js';
import type { ImageStore } from '../../src/store/store.js';
import { listFiles, openScratchStore, type ScratchDir } from '../helpers/store-fixture.js';

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

let server: http.Server | undefined;
let dir: ScratchDir | undefined;
const transport = new HttpTransport({ stallTimeoutMs: 2000 });
afterAll(() => transport.close());
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  }
  dir?.remove();
  expect(dir === undefined || !fs.existsSync(dir.path)).toBe(true);
  dir = undefined;
});

/** A registry with no auth that serves `body` for every blob, in 16 KiB writes; counts blob requests. */
async function serveBlob(body: Buffer): Promise<{ client: RegistryClient; requests: string[] }> {
  const requests: string[] = [];
  server = http.createServer((req, res) => {
    if (req.url === '/v2/') return void res.end('{}');
    requests.push(`${req.url} ${req.headers.range ?? ''}`.trim());
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    for (let at = 0; at < body.length; at += 16_384) res.write(body.subarray(at, at + 16_384));
    res.end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { client: new RegistryClient(resolveEndpoint(host), { transport, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 10 } }), requests };
}

async function scratch(): Promise<ImageStore> {
  const opened = await openScratchStore('fetch-blob');
  dir = opened.dir;
  return opened.store;
}

describe('fetchBlob into the store', () => {
  it('stores a blob verified once, on the pull side, byte for byte', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const { client, requests } = await serveBlob(body);
    const store = await scratch();
    const descriptor = { mediaType: LAYER, digest: digestOf(body), size: body.length };
    const writer = await store.begin(descriptor, { callerVerifies: true });
    const seen: number[] = [];
    await fetchBlob(client, 'x/y', descriptor, writer, { onBytes: (n) => seen.push(n) });
    await writer.commit();
    expect(requests).toEqual([`/v2/x/y/blobs/${descriptor.digest}`]);
    expect(fs.readFileSync(store.blobPath(descriptor.digest)).equals(body)).toBe(true);
    expect(seen.at(-1)).toBe(body.length);
    expect(listFiles(store.paths.tmpDir)).toEqual([]);
    await store.close();
  });

  it('refuses bytes that hash differently before the store is asked to commit', async () => {
    const body = randomBytes(200_000);
    const { client } = await serveBlob(body);
    const store = await scratch();
    const descriptor = { mediaType: LAYER, digest: digestOf(Buffer.from('something else')), size: body.length };
    const writer = await store.begin(descriptor, { callerVerifies: true });
    await expect(fetchBlob(client, 'x/y', descriptor, writer)).rejects.toMatchObject({ code: 'PULL_DIGEST_MISMATCH' });
    await writer.abort();
    expect(await store.has(descriptor.digest)).toBe(false);
    expect(listFiles(store.paths.tmpDir)).toEqual([]);
    await store.close();
  });

  it('gives up at once when the sink cannot write (a full disk is not a broken connection)', async () => {
    const body = randomBytes(300_000);
    const { client, requests } = await serveBlob(body);
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    let writes = 0;
    const writer: BlobWriter = {
      written: 0,
      write: async () => {
        if (++writes === 3) throw full;
      },
      reset: async () => undefined,
      commit: async () => undefined,
      abort: async () => undefined,
    };
    const interruptions: string[] = [];
    const descriptor = { mediaType: LAYER, digest: digestOf(body), size: body.length };
    await expect(fetchBlob(client, 'x/y', descriptor, writer, { onInterrupt: (info) => interruptions.push(info.reason) })).rejects.toBe(full);
    expect(requests).toHaveLength(1);
    expect(interruptions).toEqual([]);
  });

  it('waits for a sink that asks it to: one write at a time, in order, and the end waits for the last one', async () => {
    const body = randomBytes(1024 * 1024 + 5);
    const { client } = await serveBlob(body);
    const taken: Buffer[] = [];
    let waiting = false;
    let overlapped = false;
    let lastWaitEnded = 0;
    let calls = 0;
    const writer: BlobWriter = {
      get written() {
        return taken.reduce((sum, chunk) => sum + chunk.length, 0);
      },
      write: (chunk) => {
        if (waiting) overlapped = true;
        taken.push(Buffer.from(chunk));
        // Every third chunk, and the last one, the sink makes the caller wait.
        const last = taken.reduce((sum, c) => sum + c.length, 0) === body.length;
        if (++calls % 3 !== 0 && !last) return undefined;
        waiting = true;
        return new Promise((resolve) =>
          setTimeout(() => {
            waiting = false;
            lastWaitEnded = performance.now();
            resolve();
          }, 5),
        );
      },
      reset: async () => undefined,
      commit: async () => undefined,
      abort: async () => undefined,
    };
    const seen: number[] = [];
    const descriptor = { mediaType: LAYER, digest: digestOf(body), size: body.length };
    await fetchBlob(client, 'x/y', descriptor, writer, { onBytes: (n) => seen.push(n) });
    const returned = performance.now();
    expect(overlapped).toBe(false);
    expect(Buffer.concat(taken).equals(body)).toBe(true);
    expect(calls).toBeGreaterThan(3);
    // The last chunk's wait ended before fetchBlob returned, and was counted.
    expect(lastWaitEnded).toBeGreaterThan(0);
    expect(lastWaitEnded).toBeLessThanOrEqual(returned);
    expect(seen.at(-1)).toBe(body.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});

describe('a writer whose caller verifies', () => {
  it('still refuses more bytes than declared, and needs a digest and a size', async () => {
    const store = await scratch();
    const bytes = Buffer.from('0123456789');
    const writer = await store.begin({ mediaType: LAYER, digest: digestOf(bytes), size: 4 }, { callerVerifies: true });
    await expect(writer.write(bytes)).rejects.toMatchObject({ code: 'STORE_DIGEST_MISMATCH', message: /more than the declared 4 bytes/ });
    await expect(store.beginBlob({ size: 3, verifiedByCaller: true })).rejects.toMatchObject({ code: 'STORE_WRITER_UNVERIFIED' });
    expect(listFiles(store.paths.tmpDir)).toEqual([]);
    await store.close();
  });

  it('keeps every byte in order across batches, a reset and chunks larger than a batch', async () => {
    const store = await scratch();
    const bytes = randomBytes(4 * 1024 * 1024 + 321);
    const writer = await store.begin({ mediaType: LAYER, digest: digestOf(bytes), size: bytes.length }, { callerVerifies: true });
    await writer.write(bytes.subarray(0, 70_000));
    await writer.reset();
    const sizes = [65_536, 1, 2 * 1024 * 1024 + 5, 16_384, 777];
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const n = Math.min(sizes[i % sizes.length]!, bytes.length - at);
      await writer.write(bytes.subarray(at, at + n));
      at += n;
    }
    await writer.commit();
    expect(digestOf(fs.readFileSync(store.blobPath(digestOf(bytes))))).toBe(digestOf(bytes));
    await store.close();
  });
});
