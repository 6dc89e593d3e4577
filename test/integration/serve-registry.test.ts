/**
`glassbox serve` as a registry: the distribution API answered over real HTTP on 127.0.0.1,
checked by hand (headers, Range, HEAD, errors, paging) and by the peers that must pull from
it: skopeo, and glassbox's own pull into a second store.
*/
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MEDIA } from '../../src/oci/media-types.js';
import { pullImage } from '../../src/pull/pull-image.js';
import { startRegistryServer, type RunningRegistry } from '../../src/serve/start-server.js';
import type { RequestLog } from '../../src/serve/registry-handler.js';
import { openStore, type ImageStore } from '../../src/store/store.js';
import { buildTestImage, expectValidStore, fileEntry, hasTool, makeScratchDir, runAsync, type ScratchDir } from '../helpers/store-fixture.js';

const sha = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

let dir: ScratchDir;
let store: ImageStore;
let server: RunningRegistry | undefined;
let demo: Awaited<ReturnType<typeof buildTestImage>>;
let busy: Awaited<ReturnType<typeof buildTestImage>>;
const logs: RequestLog[] = [];

beforeEach(async () => {
  dir = makeScratchDir('serve');
  store = (await openStore({ root: path.join(dir.path, 'store') })).store;
  demo = await buildTestImage(store, {
    name: 'glassbox.local/demo:latest',
    layers: [[fileEntry('etc/motd', 'hello\n'), fileEntry('big', Buffer.alloc(100_000, 5))], [fileEntry('etc/.wh.motd', '')]],
  });
  busy = await buildTestImage(store, { name: 'docker.io/library/busy:1', format: 'docker', layers: [[fileEntry('bin/busy', 'b')]] });
  await buildTestImage(store, { name: 'docker.io/library/busy:2', layers: [[fileEntry('bin/busy', 'c')]] });
  await store.close();
  logs.length = 0;
  server = await startRegistryServer({ store, port: 0, onRequest: (log) => logs.push(log) });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  dir.remove();
  expect(fs.existsSync(dir.path)).toBe(false);
});

function get(urlPath: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server!.url}${urlPath}`, init);
}

describe('the distribution API', () => {
  it('answers the version check', async () => {
    const res = await get('/v2/');
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(await res.json()).toEqual({});
  });

  it('serves a manifest by tag and by digest with its type and digest, and HEAD without a body', async () => {
    for (const reference of ['latest', demo.manifest.digest]) {
      const res = await get(`/v2/demo/manifests/${reference}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(MEDIA.ociManifest);
      expect(res.headers.get('docker-content-digest')).toBe(demo.manifest.digest);
      expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(demo.manifest.digest);
    }
    const head = await get('/v2/glassbox.local/demo/manifests/latest', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(demo.manifest.size);
    expect(head.headers.get('docker-content-digest')).toBe(demo.manifest.digest);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves a Docker image as it was stored: Docker type and original digest', async () => {
    for (const name of ['busy', 'library/busy', 'docker.io/library/busy']) {
      const res = await get(`/v2/${name}/manifests/1`);
      expect(res.headers.get('content-type')).toBe(MEDIA.dockerManifest);
      expect(res.headers.get('docker-content-digest')).toBe(busy.manifest.digest);
      expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(busy.manifest.digest);
    }
  });

  it('serves blobs whole, by Range (206) and by suffix, HEAD, and 416 past the end', async () => {
    const layer = demo.layers[0]!.descriptor;
    const bytes = fs.readFileSync(store.blobPath(layer.digest));
    const whole = await get(`/v2/demo/blobs/${layer.digest}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(sha(new Uint8Array(await whole.arrayBuffer()))).toBe(layer.digest);

    const tail = await get(`/v2/demo/blobs/${layer.digest}`, { headers: { Range: 'bytes=100-' } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes 100-${bytes.length - 1}/${bytes.length}`);
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(100));

    const middle = await get(`/v2/demo/blobs/${layer.digest}`, { headers: { Range: 'bytes=10-19' } });
    expect(Buffer.from(await middle.arrayBuffer())).toEqual(bytes.subarray(10, 20));
    const suffix = await get(`/v2/demo/blobs/${layer.digest}`, { headers: { Range: 'bytes=-7' } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 7));

    const past = await get(`/v2/demo/blobs/${layer.digest}`, { headers: { Range: `bytes=${bytes.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    const head = await get(`/v2/demo/blobs/${layer.digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(bytes.length);
    expect(head.headers.get('docker-content-digest')).toBe(layer.digest);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers with the spec error bodies', async () => {
    const cases: [string, RequestInit, number, string][] = [
      ['/v2/demo/manifests/nope', {}, 404, 'MANIFEST_UNKNOWN'],
      ['/v2/nothing/manifests/latest', {}, 404, 'NAME_UNKNOWN'],
      ['/v2/Bad_Name/tags/list', {}, 400, 'NAME_INVALID'],
      [`/v2/demo/manifests/sha256:${'0'.repeat(64)}`, {}, 404, 'MANIFEST_UNKNOWN'],
      ['/v2/demo/blobs/sha256:xyz', {}, 400, 'DIGEST_INVALID'],
      // A blob of another repository is not reachable through this one.
      [`/v2/demo/blobs/${busy.layers[0]!.descriptor.digest}`, {}, 404, 'BLOB_UNKNOWN'],
      ['/v2/demo/manifests/latest', { method: 'PUT', body: '{}' }, 405, 'UNSUPPORTED'],
      ['/v2/demo/blobs/uploads/', { method: 'POST' }, 405, 'UNSUPPORTED'],
    ];
    for (const [urlPath, init, status, code] of cases) {
      const res = await get(urlPath, init);
      expect({ urlPath, status: res.status }).toEqual({ urlPath, status });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { errors: { code: string; message: string }[] };
      expect(body.errors[0]).toMatchObject({ code, message: expect.any(String) });
    }
  });

  it('lists tags and repositories, with paging', async () => {
    expect(await (await get('/v2/busy/tags/list')).json()).toEqual({ name: 'busy', tags: ['1', '2'] });
    const first = await get('/v2/busy/tags/list?n=1');
    expect(await first.json()).toEqual({ name: 'busy', tags: ['1'] });
    expect(first.headers.get('link')).toBe('</v2/busy/tags/list?n=1&last=1>; rel="next"');
    expect(await (await get('/v2/busy/tags/list?n=1&last=1')).json()).toEqual({ name: 'busy', tags: ['2'] });
    const catalog = (await (await get('/v2/_catalog')).json()) as { repositories: string[] };
    expect(catalog.repositories).toEqual(['busy', 'demo', 'docker.io/library/busy', 'glassbox.local/demo', 'library/busy']);
  });

  it('sees images added to the store while it runs', async () => {
    expect((await get('/v2/late/manifests/1')).status).toBe(404);
    const late = await buildTestImage(store, { name: 'glassbox.local/late:1', layers: [[fileEntry('l', 'l')]] });
    await store.close();
    const res = await get('/v2/late/manifests/1');
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe(late.manifest.digest);
  });

  it('logs each request', async () => {
    await get('/v2/demo/manifests/latest');
    expect(logs).toEqual([expect.objectContaining({ method: 'GET', path: '/v2/demo/manifests/latest', status: 200, bytes: demo.manifest.size })]);
  });

  it('warns when it listens beyond loopback', async () => {
    const open = await startRegistryServer({ store, host: '0.0.0.0', port: 0 });
    try {
      expect(open.warning).toMatch(/anyone who can reach it can pull every image/);
      expect(server!.warning).toBeUndefined();
    } finally {
      await open.close();
    }
  });

  it('says which port is taken', async () => {
    await expect(startRegistryServer({ store, port: server!.port })).rejects.toMatchObject({ code: 'SERVE_LISTEN_FAILED', message: /EADDRINUSE/ });
  });
});

describe('pulling from it', () => {
  it('glassbox pulls every layer into another store', async () => {
    const target = (await openStore({ root: path.join(dir.path, 'pulled') })).store;
    const result = await pullImage(`${server!.address}/demo:latest`, target);
    expect(result.manifest.digest).toBe(demo.manifest.digest);
    expect(result.layers.map((layer) => layer.digest)).toEqual(demo.layers.map((layer) => layer.descriptor.digest));
    expect(await expectValidStore(target.root)).toEqual([`${server!.address}/demo:latest`]);
    expect(logs.some((log) => log.path.startsWith('/v2/demo/blobs/') && log.status === 200)).toBe(true);
  });

  it.runIf(hasTool('skopeo'))('skopeo copies from it, and inspects the Docker image with its original digest', async () => {
    const copy = path.join(dir.path, 'copy');
    await runAsync('skopeo', ['copy', '--src-tls-verify=false', `docker://${server!.address}/demo:latest`, `oci:${copy}:latest`]);
    const copied = (await openStore({ root: copy })).store.resolveImage('latest');
    expect(copied.manifestDescriptor.digest).toBe(demo.manifest.digest);
    expect(copied.layers.map((layer) => layer.digest)).toEqual(demo.layers.map((layer) => layer.descriptor.digest));
    const inspected = JSON.parse(await runAsync('skopeo', ['inspect', '--tls-verify=false', `docker://${server!.address}/busy:1`])) as { Digest: string; RepoTags: string[] };
    expect(inspected.Digest).toBe(busy.manifest.digest);
    expect(inspected.RepoTags).toEqual(['1', '2']);
  });
});
