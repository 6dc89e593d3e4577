import { createHash } from 'node:crypto';
import { GlassboxError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { MANIFEST_ACCEPT } from '../oci/media-types.js';
import { MAX_MANIFEST_BYTES, parseManifest, type ManifestDocument } from '../oci/manifest.js';
import { headerValue, readErrorBody, type HttpResponse } from './http.js';
import { httpStatusError, integrityError } from './pull-errors.js';
import { pullScope, type RegistryClient } from './registry-client.js';

/**
Fetches a manifest or index by tag or digest and checks it before anyone reads it: size capped
while reading, sha256 computed over the exact bytes (they are what the digest names, so they
are stored as received, never re-serialized), and compared with the digest asked for or,
by tag, with the registry's `Docker-Content-Digest`.
*/
export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
  document: ManifestDocument;
}

export async function fetchManifest(client: RegistryClient, repository: string, selector: string, signal?: AbortSignal): Promise<FetchedManifest> {
  const what = `manifest ${repository}:${selector}`;
  const { response } = await client.request(`/v2/${repository}/manifests/${selector}`, {
    what,
    scopes: [pullScope(repository)],
    headers: { accept: MANIFEST_ACCEPT },
    ...(signal ? { signal } : {}),
  });
  if (response.status !== 200) throw httpStatusError(what, response.status, await readErrorBody(response));
  const bytes = await readCapped(response, MAX_MANIFEST_BYTES, what);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (isDigest(selector) && digest !== selector) {
    throw integrityError('PULL_DIGEST_MISMATCH', `${what}: received content has digest ${digest}`);
  }
  const claimed = headerValue(response, 'docker-content-digest');
  if (!isDigest(selector) && claimed !== undefined && claimed.startsWith('sha256:') && claimed !== digest) {
    throw integrityError('PULL_DIGEST_MISMATCH', `${what}: the registry says ${claimed} but the content is ${digest}`);
  }
  const document = parseManifest(bytes, headerValue(response, 'content-type'));
  const mediaType = document.kind === 'index' ? document.index.mediaType : document.manifest.mediaType;
  return { descriptor: { mediaType, digest, size: bytes.length }, bytes, document };
}

async function readCapped(response: HttpResponse, limit: number, what: string): Promise<Buffer> {
  const tooLarge = (): GlassboxError =>
    new GlassboxError('OCI_MANIFEST_TOO_LARGE', `${what}: more than ${limit} bytes`, {
      kind: 'user',
      hint: 'real manifests are a few kilobytes; the registry may be broken or hostile',
    });
  const declared = Number(headerValue(response, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response.body) {
    length += (chunk as Buffer).length;
    if (length > limit) {
      response.body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, length);
}
