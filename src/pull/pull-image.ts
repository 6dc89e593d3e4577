import { GlassboxError } from '../errors.js';
import { checkConfigMatches, MAX_CONFIG_BYTES, parseImageConfig, type ImageConfig } from '../oci/config.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { ImageManifest } from '../oci/manifest.js';
import { formatPlatform, hostPlatform, platformScore, type PlatformSpec } from '../oci/platform.js';
import { formatReference, manifestSelector, parseReference } from '../oci/reference.js';
import { resolveEndpoint } from '../oci/registry-host.js';
import type { BlobSink } from './blob-sink.js';
import { findCredentials, type CredentialSource, type Credentials } from './credentials.js';
import { fetchBlob } from './fetch-blob.js';
import { HttpTransport } from './http.js';
import { MemorySink } from './memory-sink.js';
import { publishPullEvent, type PullEvent } from './pull-events.js';
import { RegistryClient } from './registry-client.js';
import { describePlatform, resolveImage } from './resolve-image.js';
import type { RetryPolicy } from './retry.js';
import { runLimited } from './run-limited.js';
import type { TokenCache } from './token-cache.js';

/**
`glassbox pull`: resolve the reference to one image manifest, check its config, download the
layers a few at a time into the sink (verified), then the config, manifest and index, and only
then name the image. A failure or an abort leaves no half-written blob and no name.
*/
export interface PullOptions {
  /** Default: the host's platform. When given, a single-platform image must match it. */
  platform?: PlatformSpec;
  /** Registries (`host` or `host:port`) allowed over plain HTTP. */
  insecureRegistries?: string[];
  /** Layers downloaded at once; Docker's default is 3. */
  concurrency?: number;
  onEvent?: (event: PullEvent) => void;
  signal?: AbortSignal;
  /** A transport to share (its stall timeout applies); otherwise one is made and closed. */
  transport?: HttpTransport;
  stallTimeoutMs?: number;
  retry?: RetryPolicy;
  /** `null` pulls anonymously; default: from ~/.docker/config.json and its helpers. */
  credentials?: Credentials | null;
  credentialSource?: CredentialSource;
  tokenCache?: TokenCache;
}

export interface PullResult {
  /** The fully qualified reference: `docker.io/library/busybox:latest` */
  reference: string;
  manifest: Descriptor;
  index?: Descriptor;
  config: ImageConfig;
  configDescriptor: Descriptor;
  layers: Descriptor[];
  platform: string;
  /** Bytes downloaded for layers (resumed bytes counted once). */
  downloaded: number;
  /** Layers that were already in the sink. */
  reused: number;
}

export async function pullImage(referenceText: string, sink: BlobSink, options: PullOptions = {}): Promise<PullResult> {
  const started = performance.now();
  const reference = parseReference(referenceText);
  const name = formatReference(reference);
  const repository = reference.path;
  const endpoint = resolveEndpoint(reference.domain, options.insecureRegistries);
  const wanted = options.platform ?? hostPlatform();
  const emit = (event: PullEvent): void => {
    publishPullEvent(event);
    options.onEvent?.(event);
  };
  const credentials = options.credentials === null ? undefined : (options.credentials ?? (await findCredentials(reference.domain, options.credentialSource)));
  const transport = options.transport ?? new HttpTransport(options.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: options.stallTimeoutMs });
  const abort = new AbortController();
  const stop = (): void => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  const signal = abort.signal;
  try {
    const client = new RegistryClient(endpoint, {
      transport,
      ...(credentials ? { credentials } : {}),
      ...(options.tokenCache ? { tokenCache: options.tokenCache } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      onRetry: (info) => emit({ type: 'retry', ...info }),
    });
    emit({ type: 'resolving', reference: name, registry: endpoint.origin });
    const resolved = await resolveImage(client, repository, manifestSelector(reference), wanted, signal);
    const { manifest, image } = resolved;
    const platformText = describePlatform(manifest.descriptor);
    emit({
      type: 'resolved',
      reference: name,
      digest: manifest.descriptor.digest,
      mediaType: manifest.descriptor.mediaType,
      ...(platformText ? { platform: platformText } : {}),
      ...(resolved.index ? { index: resolved.index.descriptor.digest } : {}),
    });

    const counts = { downloaded: 0, reused: 0 };
    const unique = [...new Map(image.layers.map((layer) => [layer.digest, layer])).values()];
    for (const layer of unique) emit({ type: 'layer', digest: layer.digest, size: layer.size, received: 0, state: 'waiting' });
    // The first failure is the news: the aborts it causes in the other tasks are not.
    let firstFailure: { error: unknown } | undefined;
    const fail = (error: unknown): void => {
      firstFailure ??= { error };
      abort.abort();
    };
    // The config is checked before anything is named, but the layers need not wait for it:
    // blobs are content-addressed, so they download while it is fetched (a round trip less).
    // Only an explicit --platform against a single-platform image is settled first, so that
    // the wrong image is refused before any of it is downloaded.
    const checkingConfig = fetchCheckedConfig(client, repository, image, sink, {
      name,
      wanted,
      explicitPlatform: options.platform !== undefined,
      fromIndex: resolved.index !== undefined,
      emit,
      signal,
    });
    if (options.platform !== undefined && resolved.index === undefined) await checkingConfig;
    checkingConfig.catch(fail);
    // A layer's commit (fsync, rename) runs outside its download slot: the next layer's
    // download starts while the disk catches up, instead of waiting for it.
    const committing: Promise<void>[] = [];
    const startCommit = (commit: Promise<void>): void => {
      committing.push(commit.catch(fail));
    };
    // Largest first: the last layers to finish are then small ones, whose final fsync is short.
    const bySize = [...unique].sort((a, b) => b.size - a.size);
    await runLimited(bySize, options.concurrency ?? 3, (layer) => pullLayer(client, repository, layer, sink, emit, counts, signal, startCommit), fail).catch(
      () => undefined,
    );
    await Promise.all(committing);
    const checked = await checkingConfig.catch(() => undefined);
    if (firstFailure !== undefined) throw firstFailure.error;
    const { config, configPlatform } = checked!;
    await Promise.all([
      storeBytes(sink, manifest.descriptor, manifest.bytes),
      ...(resolved.index ? [storeBytes(sink, resolved.index.descriptor, resolved.index.bytes)] : []),
    ]);
    await sink.setRef({ name, manifest: manifest.descriptor, ...(resolved.index ? { index: resolved.index.descriptor } : {}) });
    emit({
      type: 'done',
      reference: name,
      digest: manifest.descriptor.digest,
      downloaded: counts.downloaded,
      layers: unique.length,
      reused: counts.reused,
      ms: Math.round(performance.now() - started),
    });
    return {
      reference: name,
      manifest: manifest.descriptor,
      ...(resolved.index ? { index: resolved.index.descriptor } : {}),
      config,
      configDescriptor: image.config,
      layers: image.layers,
      platform: platformText ?? formatPlatform(configPlatform),
      downloaded: counts.downloaded,
      reused: counts.reused,
    };
  } finally {
    options.signal?.removeEventListener('abort', stop);
    if (options.transport === undefined) await transport.close();
  }
}

async function pullLayer(
  client: RegistryClient,
  repository: string,
  layer: Descriptor,
  sink: BlobSink,
  emit: (event: PullEvent) => void,
  counts: { downloaded: number; reused: number },
  signal: AbortSignal,
  startCommit: (commit: Promise<void>) => void,
): Promise<void> {
  const base = { type: 'layer' as const, digest: layer.digest, size: layer.size };
  if (await sink.has(layer.digest)) {
    counts.reused++;
    emit({ ...base, received: layer.size, state: 'exists' });
    return;
  }
  // fetchBlob hashes every byte and throws before commit() on a mismatch: one sha256 is enough.
  const writer = await sink.begin(layer, { callerVerifies: true });
  let received = 0;
  // One progress event per 1/64 of the layer (at least 256 KiB), not per network chunk (64 KiB):
  // displays redraw every 100 ms at most, and an event per chunk was ~3% of a pull's CPU.
  const step = Math.max(PROGRESS_STEP_BYTES, Math.ceil(layer.size / 64));
  let reported = 0;
  try {
    await fetchBlob(client, repository, layer, writer, {
      signal,
      onBytes: (bytes) => {
        counts.downloaded += bytes - received;
        received = bytes;
        if (received - reported < step && received !== layer.size) return;
        reported = received;
        emit({ ...base, received, state: 'downloading' });
      },
      onInterrupt: ({ kind, at, reason }) => {
        received = at;
        reported = at;
        emit({ ...base, received: at, state: kind === 'resume' ? 'resuming' : 'restarting', reason });
      },
    });
  } catch (error) {
    await writer.abort();
    emit({ ...base, received, state: 'failed', reason: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  emit({ ...base, received: layer.size, state: 'verifying' });
  startCommit(
    writer.commit().then(
      () => emit({ ...base, received: layer.size, state: 'done' }),
      async (error: unknown) => {
        await writer.abort();
        emit({ ...base, received, state: 'failed', reason: error instanceof Error ? error.message : String(error) });
        throw error;
      },
    ),
  );
}

const PROGRESS_STEP_BYTES = 256 * 1024;

interface ConfigCheck {
  name: string;
  wanted: PlatformSpec;
  explicitPlatform: boolean;
  fromIndex: boolean;
  emit: (event: PullEvent) => void;
  signal: AbortSignal;
}

/** Fetches the config, checks it against the manifest and the platform asked for, stores it. */
async function fetchCheckedConfig(
  client: RegistryClient,
  repository: string,
  image: ImageManifest,
  sink: BlobSink,
  check: ConfigCheck,
): Promise<{ config: ImageConfig; configPlatform: PlatformSpec }> {
  const configBytes = await fetchConfig(client, repository, image.config, check.signal);
  const config = parseImageConfig(configBytes);
  checkConfigMatches(config, image);
  const configPlatform: PlatformSpec = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
  if (platformScore(check.wanted, configPlatform) === 0) {
    const message = `image ${check.name} is ${formatPlatform(configPlatform)}, not ${formatPlatform(check.wanted)}`;
    if (check.explicitPlatform) throw new GlassboxError('PULL_NO_PLATFORM', message, { kind: 'user', hint: 'pull without --platform, or another tag' });
    if (!check.fromIndex) check.emit({ type: 'warning', message: `${message}: it may not run on this machine` });
  }
  await storeBytes(sink, image.config, configBytes);
  return { config, configPlatform };
}

async function fetchConfig(client: RegistryClient, repository: string, descriptor: Descriptor, signal: AbortSignal): Promise<Buffer> {
  if (descriptor.size > MAX_CONFIG_BYTES) {
    throw new GlassboxError('OCI_CONFIG_INVALID', `image config is ${descriptor.size} bytes, more than the ${MAX_CONFIG_BYTES} allowed`, { kind: 'user' });
  }
  const memory = new MemorySink();
  const writer = await memory.begin(descriptor);
  await fetchBlob(client, repository, descriptor, writer, { signal });
  await writer.commit();
  return memory.blobs.get(descriptor.digest) ?? Buffer.alloc(0);
}

async function storeBytes(sink: BlobSink, descriptor: Descriptor, bytes: Buffer): Promise<void> {
  if (await sink.has(descriptor.digest)) return;
  const writer = await sink.begin(descriptor);
  try {
    await writer.write(bytes);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
