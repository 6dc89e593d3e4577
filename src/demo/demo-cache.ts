import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ImageConfig } from '../oci/config.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { ImageManifest } from '../oci/manifest.js';
import { refNameOf } from '../store/index-file.js';
import { writeFileAtomic } from '../store/temp-files.js';
import type { ImageStore } from '../store/store.js';
import type { DemoPlan, DemoSources } from './demo-plan.js';

/**
The demo is built once per store (per GLASSBOX_HOME for the tour) and found again by a
fingerprint of everything its bytes come from: the plan's entries and texts, the config, and
each host file by path, size, mtime and inode. Rebuilding costs ~0.5 s of gzip at level 9 and a
few hundred ms of hashing and writing, in the first step of every lesson; finding it is a stat
per source and two small JSON reads. Any change (a rebuilt probe, a new busybox, a different plan)
changes the fingerprint, and the image is built again.
*/
export interface DemoBuildRecord {
  fingerprint: string;
  /** The manifest digest the build gave. */
  manifest: string;
}

/** Bump when build-demo.ts changes how the same plan becomes bytes (gzip level, tar format). */
const BUILD_FORMAT = 1;
const RECORD_FILE = 'demo-build.json';

export function fingerprintDemo(plan: DemoPlan, config: unknown): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ format: BUILD_FORMAT, reference: plan.reference, cmd: plan.cmd, config, sources: describeSources(plan.sources) }));
  for (const layer of plan.layers) {
    hash.update(JSON.stringify({ name: layer.name, createdBy: layer.createdBy, comment: layer.comment }));
    for (const { body, ...header } of layer.entries) {
      // Host files are covered by describeSources; texts by their bytes.
      hash.update(JSON.stringify({ ...header, body: body === undefined ? null : body instanceof Uint8Array ? createHash('sha256').update(body).digest('hex') : { size: body.size } }));
    }
  }
  return hash.digest('hex');
}

function describeSources(sources: DemoSources): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, file] of Object.entries(sources)) {
    if (file === undefined) continue;
    const stat = fs.statSync(file);
    out[name] = { file, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, dev: stat.dev };
  }
  return out;
}

export function readDemoRecord(store: ImageStore): DemoBuildRecord | null {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(store.paths.privateDir, RECORD_FILE), 'utf8')) as Partial<DemoBuildRecord>;
    return typeof record.fingerprint === 'string' && typeof record.manifest === 'string' ? { fingerprint: record.fingerprint, manifest: record.manifest } : null;
  } catch {
    return null;
  }
}

/**
Atomic (writeFileAtomic): a reader sees the old record or the new; a lost record only means one more
build. Its temp file goes in the store's tmp directory, which openStore cleans after a crash.
*/
export async function writeDemoRecord(store: ImageStore, record: DemoBuildRecord): Promise<void> {
  writeFileAtomic(path.join(store.paths.privateDir, RECORD_FILE), `${JSON.stringify(record)}\n`, { tempDir: store.paths.tmpDir });
}

export interface StoredDemo {
  manifest: Descriptor;
  config: Descriptor;
  layers: Array<{ descriptor: Descriptor; diffId: string }>;
}

/**
The image a record names, when the store still has it under the demo's name with every blob;
null otherwise (removed with rmi, collected, renamed to another build): then it is built again.
*/
export function findStoredDemo(store: ImageStore, plan: DemoPlan, record: DemoBuildRecord): StoredDemo | null {
  const entry = store.readIndex().manifests.find((candidate) => refNameOf(candidate) === plan.reference);
  if (entry === undefined || entry.digest !== record.manifest || !store.hasBlob(entry.digest)) return null;
  try {
    const manifest = JSON.parse(fs.readFileSync(store.blobPath(entry.digest), 'utf8')) as ImageManifest;
    if (!store.hasBlob(manifest.config.digest) || manifest.layers.some((layer) => !store.hasBlob(layer.digest))) return null;
    const config = JSON.parse(fs.readFileSync(store.blobPath(manifest.config.digest), 'utf8')) as ImageConfig;
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length || manifest.layers.length !== plan.layers.length) return null;
    const { annotations: _names, ...descriptor } = entry;
    return { manifest: descriptor, config: manifest.config, layers: manifest.layers.map((layer, i) => ({ descriptor: layer, diffId: diffIds[i]! })) };
  } catch {
    return null;
  }
}
