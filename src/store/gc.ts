import fs from 'node:fs';
import type { Descriptor } from '../oci/descriptor.js';
import { hasBlob, listBlobs } from './blobs.js';
import { isDigest } from '../oci/digest.js';
import { ANNOTATION_INDEX, ANNOTATION_SOURCE_MANIFEST, readLayoutIndex, type LayoutIndex } from './index-file.js';
import { blobPath, type StorePaths } from './layout.js';
import { liveLeases } from './leases.js';
import { readManifestBlob } from './read-image.js';

/**
Mark and sweep, as containerd's content garbage collector does: every blob reachable from
index.json (entry → index → manifests → config and layers) is kept, the rest is removed.
Runs under the store lock; skips the sweep while another process holds a lease (leases.ts).
*/
export interface GcResult {
  removed: { digest: string; size: number }[];
  freedBytes: number;
  /** Set when the sweep was skipped, saying why. */
  skipped?: string;
}

export function markReachable(paths: StorePaths, index: LayoutIndex): Set<string> {
  const marked = new Set<string>();
  const visit = (descriptor: { digest: string; mediaType?: string }): void => {
    if (marked.has(descriptor.digest) || !hasBlob(paths, descriptor.digest)) return;
    marked.add(descriptor.digest);
    let doc;
    try {
      doc = readManifestBlob(paths, descriptor);
    } catch {
      return; // a layer or config, or a damaged document: keep the blob, follow nothing
    }
    if (doc.kind === 'index') doc.index.manifests.forEach(visit);
    else [doc.manifest.config, ...doc.manifest.layers].forEach((child: Descriptor) => marked.add(child.digest));
  };
  for (const entry of index.manifests) {
    visit(entry);
    for (const key of [ANNOTATION_INDEX, ANNOTATION_SOURCE_MANIFEST]) {
      const digest = entry.annotations?.[key];
      if (digest !== undefined && isDigest(digest)) visit({ digest });
    }
  }
  return marked;
}

/** Call with the store lock held. `ownLease` is the caller's own lease, which does not block it. */
export function sweepUnreferenced(paths: StorePaths, ownLease?: string): GcResult {
  const leases = liveLeases(paths, ownLease);
  if (leases.length > 0) {
    return { removed: [], freedBytes: 0, skipped: `${leases.length} pull or load in progress` };
  }
  const marked = markReachable(paths, readLayoutIndex(paths));
  const removed: GcResult['removed'] = [];
  for (const digest of listBlobs(paths)) {
    if (marked.has(digest)) continue;
    const file = blobPath(paths, digest);
    let size = 0;
    try {
      size = fs.statSync(file).size;
      fs.rmSync(file);
    } catch {
      continue;
    }
    removed.push({ digest, size });
  }
  return { removed, freedBytes: removed.reduce((sum, blob) => sum + blob.size, 0) };
}
