import fs from 'node:fs';
import type { Descriptor } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { DEFAULT_DOMAIN, parseReference } from '../oci/reference.js';
import { ANNOTATION_INDEX, ANNOTATION_SOURCE_MANIFEST, refNameOf } from '../store/index-file.js';
import { readManifestBlob } from '../store/read-image.js';
import type { ImageStore } from '../store/store.js';

/**
The store as a registry sees it: repositories, their tags, and which manifests and blobs
belong to each. A registry is scoped by repository, so a blob is served only under a
repository whose images use it; nothing else in the store can be fetched.

Repository names: a stored `docker.io/library/busybox:1.36` is served as `library/busybox`,
as `busybox` (what `docker pull HOST/busybox` asks for) and by its full name
`docker.io/library/busybox`; `glassbox.local/demo:latest` as `demo` and
`glassbox.local/demo`. When two registries' images share a short name, docker.io wins, then
the alphabetically first registry; the full name always reaches each.

The view is rebuilt when index.json changes (it is replaced by rename, so its inode changes).
*/
export interface RepositoryView {
  name: string;
  /** The full repository this name serves (`docker.io/library/busybox` for `busybox`). */
  fullName: string;
  /** tag → what the tag serves (the pulled manifest, byte for byte) */
  tags: Map<string, ServedManifest>;
  /** manifest and index digests servable by digest → their media type */
  manifests: Map<string, string>;
  /** every digest servable as a blob (configs, layers, and the manifests themselves) */
  blobs: Set<string>;
}

export interface ServedManifest {
  digest: string;
  mediaType: string;
}

export interface RegistryView {
  repositories: Map<string, RepositoryView>;
}

interface Candidate {
  domain: string;
  repo: string;
}

export function buildRegistryView(store: ImageStore): RegistryView {
  const short = new Map<string, string>(); // short name → the domain that owns it
  const named: { entry: Descriptor; domain: string; path: string; tag: string | undefined }[] = [];
  for (const entry of store.readIndex().manifests) {
    const name = refNameOf(entry);
    if (name === undefined) continue;
    let reference;
    try {
      reference = parseReference(name);
    } catch {
      continue; // a bare tag from another tool's layout names no repository
    }
    named.push({ entry, domain: reference.domain, path: reference.path, tag: reference.tag });
    for (const alias of shortNames(reference)) {
      const owner = short.get(alias.repo);
      if (owner === undefined || prefer(alias.domain, owner)) short.set(alias.repo, alias.domain);
    }
  }
  const repositories = new Map<string, RepositoryView>();
  const repositoryFor = (name: string, fullName: string): RepositoryView => {
    let view = repositories.get(name);
    if (view === undefined) repositories.set(name, (view = { name, fullName, tags: new Map(), manifests: new Map(), blobs: new Set() }));
    return view;
  };
  for (const { entry, domain, path, tag } of named) {
    const served = servedManifest(store, entry);
    const names = [`${domain}/${path}`, ...shortNames({ domain, path }).filter((alias) => short.get(alias.repo) === domain).map((alias) => alias.repo)];
    for (const name of names) {
      const view = repositoryFor(name, `${domain}/${path}`);
      if (tag !== undefined) view.tags.set(tag, served);
      addReachable(store, entry, view);
    }
  }
  return { repositories };
}

function shortNames(reference: { domain: string; path: string }): Candidate[] {
  const names = [{ domain: reference.domain, repo: reference.path }];
  if (reference.domain === DEFAULT_DOMAIN && reference.path.startsWith('library/')) {
    names.push({ domain: reference.domain, repo: reference.path.slice('library/'.length) });
  }
  return names;
}

function prefer(domain: string, owner: string): boolean {
  if (owner === DEFAULT_DOMAIN) return false;
  if (domain === DEFAULT_DOMAIN) return true;
  return domain < owner;
}

/** What a tag serves: the Docker original when the entry is its OCI rendition. */
function servedManifest(store: ImageStore, entry: Descriptor): ServedManifest {
  const source = entry.annotations?.[ANNOTATION_SOURCE_MANIFEST];
  if (source !== undefined && isDigest(source) && store.hasBlob(source)) {
    const doc = readManifestBlob(store.paths, { digest: source });
    return { digest: source, mediaType: doc.kind === 'index' ? doc.index.mediaType : doc.manifest.mediaType };
  }
  return { digest: entry.digest, mediaType: entry.mediaType };
}

function addReachable(store: ImageStore, entry: Descriptor, view: RepositoryView): void {
  const visit = (digest: string): void => {
    if (view.blobs.has(digest) || !store.hasBlob(digest)) return;
    view.blobs.add(digest);
    let doc;
    try {
      doc = readManifestBlob(store.paths, { digest });
    } catch {
      return;
    }
    if (doc.kind === 'index') {
      view.manifests.set(digest, doc.index.mediaType);
      doc.index.manifests.forEach((child) => visit(child.digest));
    } else {
      view.manifests.set(digest, doc.manifest.mediaType);
      for (const blob of [doc.manifest.config, ...doc.manifest.layers]) if (store.hasBlob(blob.digest)) view.blobs.add(blob.digest);
    }
  };
  visit(entry.digest);
  for (const key of [ANNOTATION_SOURCE_MANIFEST, ANNOTATION_INDEX]) {
    const digest = entry.annotations?.[key];
    if (digest !== undefined && isDigest(digest)) visit(digest);
  }
}

/** `busybox:latest`, `demo:latest`: each served image under its shortest name, for screens. */
export function listServedImages(view: RegistryView): string[] {
  const shortest = new Map<string, RepositoryView>();
  for (const repo of view.repositories.values()) {
    const best = shortest.get(repo.fullName);
    if (best === undefined || repo.name.length < best.name.length) shortest.set(repo.fullName, repo);
  }
  return [...shortest.values()].flatMap((repo) => [...repo.tags.keys()].map((tag) => `${repo.name}:${tag}`)).sort();
}

/** Caches the view until index.json is replaced. */
export class CachedRegistryView {
  #key = '';
  #view: RegistryView | undefined;

  constructor(private readonly store: ImageStore) {}

  get(): RegistryView {
    let key = 'missing';
    try {
      const stat = fs.statSync(this.store.paths.indexFile);
      key = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      // no index.json yet: an empty registry
    }
    if (this.#view === undefined || key !== this.#key) {
      this.#view = buildRegistryView(this.store);
      this.#key = key;
    }
    return this.#view;
  }
}
