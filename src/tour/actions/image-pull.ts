import path from 'node:path';
import { startDemoRegistry } from '../../demo/demo-registry.js';
import { shortDigest } from '../../oci/digest.js';
import { loadUndici } from '../../pull/http.js';
import { pullImage } from '../../pull/index.js';
import type { RequestLog } from '../../serve/registry-handler.js';
import { openStore } from '../../store/store.js';
import type { CallRecord } from '../types.js';
import { defineAction, planned } from './define.js';
import { keep, peek } from './state.js';

/**
`docker pull`, for real even on the simulation (a pull needs no root): glassbox serves its demo
image from a registry of its own on 127.0.0.1 and pulls it over HTTP into a store in the lesson's
scratch directory. Every request the registry answers is a line of the call log.
*/
export const imagePull = defineAction<Record<string, never>>({
  name: 'image.pull',
  summary: { en: 'pull the demo image from a registry on 127.0.0.1 into a fresh store', ko: '127.0.0.1의 레지스트리에서 데모 이미지를 새 저장소로 pull' },
  args: {},
  facts: ['layers', 'downloadedBytes', 'requests', 'reused'],
  views: ['text'],
  requires: () => [],
  warmUp: () => void loadUndici(),
  plan: () => [
    planned('store', 'http GET', ['/v2/'], { en: 'does the registry speak the v2 API?', ko: '레지스트리가 v2 API를 쓰는가?' }),
    planned('store', 'http GET', ['/v2/demo/manifests/latest'], { en: 'the tag resolves to a manifest (by digest)', ko: '태그가 매니페스트(다이제스트)로 풀린다' }),
    planned('store', 'http GET', ['/v2/demo/blobs/<config digest>'], { en: 'the image config', ko: '이미지 설정(config)' }),
    planned('store', 'http GET', ['/v2/demo/blobs/<layer digest>', '× each layer'], { en: 'each layer, checked against its sha256', ko: '각 레이어, sha256으로 검증' }),
  ],
  async run(_args, ctx, update) {
    const existing = peek(ctx, 'image');
    if (existing !== undefined) return pulledOutcome(existing.image.layers.map((l) => l.size), existing.reference, existing.image.manifestDescriptor.digest, 0, 0, existing.image.layers.length);
    const requests: CallRecord[] = [];
    const onRequest = (log: RequestLog): void => {
      const call: CallRecord = { by: 'store', call: `http ${log.method}`, args: [normalizeRequestPath(log.path)], result: String(log.status), ms: log.ms };
      requests.push(call);
      update({ call });
    };
    // The demo image is built once into $GLASSBOX_HOME/demo-registry and served from there; where
    // that cannot be written (a read-only home), it is built in the lesson's scratch directory.
    const demo = await startDemoRegistry({ onRequest }).catch(() => startDemoRegistry({ root: path.join(ctx.workdir, 'demo-registry'), onRequest }));
    ctx.defer('stop the demo registry', () => demo.close());
    const { store } = await openStore({ root: path.join(ctx.workdir, 'images') });
    ctx.defer('close the image store', () => store.close());
    const result = await pullImage(demo.reference, store, { signal: ctx.signal, credentials: null });
    const image = store.resolveImage(demo.reference);
    keep(ctx, 'image', { store, reference: demo.reference, image });
    return pulledOutcome(result.layers.map((l) => l.size), demo.reference, result.manifest.digest, result.downloaded, requests.length, result.reused);
  },
});

function pulledOutcome(sizes: number[], reference: string, digest: string, downloaded: number, requests: number, reused: number) {
  return {
    view: {
      kind: 'text' as const,
      lines: [`${reference.replace(/^[^/]+\//, '<registry>/')} → ${shortDigest(digest)}`, ...sizes.map((size, i) => `layer ${i + 1}: ${size} B`)],
    },
    facts: { layers: sizes.length, downloadedBytes: downloaded, requests, reused },
  };
}

/** Blob and manifest paths name digests: fine to show, but the port is the registry's own. */
function normalizeRequestPath(requestPath: string): string {
  return requestPath.split('?')[0]!;
}
