/**
The registry client against a misbehaving network: a fault-injecting proxy in front of the
real registry cuts, corrupts, rate-limits, stalls and lies, and the pull either recovers
(resume with Range, retry honouring Retry-After) or refuses with a clear error, storing nothing.
*/
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { MEDIA } from '../../src/oci/media-types.js';
import { MemorySink, pullImage, type PullEvent, type PullOptions } from '../../src/pull/index.js';
import { describeWithRegistry, processAlive, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushFixtures, type Fixtures } from '../helpers/fixture-images.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';

const FAST: PullOptions = {
  credentials: null,
  stallTimeoutMs: 600,
  retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5000 },
};

describeWithRegistry('pull through a faulty network', 'none', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let fixtures: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry();
    fixtures = await pushFixtures(registry);
    proxy = await startFaultProxy(registry.origin);
  });
  afterAll(async () => {
    await proxy?.stop();
    const pid = registry?.pid;
    await registry?.stop();
    if (pid !== undefined) expect(processAlive(pid)).toBe(false);
  });
  afterEach(() => proxy.clearRules());

  const bigLayer = () => fixtures.big.layers[0]!;
  const bigPath = () => new RegExp(`/blobs/${bigLayer().descriptor.digest}$`);
  const big = () => `${proxy.host}/${fixtures.repo('big')}:v1`;
  const blobRequests = (from: number) => proxy.requests.slice(from).filter((r) => bigPath().test(r.path));

  /** Pulls and asserts the big layer arrived intact, returning the events. */
  async function pullBigIntact(sink = new MemorySink()): Promise<PullEvent[]> {
    const events: PullEvent[] = [];
    await pullImage(big(), sink, { ...FAST, onEvent: (e) => events.push(e) });
    expect(sink.blobs.get(bigLayer().descriptor.digest)?.equals(bigLayer().bytes)).toBe(true);
    expect(sink.open.size).toBe(0);
    return events;
  }

  it('resumes a connection cut mid-blob with Range, accepting the matching 206', async () => {
    const cutAt = 1_000_000;
    proxy.addRule({ path: bigPath(), times: 1, action: { kind: 'cut', afterBytes: cutAt } });
    const from = proxy.requests.length;
    const events = await pullBigIntact();
    const tries = blobRequests(from);
    expect(tries.map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [`bytes=${cutAt}-`, 206],
    ]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'layer', state: 'resuming', received: cutAt }));
  });

  it('resumes again and again while each try makes progress', async () => {
    proxy.addRule({ path: bigPath(), times: 6, action: { kind: 'cut', afterBytes: 500_000 } });
    const from = proxy.requests.length;
    await pullBigIntact();
    const ranges = blobRequests(from).map((r) => r.range);
    expect(ranges).toEqual([undefined, 'bytes=500000-', 'bytes=1000000-', 'bytes=1500000-', 'bytes=2000000-', 'bytes=2500000-', 'bytes=3000000-']);
  });

  it('starts over from byte 0 when the server ignores Range', async () => {
    proxy.addRule({ path: bigPath(), times: 1, action: { kind: 'cut', afterBytes: 1_500_000 } });
    proxy.addRule({ path: bigPath(), times: 1, action: { kind: 'no-range' } });
    const from = proxy.requests.length;
    const events = await pullBigIntact();
    expect(blobRequests(from).map((r) => r.status)).toEqual([200, 200]);
    expect(events).toContainEqual(expect.objectContaining({ state: 'restarting', received: 0 }));
  });

  it('refuses a 206 for the wrong range and starts over', async () => {
    proxy.addRule({ path: bigPath(), times: 1, action: { kind: 'cut', afterBytes: 1_500_000 } });
    proxy.addRule({ path: bigPath(), times: 1, action: { kind: 'wrong-range' } });
    const from = proxy.requests.length;
    const events = await pullBigIntact();
    expect(blobRequests(from).map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      ['bytes=1500000-', 206],
      [undefined, 200],
    ]);
    expect(events).toContainEqual(expect.objectContaining({ state: 'restarting', reason: expect.stringContaining('bytes 0-') }));
  });

  it('waits as Retry-After says on 429, then succeeds', async () => {
    proxy.addRule({ path: /\/manifests\//, times: 1, action: { kind: 'status', status: 429, retryAfter: '1' } });
    const events: PullEvent[] = [];
    const started = performance.now();
    await pullImage(big(), new MemorySink(), { ...FAST, onEvent: (e) => events.push(e) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(events).toContainEqual(expect.objectContaining({ type: 'retry', reason: 'http 429', delayMs: 1000 }));
  });

  it('retries 503 on a blob with backoff', async () => {
    proxy.addRule({ path: bigPath(), times: 2, action: { kind: 'status', status: 503, body: 'unavailable' } });
    const from = proxy.requests.length;
    await pullBigIntact();
    expect(blobRequests(from).map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('gives up at once when Retry-After is longer than we would wait', async () => {
    proxy.addRule({ path: /\/manifests\//, action: { kind: 'status', status: 429, retryAfter: '3600' } });
    const started = performance.now();
    const error = await pullImage(big(), new MemorySink(), FAST).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PULL_RATE_LIMITED', message: expect.stringContaining('wait 3600 s') });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('reports a registry that keeps failing after the last retry', async () => {
    proxy.addRule({ path: /\/manifests\//, action: { kind: 'status', status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"down"}]}' } });
    const from = proxy.requests.length;
    const error = await pullImage(big(), new MemorySink(), FAST).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PULL_HTTP', message: expect.stringContaining('answered 503 (unavailable: down)') });
    expect(proxy.requests.slice(from).filter((r) => r.fault === 'status')).toHaveLength(FAST.retry!.attempts);
  });

  it('refuses corrupted bytes and stores nothing of that image', async () => {
    proxy.addRule({ path: bigPath(), action: { kind: 'corrupt', at: 123_456 } });
    const sink = new MemorySink();
    const error = await pullImage(big(), sink, FAST).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PULL_DIGEST_MISMATCH', message: expect.stringContaining(bigLayer().descriptor.digest) });
    expect(sink.blobs.has(bigLayer().descriptor.digest)).toBe(false);
    expect(sink.blobs.has(fixtures.big.manifest.descriptor.digest)).toBe(false);
    expect(sink.refs.size).toBe(0);
    expect(sink.open.size).toBe(0);
  });

  it('cuts a blob that is longer than declared', async () => {
    const extra = Buffer.concat([bigLayer().bytes, Buffer.from('trailing')]);
    proxy.addRule({ path: bigPath(), action: { kind: 'respond', status: 200, headers: { 'content-type': 'application/octet-stream' }, body: extra } });
    const sink = new MemorySink();
    await expect(pullImage(big(), sink, FAST)).rejects.toMatchObject({ code: 'PULL_SIZE_MISMATCH' });
    expect(sink.blobs.has(bigLayer().descriptor.digest)).toBe(false);
    expect(sink.open.size).toBe(0);
  });

  it('fails a stalled download with a clear error after the stall timeout', async () => {
    proxy.addRule({ path: bigPath(), action: { kind: 'stall', afterBytes: 200_000 } });
    const sink = new MemorySink();
    const started = performance.now();
    const from = proxy.requests.length;
    const error = await pullImage(big(), sink, FAST).catch((e: unknown) => e);
    const seconds = (performance.now() - started) / 1000;
    expect(error).toMatchObject({ code: 'PULL_STALLED', message: expect.stringMatching(/at 600000 of 4\d+ bytes: the registry sent nothing for 0\.6 s/) });
    // Three stalls of 0.6 s (the first try and two resumes, each 200000 bytes further), not a hang.
    expect(seconds).toBeGreaterThan(1.7);
    expect(seconds).toBeLessThan(6);
    expect(sink.open.size).toBe(0);
    expect(blobRequests(from).filter((r) => r.fault === 'stall')).toHaveLength(3);
  });

  it('refuses a Docker schema 1 manifest with a clear message', async () => {
    const schema1 = JSON.stringify({ schemaVersion: 1, name: 'x', tag: 'v1', architecture: 'amd64', fsLayers: [], history: [] });
    proxy.addRule({ path: /\/manifests\/v1$/, action: { kind: 'respond', status: 200, headers: { 'content-type': MEDIA.dockerSchema1Signed }, body: schema1 } });
    await expect(pullImage(big(), new MemorySink(), FAST)).rejects.toMatchObject({
      code: 'OCI_MANIFEST_SCHEMA1',
      message: 'the registry sent a Docker schema 1 manifest, which glassbox does not support',
    });
  });

  it('refuses a document that is both an index and a manifest', async () => {
    const m = fixtures.big;
    const both = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [m.manifest.descriptor], config: m.config.descriptor, layers: [] });
    proxy.addRule({ path: /\/manifests\/v1$/, action: { kind: 'respond', status: 200, headers: { 'content-type': MEDIA.ociIndex }, body: both } });
    await expect(pullImage(big(), new MemorySink(), FAST)).rejects.toMatchObject({ code: 'OCI_MANIFEST_AMBIGUOUS' });
  });

  it('refuses a manifest over the size cap without reading it all', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
    proxy.addRule({ path: /\/manifests\/v1$/, action: { kind: 'respond', status: 200, headers: { 'content-type': MEDIA.ociManifest }, body: huge } });
    await expect(pullImage(big(), new MemorySink(), FAST)).rejects.toMatchObject({ code: 'OCI_MANIFEST_TOO_LARGE' });
  });

  it('refuses a manifest whose bytes do not match the registry’s digest header', async () => {
    const real = fixtures.big.manifest;
    const altered = Buffer.from(`${real.bytes.toString()}\n`);
    proxy.addRule({
      path: /\/manifests\/v1$/,
      action: { kind: 'respond', status: 200, headers: { 'content-type': MEDIA.ociManifest, 'docker-content-digest': real.descriptor.digest }, body: altered },
    });
    await expect(pullImage(big(), new MemorySink(), FAST)).rejects.toMatchObject({ code: 'PULL_DIGEST_MISMATCH' });
  });
});
