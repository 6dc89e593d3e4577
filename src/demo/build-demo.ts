import { createPace } from '../event-loop-pace.js';
import type { Descriptor } from '../oci/descriptor.js';
import { hostPlatform } from '../oci/platform.js';
import type { ImageStore } from '../store/store.js';
import { refNameOf } from '../store/index-file.js';
import { nameImage, putLayer, writeImage, type StoredLayer } from '../store/write-image.js';
import { packTar, tarToBuffer, type TarEntrySpec } from '../unpack/tar-archive.js';
import { fingerprintDemo, findStoredDemo, readDemoRecord, writeDemoRecord } from './demo-cache.js';
import { DEMO_TIME, findDemoSources, planDemoImage, type DemoPlan, type DemoSources } from './demo-plan.js';

/**
Builds the demo image (demo-plan.ts) into the store and names it `glassbox.local/demo:latest`,
once: a store that already has this very build (demo-cache.ts: same plan, same host files) gives
it back without writing anything. A build is reproducible: when its result has the digest already
named, nothing changes in index.json. The store's lease (taken by writing blobs) is the caller's
to end with `store.close()`.
*/
export interface DemoLayer {
  name: string;
  createdBy: string;
  comment: string;
  descriptor: Descriptor;
  diffId: string;
  /** The entry names in the layer tar, in order (for screens and tests). */
  entries: string[];
}

export interface DemoImage {
  reference: string;
  manifest: Descriptor;
  config: Descriptor;
  layers: DemoLayer[];
  sources: DemoSources;
  /** false when the store already held this very image under the demo name */
  changed: boolean;
}

export async function buildDemoImage(store: ImageStore, sources: DemoSources = findDemoSources()): Promise<DemoImage> {
  const plan = planDemoImage(sources);
  const platform = hostPlatform();
  const config = demoConfig(plan, platform.architecture);
  const fingerprint = fingerprintDemo(plan, config);
  const record = readDemoRecord(store);
  const stored = record?.fingerprint === fingerprint ? findStoredDemo(store, plan, record) : null;
  if (stored !== null) {
    return {
      reference: plan.reference,
      manifest: stored.manifest,
      config: stored.config,
      layers: plan.layers.map((layer, i) => ({ ...stored.layers[i]!, name: layer.name, createdBy: layer.createdBy, comment: layer.comment, entries: layer.entries.map((e) => e.name) })),
      sources,
      changed: false,
    };
  }
  const layers: (StoredLayer & DemoLayer)[] = [];
  for (const layer of plan.layers) {
    const tar = await tarToBuffer(packTar(paced(layer.entries)));
    const stored = await putLayer(store, tar);
    layers.push({ ...stored, name: layer.name, createdBy: layer.createdBy, comment: layer.comment, entries: layer.entries.map((e) => e.name) });
  }
  const before = store.readIndex().manifests.find((entry) => refNameOf(entry) === plan.reference)?.digest;
  const written = await writeImage(store, { config, layers });
  const changed = before !== written.manifest.digest;
  if (changed) await nameImage(store, plan.reference, written.manifest);
  await writeDemoRecord(store, { fingerprint, manifest: written.manifest.digest });
  return {
    reference: plan.reference,
    manifest: written.manifest,
    config: written.config,
    layers: layers.map(({ name, createdBy, comment, descriptor, diffId, entries }) => ({ name, createdBy, comment, descriptor, diffId, entries })),
    sources,
    changed,
  };
}

function demoConfig(plan: DemoPlan, architecture: string): Parameters<typeof writeImage>[1]['config'] {
  const created = DEMO_TIME.toISOString();
  return {
    architecture,
    os: 'linux',
    created,
    config: {
      Env: ['PATH=/usr/local/bin:/bin', 'HOME=/root'],
      Cmd: plan.cmd,
      WorkingDir: '/',
      Labels: { 'org.opencontainers.image.title': 'glassbox demo', 'org.opencontainers.image.description': 'built by glassbox from this machine' },
    },
    history: [
      ...plan.layers.map((layer) => ({ created, created_by: layer.createdBy, comment: layer.comment })),
      { created, created_by: 'ENV PATH=/usr/local/bin:/bin HOME=/root', empty_layer: true },
      { created, created_by: `CMD ${JSON.stringify(plan.cmd)}`, empty_layer: true },
    ],
  };
}

/**
The entries one by one, with a turn of the event loop after every few ms of packing: tar-stream
packs in microtasks, and the base layer's ~400 headers were one ~25 ms stretch in the first step
of a lesson, where the tour's keys wait for the event loop.
*/
async function* paced(entries: readonly TarEntrySpec[], budgetMs = 5): AsyncGenerator<TarEntrySpec> {
  const pace = createPace(budgetMs);
  for (const entry of entries) {
    await pace.turn();
    yield entry;
  }
}
