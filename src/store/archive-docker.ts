import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { checkConfigMatches, parseImageConfig } from '../oci/config.js';
import type { Descriptor } from '../oci/descriptor.js';
import { shortDigest } from '../oci/digest.js';
import type { ImageManifest } from '../oci/manifest.js';
import { MEDIA } from '../oci/media-types.js';
import { formatReference, parseReference } from '../oci/reference.js';
import { refused, storedAt, type ArchiveContents } from './archive-read.js';
import type { ImageStore } from './store.js';

/**
The classic `docker save` format (Docker before 25): `manifest.json` lists, per image, the
config file (`<id>.json`), its tags and its layer tars (`<id>/layer.tar`, uncompressed).
glassbox turns each into an OCI image: the config blob byte for byte (its digest is the
image ID), the layer tars as they are, and a new OCI manifest pointing at them.

Nothing in the archive vouches for the layer files, so each is checked against the config's
rootfs.diff_ids (the sha256 of the uncompressed tar), decompressing when it is gzip.
*/
interface DockerSaveItem {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

export interface ImageToName {
  manifest: Descriptor;
  names: string[];
}

export async function importDockerSave(store: ImageStore, contents: ArchiveContents, manifestJson: Buffer): Promise<ImageToName[]> {
  const items = parseDockerManifest(manifestJson);
  const images: ImageToName[] = [];
  for (const item of items) {
    const configBytes = contents.metadata.get(item.Config) ?? readStored(store, contents, item.Config);
    if (configBytes === undefined) throw refused(`manifest.json names config ${item.Config}, which is not in the archive`);
    const config = parseImageConfig(configBytes);
    const configDescriptor = await store.putBlob(configBytes, MEDIA.ociConfig);
    const layers: Descriptor[] = [];
    for (const [i, layerPath] of item.Layers.entries()) {
      const layer = storedAt(contents, layerPath);
      if (layer === undefined) throw refused(`manifest.json names layer ${layerPath}, which is not in the archive`);
      const diffId = layer.gzip ? await gunzippedDigest(store.blobPath(layer.digest)) : layer.digest;
      const expected = config.rootfs.diff_ids[i];
      if (diffId !== expected) {
        throw refused(`layer ${layerPath} hashes to ${shortDigest(diffId)} but the config expects diff_id ${expected === undefined ? 'none' : shortDigest(expected)}`);
      }
      layers.push({ mediaType: layer.gzip ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest: layer.digest, size: store.blobSize(layer.digest) ?? layer.size });
    }
    const manifest: ImageManifest = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: configDescriptor, layers };
    checkConfigMatches(config, manifest);
    const stored = await store.putBlob(Buffer.from(JSON.stringify(manifest)), MEDIA.ociManifest);
    images.push({
      manifest: { ...stored, platform: { os: config.os, architecture: config.architecture } },
      names: (item.RepoTags ?? []).map((tag) => formatReference(parseReference(tag))),
    });
  }
  return images;
}

function parseDockerManifest(bytes: Buffer): DockerSaveItem[] {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw refused('manifest.json is not valid JSON');
  }
  if (!Array.isArray(value)) throw refused('manifest.json is not a list');
  return value.map((item: unknown, i) => {
    const entry = item as Partial<DockerSaveItem>;
    const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((s) => typeof s === 'string');
    if (typeof entry?.Config !== 'string' || !strings(entry.Layers) || (entry.RepoTags != null && !strings(entry.RepoTags))) {
      throw refused(`manifest.json entry ${i} needs Config, Layers and optional RepoTags`);
    }
    return { Config: entry.Config, Layers: entry.Layers, RepoTags: entry.RepoTags ?? null };
  });
}

function readStored(store: ImageStore, contents: ArchiveContents, name: string): Buffer | undefined {
  const found = storedAt(contents, name);
  return found === undefined ? undefined : fs.readFileSync(store.blobPath(found.digest));
}

async function gunzippedDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), createGunzip(), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) hash.update(chunk);
  });
  return `sha256:${hash.digest('hex')}`;
}
