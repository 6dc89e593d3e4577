import { GlassboxError } from '../errors.js';
import { checkConfigMatches, MAX_CONFIG_BYTES, parseImageConfig, type ImageConfig } from '../oci/config.js';
import type { Descriptor } from '../oci/descriptor.js';
import { checkImageManifest, MAX_MANIFEST_BYTES, parseManifest, type ImageIndex, type ImageManifest, type ManifestDocument } from '../oci/manifest.js';
import { INDEX_TYPES, MEDIA } from '../oci/media-types.js';
import { hostPlatform, selectPlatform, type PlatformSpec } from '../oci/platform.js';
import { DEFAULT_DOMAIN, formatReference, parseReference, repositoryName, type ImageReference } from '../oci/reference.js';
import { blobSize, hasBlob, readSmallBlob } from './blobs.js';
import { isDigest } from '../oci/digest.js';
import { ANNOTATION_INDEX, ANNOTATION_SOURCE_MANIFEST, refNameOf, type LayoutIndex } from './index-file.js';
import type { StorePaths } from './layout.js';

/**
From a name the user typed to the files of one image: index.json entry → (index →
platform) → manifest → config and layers. The same walk `skopeo inspect oci:…` does.
*/
export interface ResolvedImage {
  /** The entry of index.json that was matched. */
  entry: Descriptor;
  /** Every reference naming this manifest (Docker's RepoTags). */
  names: string[];
  /** The index the entry points to, or the one it was pulled through (Docker's RepoDigests). */
  index?: { descriptor: Descriptor; document: ImageIndex };
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  config: ImageConfig;
  /** The config digest: Docker's image ID. */
  id: string;
  layers: Descriptor[];
}

/** `mediaType` is what the parent said the document is; left out, the document's own field decides. */
export function readManifestBlob(paths: StorePaths, descriptor: { digest: string; mediaType?: string }): ManifestDocument {
  const bytes = readSmallBlob(paths, descriptor.digest, MAX_MANIFEST_BYTES, 'manifest');
  return parseManifest(bytes, descriptor.mediaType);
}

/** The index.json entries a user's input names, by reference first and then by image ID prefix. */
export function findEntries(paths: StorePaths, index: LayoutIndex, input: string): Descriptor[] {
  return matchEntries(paths, index, input).entries;
}

/** Like findEntries, saying whether the input was a name or an image ID (rmi treats them differently). */
export function matchEntries(paths: StorePaths, index: LayoutIndex, input: string): { entries: Descriptor[]; by: 'name' | 'id' } {
  const byName = findByReference(index, input);
  if (byName.length > 0) return { entries: byName, by: 'name' };
  return { entries: findById(paths, index, input), by: 'id' };
}

function findById(paths: StorePaths, index: LayoutIndex, input: string): Descriptor[] {
  const hex = /^(?:sha256:)?([a-f0-9]{4,64})$/.exec(input)?.[1];
  if (hex === undefined) return [];
  return index.manifests.filter((entry) => {
    if (entryDigests(entry).some((digest) => digest.slice(7).startsWith(hex))) return true;
    const id = imageIdOf(paths, entry);
    return id !== undefined && id.slice(7).startsWith(hex);
  });
}

function findByReference(index: LayoutIndex, input: string): Descriptor[] {
  // Layouts written by other tools name entries with a bare tag (`skopeo copy … oci:dir:v1`).
  const raw = index.manifests.filter((entry) => refNameOf(entry) === input);
  if (raw.length > 0) return raw;
  let wanted;
  try {
    wanted = parseReference(input);
  } catch {
    return [];
  }
  const found = findNamed(index, wanted);
  if (found.length > 0 || !isShortName(input, wanted)) return found;
  // Like podman's localhost/ for images built on the machine: a short name that Docker Hub
  // does not have in the store may be one glassbox made here (`demo` → glassbox.local/demo).
  return findNamed(index, { ...wanted, domain: LOCAL_DOMAIN, path: wanted.path.replace(/^library\//, '') });
}

/** The registry name of images made on this machine (the demo image). */
export const LOCAL_DOMAIN = 'glassbox.local';

function isShortName(input: string, reference: ImageReference): boolean {
  return reference.domain === DEFAULT_DOMAIN && !/^(?:docker\.io|index\.docker\.io)\//.test(input);
}

function findNamed(index: LayoutIndex, wanted: ImageReference): Descriptor[] {
  const full = formatReference(wanted);
  const exact = index.manifests.filter((entry) => refNameOf(entry) === full);
  if (exact.length > 0 || wanted.digest === undefined) return exact;
  // name@digest: any entry of that repository whose manifest or index has this digest.
  const repository = repositoryName(wanted);
  return index.manifests.filter((entry) => {
    const name = refNameOf(entry);
    if (name === undefined) return false;
    let stored;
    try {
      stored = parseReference(name);
    } catch {
      return false;
    }
    return repositoryName(stored) === repository && entryDigests(entry).includes(wanted.digest!);
  });
}

/** The digests an entry answers to: its own, the Docker original's, the index it came through. */
export function entryDigests(entry: Descriptor): string[] {
  const digests = [entry.digest];
  for (const key of [ANNOTATION_SOURCE_MANIFEST, ANNOTATION_INDEX]) {
    const digest = entry.annotations?.[key];
    if (digest !== undefined && isDigest(digest)) digests.push(digest);
  }
  return digests;
}

/** The config digest of an entry, or undefined when its manifest cannot be read. */
export function imageIdOf(paths: StorePaths, entry: Descriptor): string | undefined {
  try {
    return manifestOf(paths, entry).manifest.config.digest;
  } catch {
    return undefined;
  }
}

export function resolveEntry(paths: StorePaths, index: LayoutIndex, entry: Descriptor, platform: PlatformSpec = hostPlatform()): ResolvedImage {
  const { manifestDescriptor, manifest, indexInfo } = manifestOf(paths, entry, platform);
  checkImageManifest(manifest);
  const configBytes = readSmallBlob(paths, manifest.config.digest, MAX_CONFIG_BYTES, 'config');
  const config = parseImageConfig(configBytes);
  checkConfigMatches(config, manifest);
  const names = index.manifests
    .filter((other) => other.digest === entry.digest)
    .map(refNameOf)
    .filter((name): name is string => name !== undefined);
  const resolved: ResolvedImage = { entry, names, manifestDescriptor, manifest, config, id: manifest.config.digest, layers: manifest.layers };
  if (indexInfo !== undefined) resolved.index = indexInfo;
  return resolved;
}

function manifestOf(
  paths: StorePaths,
  entry: Descriptor,
  platform: PlatformSpec = hostPlatform(),
): { manifestDescriptor: Descriptor; manifest: ImageManifest; indexInfo?: { descriptor: Descriptor; document: ImageIndex } } {
  const pulledThrough = entry.annotations?.[ANNOTATION_INDEX];
  if (!INDEX_TYPES.includes(entry.mediaType)) {
    // What was pulled, byte for byte: the Docker original when the entry is its OCI rendition.
    const source = entry.annotations?.[ANNOTATION_SOURCE_MANIFEST];
    const pulled: Descriptor =
      source !== undefined && isDigest(source) && hasBlob(paths, source)
        ? { mediaType: MEDIA.dockerManifest, digest: source, size: blobSize(paths, source) ?? 0, ...(entry.platform ? { platform: entry.platform } : {}) }
        : entry;
    const doc = readManifestBlob(paths, pulled);
    if (doc.kind !== 'manifest') throw notManifest(pulled);
    if (pulledThrough !== undefined && hasBlob(paths, pulledThrough)) {
      const indexDoc = readManifestBlob(paths, { digest: pulledThrough });
      if (indexDoc.kind === 'index') {
        const descriptor: Descriptor = { mediaType: indexDoc.index.mediaType, digest: pulledThrough, size: blobSize(paths, pulledThrough) ?? 0 };
        return { manifestDescriptor: pulled, manifest: doc.manifest, indexInfo: { descriptor, document: indexDoc.index } };
      }
    }
    return { manifestDescriptor: pulled, manifest: doc.manifest };
  }
  const doc = readManifestBlob(paths, entry);
  if (doc.kind !== 'index') throw notManifest(entry);
  // Only platforms whose manifest is stored can be chosen: a pull stores one platform.
  const present = doc.index.manifests.filter((child) => hasBlob(paths, child.digest));
  const choice = selectPlatform(present, platform);
  const chosen = choice.chosen ?? (present.length === 1 && present[0]!.platform === undefined ? present[0] : undefined);
  if (chosen === undefined) {
    throw new GlassboxError('STORE_PLATFORM_MISSING', `${refNameOf(entry) ?? entry.digest} has no stored manifest for this platform`, {
      kind: 'user',
      hint: choice.available.length > 0 ? `stored platforms: ${choice.available.join(', ')}` : 'pull the image again for this platform',
    });
  }
  const child = readManifestBlob(paths, chosen);
  if (child.kind !== 'manifest') throw notManifest(chosen);
  return { manifestDescriptor: chosen, manifest: child.manifest, indexInfo: { descriptor: entry, document: doc.index } };
}

function notManifest(entry: Descriptor): GlassboxError {
  return new GlassboxError('STORE_INDEX_INVALID', `${entry.digest} is stored as ${entry.mediaType} but its content says otherwise`, {
    kind: 'environment',
    hint: 'the store was changed by another tool: remove the image and pull it again',
  });
}
