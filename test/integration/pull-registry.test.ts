/**
glassbox pull against the real CNCF distribution registry (no auth): every manifest format,
platform selection through indexes (attestations skipped), digests, reuse of stored layers,
and the events a progress display is drawn from.
*/
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MEDIA } from '../../src/oci/media-types.js';
import { MemorySink, pullImage, type PullEvent, type PullOptions } from '../../src/pull/index.js';
import { parsePlatform } from '../../src/oci/platform.js';
import { describeWithRegistry, processAlive, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushFixtures, sha256, type Fixtures } from '../helpers/fixture-images.js';

const FAST: PullOptions = { credentials: null, retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5000 } };

describeWithRegistry('pull from a real registry', 'none', () => {
  let registry: TestRegistry;
  let fixtures: Fixtures;

  beforeAll(async () => {
    registry = await startRegistry();
    fixtures = await pushFixtures(registry);
  });

  afterAll(async () => {
    const pid = registry?.pid;
    await registry?.stop();
    if (pid !== undefined) expect(processAlive(pid)).toBe(false);
  });

  const ref = (name: Parameters<Fixtures['repo']>[0], tag = 'v1'): string => `${registry.host}/${fixtures.repo(name)}:${tag}`;

  it('pulls an OCI image: every blob stored byte for byte, the name set last', async () => {
    const sink = new MemorySink();
    const result = await pullImage(ref('oci'), sink, FAST);
    const image = fixtures.oci;
    expect(result.manifest.digest).toBe(image.manifest.descriptor.digest);
    expect(result.manifest.mediaType).toBe(MEDIA.ociManifest);
    expect(result.layers.map((l) => l.mediaType)).toEqual([MEDIA.ociLayerGzip, MEDIA.ociLayerGzip, MEDIA.ociLayer]);
    for (const item of [image.manifest, image.config, ...image.layers]) {
      expect(sink.blobs.get(item.descriptor.digest)?.equals(item.bytes)).toBe(true);
    }
    expect(sink.blobs.size).toBe(5);
    expect(result.config.rootfs.diff_ids).toEqual(image.diffIds);
    expect(sink.refs.get(`${registry.host}/${fixtures.repo('oci')}:v1`)?.manifest.digest).toBe(image.manifest.descriptor.digest);
    expect(sink.open.size).toBe(0);
    expect(result.downloaded).toBe(image.layers.reduce((n, l) => n + l.bytes.length, 0));
  });

  it('pulls a Docker schema2 image', async () => {
    const sink = new MemorySink();
    const result = await pullImage(ref('docker'), sink, FAST);
    expect(result.manifest).toMatchObject({ digest: fixtures.docker.manifest.descriptor.digest, mediaType: MEDIA.dockerManifest });
    expect(result.layers.every((l) => l.mediaType === MEDIA.dockerLayer)).toBe(true);
    expect(sink.blobs.size).toBe(2 + fixtures.docker.layers.length);
  });

  it('sends the full Accept list: without it the registry hides OCI manifests', async () => {
    // The premise: distribution answers 404 for an OCI manifest the client did not accept.
    const bare = await fetch(`${registry.origin}/v2/${fixtures.repo('oci')}/manifests/v1`);
    expect(bare.status).toBe(404);
    const result = await pullImage(ref('oci'), new MemorySink(), FAST);
    expect(result.manifest.mediaType).toBe(MEDIA.ociManifest);
  });

  it('chooses the platform from an OCI index, skipping the attestation', async () => {
    const sink = new MemorySink();
    const events: PullEvent[] = [];
    const amd = await pullImage(ref('multi'), sink, { ...FAST, platform: parsePlatform('linux/amd64'), onEvent: (e) => events.push(e) });
    expect(amd.manifest.digest).toBe(fixtures.multi.amd64.manifest.descriptor.digest);
    expect(amd.manifest.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(amd.index?.digest).toBe(fixtures.multi.index.descriptor.digest);
    expect(amd.index?.mediaType).toBe(MEDIA.ociIndex);
    // The index is stored as received, and the attestation was never fetched.
    expect(sink.blobs.get(fixtures.multi.index.descriptor.digest)?.equals(fixtures.multi.index.bytes)).toBe(true);
    expect(sink.blobs.has(fixtures.multi.attestation.descriptor.digest)).toBe(false);
    expect(events.find((e) => e.type === 'resolved')).toMatchObject({ platform: 'linux/amd64', index: fixtures.multi.index.descriptor.digest });

    const arm = await pullImage(ref('multi'), sink, { ...FAST, platform: parsePlatform('linux/arm64') });
    expect(arm.manifest.digest).toBe(fixtures.multi.arm64.manifest.descriptor.digest);
    expect(arm.platform).toBe('linux/arm64/v8');
  });

  it('names the platforms an index has when none fits', async () => {
    const error = await pullImage(ref('multi'), new MemorySink(), { ...FAST, platform: parsePlatform('linux/s390x') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PULL_NO_PLATFORM', hint: 'available: linux/amd64, linux/arm64/v8 (choose with --platform)' });
  });

  it('chooses from a Docker manifest list (arm/v7)', async () => {
    const result = await pullImage(ref('dockerList'), new MemorySink(), { ...FAST, platform: parsePlatform('linux/arm/v7') });
    expect(result.manifest.digest).toBe(fixtures.dockerList.armv7.manifest.descriptor.digest);
    expect(result.index?.mediaType).toBe(MEDIA.dockerList);
    expect(result.config.architecture).toBe('arm');
  });

  it('refuses a single-platform image that does not match an explicit --platform', async () => {
    const error = await pullImage(ref('oci'), new MemorySink(), { ...FAST, platform: parsePlatform('linux/arm64') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PULL_NO_PLATFORM', message: expect.stringContaining('is linux/amd64, not linux/arm64/v8') });
  });

  it('pulls by digest, and by tag and digest (the digest wins)', async () => {
    const digest = fixtures.docker.manifest.descriptor.digest;
    const byDigest = await pullImage(`${registry.host}/${fixtures.repo('docker')}@${digest}`, new MemorySink(), FAST);
    expect(byDigest.manifest.digest).toBe(digest);
    const both = await pullImage(`${registry.host}/${fixtures.repo('docker')}:no-such-tag@${digest}`, new MemorySink(), FAST);
    expect(both.reference).toBe(`${registry.host}/${fixtures.repo('docker')}:no-such-tag@${digest}`);
    expect(both.manifest.digest).toBe(digest);
  });

  it('reports a missing tag or repository as not found', async () => {
    await expect(pullImage(ref('oci', 'nope'), new MemorySink(), FAST)).rejects.toMatchObject({ code: 'PULL_NOT_FOUND' });
    await expect(pullImage(`${registry.host}/no/such/repo:v1`, new MemorySink(), FAST)).rejects.toMatchObject({ code: 'PULL_NOT_FOUND' });
    const unknownDigest = sha256('nothing here');
    await expect(pullImage(`${registry.host}/${fixtures.repo('oci')}@${unknownDigest}`, new MemorySink(), FAST)).rejects.toMatchObject({ code: 'PULL_NOT_FOUND' });
  });

  it('reuses layers already in the sink and downloads nothing again', async () => {
    const sink = new MemorySink();
    await pullImage(ref('oci'), sink, FAST);
    const events: PullEvent[] = [];
    const again = await pullImage(ref('oci'), sink, { ...FAST, onEvent: (e) => events.push(e) });
    expect(again.downloaded).toBe(0);
    expect(again.reused).toBe(3);
    const states = events.filter((e) => e.type === 'layer').map((e) => e.state);
    expect(states.filter((s) => s === 'exists')).toHaveLength(3);
    expect(states).not.toContain('downloading');
  });

  it('emits events in order: resolving, resolved, layers waiting → downloading → verifying → done, done', async () => {
    const events: PullEvent[] = [];
    await pullImage(ref('big'), new MemorySink(), { ...FAST, onEvent: (e) => events.push(e) });
    expect(events[0]?.type).toBe('resolving');
    expect(events[1]?.type).toBe('resolved');
    expect(events.at(-1)).toMatchObject({ type: 'done', layers: 2, reused: 0 });
    const big = fixtures.big.layers[0]!.descriptor;
    const mine = events.filter((e): e is Extract<PullEvent, { type: 'layer' }> => e.type === 'layer' && e.digest === big.digest);
    expect(mine[0]?.state).toBe('waiting');
    expect(mine.at(-2)?.state).toBe('verifying');
    expect(mine.at(-1)).toMatchObject({ state: 'done', received: big.size });
    const downloads = mine.filter((e) => e.state === 'downloading').map((e) => e.received);
    expect(downloads.length).toBeGreaterThan(1);
    expect(downloads).toEqual([...downloads].sort((a, b) => a - b));
  });

  it('pulls a zstd layer as it is (decompression belongs to unpack)', async (context) => {
    if (!fixtures.zstd) context.skip();
    const sink = new MemorySink();
    const result = await pullImage(ref('zstd'), sink, FAST);
    expect(result.layers[0]?.mediaType).toBe(MEDIA.ociLayerZstd);
    expect(sink.blobs.get(fixtures.zstd!.layers[0]!.descriptor.digest)?.equals(fixtures.zstd!.layers[0]!.bytes)).toBe(true);
  });

  it('stops at once when aborted, leaving no open writer and no name', async () => {
    const sink = new MemorySink();
    const controller = new AbortController();
    const pulling = pullImage(ref('big'), sink, {
      ...FAST,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'layer' && e.state === 'downloading') controller.abort(new Error('interrupted by test'));
      },
    });
    await expect(pulling).rejects.toThrow();
    expect(sink.open.size).toBe(0);
    expect(sink.refs.size).toBe(0);
    expect(sink.blobs.has(fixtures.big.layers[0]!.descriptor.digest)).toBe(false);
  });
});
