/**
pullImage's scheduling against a small loopback registry: the config is fetched while layers
download (but an explicit --platform is settled first), layers go largest first, and the first
failure is the one reported, with nothing named.
*/
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlatform } from '../../src/oci/platform.js';
import type { BlobSink, BlobWriter } from '../../src/pull/blob-sink.js';
import { MemorySink } from '../../src/pull/memory-sink.js';
import { pullImage } from '../../src/pull/pull-image.js';

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const FAST = { credentials: null, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 10 } } as const;

let server: http.Server | undefined;
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  }
});

interface TestImage {
  manifest: Buffer;
  config: Buffer;
  layers: Buffer[];
}

function makeImage(layerSizes: number[], options: { diffIds?: number; architecture?: string } = {}): TestImage {
  const layers = layerSizes.map((size) => randomBytes(size));
  const diffIds = Array.from({ length: options.diffIds ?? layers.length }, (_, i) => digestOf(Buffer.from(`layer ${i}`)));
  const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: options.architecture ?? 'amd64', rootfs: { type: 'layers', diff_ids: diffIds } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length })),
    }),
  );
  return { manifest, config, layers };
}

/** Serves one image as `r:t`; records the blob requests in order (by what they are). */
async function serve(image: TestImage, configDelayMs = 0): Promise<{ ref: string; blobs: string[] }> {
  const names = new Map<string, string>([[digestOf(image.config), 'config'], ...image.layers.map((layer, i): [string, string] => [digestOf(layer), `layer${i}`])]);
  const bytes = new Map<string, Buffer>([[digestOf(image.config), image.config], ...image.layers.map((layer): [string, Buffer] => [digestOf(layer), layer])]);
  const blobs: string[] = [];
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return void res.end('{}');
    if (url === '/v2/r/manifests/t') {
      return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': image.manifest.length }).end(image.manifest);
    }
    const digest = /^\/v2\/r\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)?.[1];
    const body = digest === undefined ? undefined : bytes.get(digest);
    if (body === undefined) return void res.writeHead(404).end();
    blobs.push(names.get(digest!)!);
    const send = (): void => void res.writeHead(200, { 'content-length': body.length }).end(body);
    if (names.get(digest!) !== 'config' || configDelayMs === 0) return send();
    setTimeout(() => {
      blobs.push('(config sent)');
      send();
    }, configDelayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { ref: `127.0.0.1:${(server.address() as AddressInfo).port}/r:t`, blobs };
}

describe('pullImage scheduling', () => {
  it('downloads layers while the config is on its way, largest first', async () => {
    const image = makeImage([10_000, 300_000, 50_000, 200_000]);
    const { ref, blobs } = await serve(image, 150);
    const sink = new MemorySink();
    const result = await pullImage(ref, sink, { ...FAST, concurrency: 1 });
    expect(result.layers).toHaveLength(4);
    // With one download at a time, the order of requests is the order of scheduling; the
    // config's answer, held back 150 ms, comes after the layers started.
    expect(blobs.filter((b) => b.startsWith('layer'))).toEqual(['layer1', 'layer3', 'layer2', 'layer0']);
    expect(blobs[0]).toBe('config');
    expect(blobs.indexOf('(config sent)')).toBeGreaterThan(blobs.indexOf('layer1'));
    expect(sink.blobs.size).toBe(6); // the layers, the config and the manifest
    expect(sink.refs.size).toBe(1);
  });

  it('reports a bad config, not the downloads it stopped, and names nothing', async () => {
    const image = makeImage([400_000, 400_000], { diffIds: 1 });
    const { ref } = await serve(image, 50);
    const sink = new MemorySink();
    const error = await pullImage(ref, sink, FAST).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OCI_CONFIG_INVALID', message: expect.stringContaining('1 diff_ids but the manifest has 2 layers') });
    expect(sink.refs.size).toBe(0);
    expect(sink.open.size).toBe(0);
  });

  it('settles an explicit --platform on a single-platform image before downloading any layer', async () => {
    const image = makeImage([100_000, 100_000], { architecture: 'arm64' });
    const { ref, blobs } = await serve(image);
    const error = await pullImage(ref, new MemorySink(), { ...FAST, platform: parsePlatform('linux/amd64') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PULL_NO_PLATFORM' });
    expect(blobs).toEqual(['config']);
  });

  it('reports a failed commit first, aborts the other downloads and names nothing', async () => {
    const image = makeImage([600_000, 600_000, 600_000]);
    const { ref } = await serve(image);
    const memory = new MemorySink();
    const full = Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' });
    const failing = digestOf(image.layers[1]!);
    const sink: BlobSink = {
      has: (digest) => memory.has(digest),
      setRef: (record) => memory.setRef(record),
      async begin(descriptor) {
        const writer = await memory.begin(descriptor);
        if (descriptor.digest !== failing) return writer;
        const failingWriter: BlobWriter = {
          get written() {
            return writer.written;
          },
          write: (chunk) => writer.write(chunk),
          reset: () => writer.reset(),
          abort: () => writer.abort(),
          commit: async () => {
            throw full;
          },
        };
        return failingWriter;
      },
    };
    const error = await pullImage(ref, sink, FAST).catch((e: unknown) => e);
    expect(error).toBe(full);
    expect(memory.refs.size).toBe(0);
    expect(memory.open.size).toBe(0);
  });
});
