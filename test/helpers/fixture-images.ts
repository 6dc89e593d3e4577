/**
Deterministic test images, built here byte for byte (fixed mtimes, owners and gzip headers, so
every run makes the same digests) and pushed to a test registry through its push API
(`POST /v2/<name>/blobs/uploads/`, `PUT …?digest=`, `PUT /v2/<name>/manifests/<tag>`).
*/
import { createCipheriv, createHash } from 'node:crypto';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { Descriptor, Platform } from '../../src/oci/descriptor.js';
import { MEDIA } from '../../src/oci/media-types.js';
import { USERS, type TestRegistry } from './registry.js';

export interface FixtureFile {
  path: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink';
  linkname?: string;
  mode?: number;
}

export interface BuiltBlob {
  descriptor: Descriptor;
  bytes: Buffer;
}

export interface BuiltImage {
  manifest: BuiltBlob;
  config: BuiltBlob;
  layers: BuiltBlob[];
  diffIds: string[];
  platform: Platform;
}

export type Compression = 'none' | 'gzip' | 'zstd';

const MTIME = new Date('2020-01-01T00:00:00Z');

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function blob(mediaType: string, bytes: Buffer, extra: Partial<Descriptor> = {}): BuiltBlob {
  return { descriptor: { mediaType, digest: sha256(bytes), size: bytes.length, ...extra }, bytes };
}

export async function buildLayerTar(files: FixtureFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const file of files) {
    const type = file.type ?? 'file';
    const header = { name: file.path, mtime: MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root', type, mode: file.mode ?? (type === 'directory' ? 0o755 : 0o644) };
    await new Promise<void>((resolve, reject) => {
      const callback = (error?: Error | null): void => (error ? reject(error) : resolve());
      if (type === 'file') pack.entry(header, Buffer.from(file.content ?? ''), callback);
      else pack.entry(type === 'symlink' ? { ...header, linkname: file.linkname ?? '' } : header, callback);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function compress(tarBytes: Buffer, compression: Compression): Buffer {
  if (compression === 'gzip') return zlib.gzipSync(tarBytes, { level: 6 });
  if (compression === 'zstd') return zlib.zstdCompressSync(tarBytes);
  return tarBytes;
}

export function zstdSupported(): boolean {
  return typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
}

/** Bytes that do not compress, the same every run (AES-CTR over zeros with a fixed key). */
export function noiseBytes(length: number, seed = 'glassbox'): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

export interface LayerSpec {
  files: FixtureFile[];
  compression?: Compression;
}

function layerMediaType(format: 'oci' | 'docker', compression: Compression): string {
  if (format === 'docker') {
    if (compression !== 'gzip') throw new Error('Docker schema2 layers are gzip');
    return MEDIA.dockerLayer;
  }
  return { none: MEDIA.ociLayer, gzip: MEDIA.ociLayerGzip, zstd: MEDIA.ociLayerZstd }[compression];
}

export async function buildImage(spec: { format: 'oci' | 'docker'; platform: Platform; layers: LayerSpec[]; cmd?: string[] }): Promise<BuiltImage> {
  const layers: BuiltBlob[] = [];
  const diffIds: string[] = [];
  for (const layer of spec.layers) {
    const tarBytes = await buildLayerTar(layer.files);
    const compression = layer.compression ?? 'gzip';
    diffIds.push(sha256(tarBytes));
    layers.push(blob(layerMediaType(spec.format, compression), compress(tarBytes, compression)));
  }
  const configJson = {
    created: MTIME.toISOString(),
    architecture: spec.platform.architecture,
    os: spec.platform.os,
    ...(spec.platform.variant ? { variant: spec.platform.variant } : {}),
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: spec.cmd ?? ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: spec.layers.map((_, i) => ({ created: MTIME.toISOString(), created_by: `glassbox fixture layer ${i}` })),
  };
  const config = blob(spec.format === 'oci' ? MEDIA.ociConfig : MEDIA.dockerConfig, Buffer.from(JSON.stringify(configJson)));
  const manifestJson = {
    schemaVersion: 2,
    mediaType: spec.format === 'oci' ? MEDIA.ociManifest : MEDIA.dockerManifest,
    config: config.descriptor,
    layers: layers.map((l) => l.descriptor),
  };
  const manifest = blob(manifestJson.mediaType, Buffer.from(JSON.stringify(manifestJson, null, 2)));
  return { manifest, config, layers, diffIds, platform: spec.platform };
}

/** A buildx-style provenance attestation for `subject`: platform unknown/unknown, in-toto layer. */
export function buildAttestation(subject: BuiltBlob): { manifest: BuiltBlob; blobs: BuiltBlob[]; entry: Descriptor } {
  const statement = blob('application/vnd.in-toto+json', Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [] })), {
    annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
  });
  const config = blob(MEDIA.ociConfig, Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [statement.descriptor.digest] } })));
  const manifest = blob(
    MEDIA.ociManifest,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: config.descriptor, layers: [statement.descriptor] })),
  );
  const entry: Descriptor = {
    ...manifest.descriptor,
    platform: { architecture: 'unknown', os: 'unknown' },
    annotations: { 'vnd.docker.reference.digest': subject.descriptor.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
  };
  return { manifest, blobs: [config, statement], entry };
}

export function buildIndex(format: 'oci' | 'docker', entries: Descriptor[]): BuiltBlob {
  const mediaType = format === 'oci' ? MEDIA.ociIndex : MEDIA.dockerList;
  return blob(mediaType, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: entries }, null, 2)));
}

// ---- the push API ----

/** The Authorization header the pusher needs for `repository` on this registry. */
export async function pushAuthorization(registry: TestRegistry, repository: string): Promise<string | undefined> {
  const basic = `Basic ${Buffer.from(`${USERS.pusher.username}:${USERS.pusher.password}`).toString('base64')}`;
  if (registry.auth === 'none') return undefined;
  if (registry.auth === 'basic') return basic;
  const url = new URL(registry.token!.realm);
  url.searchParams.set('service', registry.token!.service);
  url.searchParams.set('scope', `repository:${repository}:pull,push`);
  const response = await fetch(url, { headers: { authorization: basic } });
  if (!response.ok) throw new Error(`token for push: ${response.status}`);
  return `Bearer ${((await response.json()) as { token: string }).token}`;
}

export async function pushBlob(registry: TestRegistry, repository: string, item: BuiltBlob, authorization?: string): Promise<void> {
  const headers: Record<string, string> = authorization ? { authorization } : {};
  const start = await fetch(`${registry.origin}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers });
  if (start.status !== 202) throw new Error(`starting upload of ${item.descriptor.digest}: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location')!, registry.origin);
  location.searchParams.set('digest', item.descriptor.digest);
  const put = await fetch(location, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: item.bytes });
  if (put.status !== 201) throw new Error(`uploading ${item.descriptor.digest}: ${put.status} ${await put.text()}`);
}

export async function pushManifest(registry: TestRegistry, repository: string, reference: string, item: BuiltBlob, authorization?: string): Promise<void> {
  const response = await fetch(`${registry.origin}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...(authorization ? { authorization } : {}), 'content-type': item.descriptor.mediaType },
    body: item.bytes,
  });
  if (response.status !== 201) throw new Error(`pushing manifest ${repository}:${reference}: ${response.status} ${await response.text()}`);
}

export async function pushImage(registry: TestRegistry, repository: string, tag: string | undefined, image: BuiltImage): Promise<void> {
  const authorization = await pushAuthorization(registry, repository);
  for (const item of [...image.layers, image.config]) await pushBlob(registry, repository, item, authorization);
  await pushManifest(registry, repository, tag ?? image.manifest.descriptor.digest, image.manifest, authorization);
}

// ---- the standard set ----

export interface Fixtures {
  /** OCI manifest, linux/amd64: gzip, gzip and plain tar layers. */
  oci: BuiltImage;
  /** Docker schema2, linux/amd64, two gzip layers. */
  docker: BuiltImage;
  /** OCI index: linux/amd64 and linux/arm64/v8, plus a provenance attestation. */
  multi: { index: BuiltBlob; amd64: BuiltImage; arm64: BuiltImage; attestation: BuiltBlob };
  /** Docker manifest list: linux/amd64 and linux/arm/v7. */
  dockerList: { index: BuiltBlob; amd64: BuiltImage; armv7: BuiltImage };
  /** One 4 MiB incompressible layer and one small one: room to cut a download in the middle. */
  big: BuiltImage;
  /** A zstd layer, when this Node can make one. */
  zstd?: BuiltImage;
  /** repository name of each, under the prefix */
  repo: (name: keyof Omit<Fixtures, 'repo'>) => string;
}

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };

export async function buildFixtures(): Promise<Omit<Fixtures, 'repo'>> {
  const oci = await buildImage({
    format: 'oci',
    platform: AMD64,
    layers: [
      { files: [{ path: 'etc/', type: 'directory' }, { path: 'etc/hostname', content: 'glassbox\n' }, { path: 'bin/', type: 'directory' }, { path: 'bin/hello', content: '#!/bin/sh\necho hello\n', mode: 0o755 }] },
      { files: [{ path: 'etc/.wh.hostname' }, { path: 'etc/motd', content: 'layer two\n' }, { path: 'bin/sh', type: 'symlink', linkname: 'hello' }] },
      { files: [{ path: 'var/', type: 'directory' }, { path: 'var/.wh..wh..opq' }, { path: 'var/note', content: 'opaque\n' }], compression: 'none' },
    ],
  });
  const docker = await buildImage({
    format: 'docker',
    platform: AMD64,
    layers: [{ files: [{ path: 'docker.txt', content: 'docker format\n' }] }, { files: [{ path: 'second.txt', content: 'second\n' }] }],
  });
  const amd64 = await buildImage({ format: 'oci', platform: AMD64, layers: [{ files: [{ path: 'arch', content: 'amd64\n' }] }] });
  const arm64 = await buildImage({ format: 'oci', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, layers: [{ files: [{ path: 'arch', content: 'arm64\n' }] }] });
  const attestation = buildAttestation(amd64.manifest);
  const multiIndex = buildIndex('oci', [
    { ...amd64.manifest.descriptor, platform: amd64.platform },
    { ...arm64.manifest.descriptor, platform: arm64.platform },
    attestation.entry,
  ]);
  const dAmd64 = await buildImage({ format: 'docker', platform: AMD64, layers: [{ files: [{ path: 'arch', content: 'docker amd64\n' }] }] });
  const dArm = await buildImage({ format: 'docker', platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, layers: [{ files: [{ path: 'arch', content: 'docker arm v7\n' }] }] });
  const list = buildIndex('docker', [
    { ...dAmd64.manifest.descriptor, platform: dAmd64.platform },
    { ...dArm.manifest.descriptor, platform: dArm.platform },
  ]);
  const big = await buildImage({
    format: 'oci',
    platform: AMD64,
    layers: [{ files: [{ path: 'noise.bin', content: noiseBytes(4 * 1024 * 1024) }], compression: 'none' }, { files: [{ path: 'small', content: 'small\n' }] }],
  });
  const zstd = zstdSupported()
    ? await buildImage({ format: 'oci', platform: AMD64, layers: [{ files: [{ path: 'zstd.txt', content: 'zstd layer\n' }], compression: 'zstd' }] })
    : undefined;
  return {
    oci,
    docker,
    multi: { index: multiIndex, amd64, arm64, attestation: attestation.manifest },
    dockerList: { index: list, amd64: dAmd64, armv7: dArm },
    big,
    ...(zstd ? { zstd } : {}),
  };
  // attestation blobs are pushed with the index, see pushFixtures
}

/** Builds and pushes the standard set under `prefix/` (use `public/…` for anonymous pulls in token mode). */
export async function pushFixtures(registry: TestRegistry, prefix = 'fixtures'): Promise<Fixtures> {
  const built = await buildFixtures();
  const repo = (name: string): string => `${prefix}/${name.toLowerCase()}`;
  await pushImage(registry, repo('oci'), 'v1', built.oci);
  await pushImage(registry, repo('docker'), 'v1', built.docker);
  await pushImage(registry, repo('big'), 'v1', built.big);
  if (built.zstd) await pushImage(registry, repo('zstd'), 'v1', built.zstd);

  const multi = repo('multi');
  await pushImage(registry, multi, undefined, built.multi.amd64);
  await pushImage(registry, multi, undefined, built.multi.arm64);
  const auth = await pushAuthorization(registry, multi);
  const attestation = buildAttestation(built.multi.amd64.manifest);
  for (const item of attestation.blobs) await pushBlob(registry, multi, item, auth);
  await pushManifest(registry, multi, attestation.manifest.descriptor.digest, attestation.manifest, auth);
  await pushManifest(registry, multi, 'v1', built.multi.index, auth);

  const list = repo('dockerList');
  await pushImage(registry, list, undefined, built.dockerList.amd64);
  await pushImage(registry, list, undefined, built.dockerList.armv7);
  await pushManifest(registry, list, 'v1', built.dockerList.index, await pushAuthorization(registry, list));
  return { ...built, repo };
}
