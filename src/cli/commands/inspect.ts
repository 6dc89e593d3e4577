import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import { formatReference, parseReference } from '../../oci/reference.js';
import type { ResolvedImage } from '../../store/read-image.js';
import { openStore } from '../../store/store.js';
import { printError, printJson, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { familiarName } from './image-format.js';
import { findContainer } from '../../container/names.js';
import type { ListedContainer } from '../../container/state.js';
import { loadContainers, optionalKernel } from './container-context.js';
import { describeContainer } from './container-inspect.js';

/**
`glassbox inspect NAME...`: a container (see container-inspect.ts), as `docker inspect` looks
for one first; otherwise an image, like `docker image inspect`, a JSON array with Docker's fields
(Id, RepoTags, RepoDigests, Created, Config, RootFS, Size) and the path from name to bytes
that Docker hides: the index the tag resolved to, the manifest, and each layer's digest,
size, media type and diff_id. The output is JSON with or without --json, as Docker's is.
*/
export interface InspectedImage {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created?: string;
  Author?: string;
  Architecture: string;
  Os: string;
  Variant?: string;
  Config: unknown;
  RootFS: { Type: string; Layers: string[] };
  Size: number;
  Index?: { mediaType: string; digest: string; size: number };
  Manifest: { mediaType: string; digest: string; size: number };
  Layers: { mediaType: string; digest: string; size: number; diffId: string | undefined }[];
  History: unknown[];
}

export async function runInspect(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  if (positionals.length === 0) throw new GlassboxError('CLI_USAGE', 'inspect needs at least one container or image', { kind: 'user', hint: 'glassbox inspect busybox' });
  const { store } = await openStore();
  const containers = await loadContainers(await optionalKernel(options));
  const found: unknown[] = [];
  let failed = 0;
  for (const input of positionals) {
    try {
      const container = lookupContainer(input, containers);
      found.push(container === undefined ? describeImage(store.resolveImage(input)) : describeContainer(container));
    } catch (error) {
      failed++;
      if (!options.json) printError(io, error, false);
      else io.stderr.write(`${JSON.stringify({ error: { input, message: error instanceof Error ? error.message : String(error) } })}\n`);
    }
  }
  printJson(io, found);
  return failed > 0 ? 1 : 0;
}

/** The container `input` names, or undefined when none does (then it is an image). */
function lookupContainer(input: string, containers: readonly ListedContainer[]) {
  try {
    return findContainer(input, containers).state;
  } catch (error) {
    if (GlassboxError.is(error) && error.code === 'CONTAINER_NOT_FOUND') return undefined;
    throw error;
  }
}

export function describeImage(image: ResolvedImage): InspectedImage {
  const { config } = image;
  const repoOf = (name: string): string | undefined => {
    try {
      const reference = parseReference(name);
      return formatReference({ domain: reference.domain, path: reference.path });
    } catch {
      return undefined;
    }
  };
  // RepoDigests name the digest a registry serves for the name: the index when there was one.
  const servedDigest = image.index?.descriptor.digest ?? image.manifestDescriptor.digest;
  const repositories = [...new Set(image.names.map(repoOf).filter((repo): repo is string => repo !== undefined))];
  const inspected: InspectedImage = {
    Id: image.id,
    RepoTags: image.names.filter((name) => !name.includes('@')).map(familiarName),
    RepoDigests: repositories.map((repo) => familiarName(`${repo}@${servedDigest}`)),
    Architecture: config.architecture,
    Os: config.os,
    Config: config.config ?? {},
    RootFS: { Type: config.rootfs.type, Layers: config.rootfs.diff_ids },
    Size: image.layers.reduce((sum, layer) => sum + layer.size, image.manifest.config.size),
    Manifest: pick(image.manifestDescriptor),
    Layers: image.layers.map((layer, i) => ({ ...pick(layer), diffId: config.rootfs.diff_ids[i] })),
    History: config.history ?? [],
  };
  if (config.created !== undefined) inspected.Created = config.created;
  if (config.author !== undefined) inspected.Author = config.author;
  if (config.variant !== undefined) inspected.Variant = config.variant;
  if (image.index !== undefined) inspected.Index = pick(image.index.descriptor);
  return inspected;
}

function pick(descriptor: { mediaType: string; digest: string; size: number }): { mediaType: string; digest: string; size: number } {
  return { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
}
