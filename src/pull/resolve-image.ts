import { GlassboxError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { checkImageManifest, type ImageManifest } from '../oci/manifest.js';
import { formatPlatform, platformOf, selectPlatform, type PlatformSpec } from '../oci/platform.js';
import { fetchManifest, type FetchedManifest } from './fetch-manifest.js';
import { integrityError } from './pull-errors.js';
import type { RegistryClient } from './registry-client.js';

/**
Reference → the one image manifest to pull. A tag may name an index (several platforms,
perhaps attestations) or a single manifest; for an index the platform is chosen here and its
manifest fetched by digest, so what we pull is exactly what the index named.
*/
export interface ResolvedImage {
  /** The index or manifest list the reference named, when it named one. */
  index?: FetchedManifest;
  /** The image manifest; its descriptor carries the platform when the index gave one. */
  manifest: FetchedManifest;
  image: ImageManifest;
}

const MAX_INDEX_DEPTH = 2;

export async function resolveImage(
  client: RegistryClient,
  repository: string,
  selector: string,
  platform: PlatformSpec,
  signal?: AbortSignal,
): Promise<ResolvedImage> {
  const top = await fetchManifest(client, repository, selector, signal);
  let current = top;
  for (let depth = 0; current.document.kind === 'index'; depth++) {
    if (depth >= MAX_INDEX_DEPTH) {
      throw new GlassboxError('PULL_INDEX_DEPTH', `${repository}:${selector}: indexes nested more than ${MAX_INDEX_DEPTH} deep`, { kind: 'user' });
    }
    const { chosen, available } = selectPlatform(current.document.index.manifests, platform);
    if (chosen === undefined) {
      throw new GlassboxError('PULL_NO_PLATFORM', `${repository}:${selector} has no image for ${formatPlatform(platform)}`, {
        kind: 'user',
        hint: available.length > 0 ? `available: ${available.join(', ')} (choose with --platform)` : 'the index lists no image platforms',
      });
    }
    const next = await fetchManifest(client, repository, chosen.digest, signal);
    checkAgainstDescriptor(next, chosen);
    next.descriptor = { ...next.descriptor, ...(chosen.platform ? { platform: chosen.platform } : {}) };
    current = next;
  }
  if (current.document.kind !== 'manifest') throw new Error('unreachable: loop leaves only manifests');
  const image = current.document.manifest;
  checkImageManifest(image);
  return top === current ? { manifest: current, image } : { index: top, manifest: current, image };
}

/** The index promised a size and type for the digest; the fetched bytes must keep that promise. */
function checkAgainstDescriptor(fetched: FetchedManifest, promised: Descriptor): void {
  if (fetched.descriptor.size !== promised.size) {
    throw integrityError('PULL_SIZE_MISMATCH', `manifest ${promised.digest}: index says ${promised.size} bytes, got ${fetched.descriptor.size}`);
  }
  if (fetched.descriptor.mediaType !== promised.mediaType) {
    throw new GlassboxError('OCI_MANIFEST_AMBIGUOUS', `manifest ${promised.digest}: index says ${promised.mediaType}, document is ${fetched.descriptor.mediaType}`, {
      kind: 'user',
    });
  }
}

export function describePlatform(descriptor: Descriptor): string | undefined {
  return descriptor.platform ? formatPlatform(platformOf(descriptor.platform)) : undefined;
}
