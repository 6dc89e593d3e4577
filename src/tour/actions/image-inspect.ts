import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { shortDigest } from '../../oci/digest.js';
import { defineAction, planned } from './define.js';
import { need } from './state.js';

/**
`docker inspect` from the store's files: the tag names a manifest, the manifest names the config
and the layers by digest, and each digest is the sha256 of the blob's bytes (recomputed here, so
content addressing is shown, not told).
*/
type InspectArgs = { show?: 'manifest' | 'config' | 'history' };

export const imageInspect = defineAction<InspectArgs>({
  name: 'image.inspect',
  summary: { en: 'read the pulled image\'s manifest, config and history from the store', ko: '저장소에서 받은 이미지의 매니페스트, 설정, 히스토리를 읽기' },
  args: { show: { type: 'string', values: ['manifest', 'config', 'history'] } },
  facts: ['layers', 'digestMatches', 'configMatches', 'manifestMediaType', 'cmd', 'historyEntries', 'emptyHistory', 'diffIds'],
  views: ['text'],
  requires: () => [],
  plan: (args) => [
    planned('store', 'read', ['index.json'], { en: 'the tag → the manifest digest', ko: '태그 → 매니페스트 다이제스트' }),
    planned('store', 'read', ['blobs/sha256/<manifest>']),
    planned('store', 'sha256', ['blobs/sha256/<manifest>'], { en: 'does the content give the digest?', ko: '내용의 해시가 다이제스트와 같은가?' }),
    ...(args.show === 'manifest' ? [] : [planned('store', 'read', ['blobs/sha256/<config>'])]),
  ],
  async run(args, ctx, update) {
    const { store, image } = need(ctx, 'image');
    const hashOf = (digest: string): string => {
      const started = performance.now();
      const hex = createHash('sha256').update(fs.readFileSync(store.blobPath(digest))).digest('hex');
      update({ call: { by: 'store', call: 'sha256', args: [`blobs/sha256/${shortDigest(digest)}`], result: shortDigest(`sha256:${hex}`), ms: performance.now() - started } });
      return `sha256:${hex}`;
    };
    const manifestDigest = image.manifestDescriptor.digest;
    const digestMatches = hashOf(manifestDigest) === manifestDigest;
    const configMatches = hashOf(image.id) === image.id;
    const config = image.config;
    const history = config.history ?? [];
    const cmd = [...(config.config?.Entrypoint ?? []), ...(config.config?.Cmd ?? [])].join(' ');
    const lines = linesFor(args.show ?? 'manifest', { manifestDigest, image, cmd });
    return {
      view: { kind: 'text', lines },
      facts: {
        layers: image.layers.length,
        digestMatches,
        configMatches,
        manifestMediaType: image.manifest.mediaType ?? image.manifestDescriptor.mediaType,
        cmd,
        historyEntries: history.length,
        emptyHistory: history.filter((entry) => entry.empty_layer === true).length,
        diffIds: config.rootfs.diff_ids.length,
      },
    };
  },
});

function linesFor(
  show: NonNullable<InspectArgs['show']>,
  { manifestDigest, image, cmd }: { manifestDigest: string; image: ReturnType<typeof need<'image'>>['image']; cmd: string },
): string[] {
  switch (show) {
    case 'manifest':
      return [
        `tag latest → manifest ${shortDigest(manifestDigest)} (${image.manifestDescriptor.mediaType})`,
        `config ${shortDigest(image.id)} (${image.manifest.config.size} B)`,
        ...image.layers.map((layer, i) => `layer ${i + 1} ${shortDigest(layer.digest)} ${layer.size} B ${layer.mediaType}`),
      ];
    case 'config':
      return [
        `os/arch ${image.config.os}/${image.config.architecture}`,
        `cmd ${cmd}`,
        ...(image.config.config?.Env ?? []).map((env) => `env ${env}`),
        ...image.config.rootfs.diff_ids.map((diffId, i) => `diff_id ${i + 1} ${shortDigest(diffId)}`),
      ];
    case 'history':
      return (image.config.history ?? []).map((entry) => `${entry.empty_layer === true ? '(no layer) ' : ''}${entry.created_by ?? ''}`);
  }
}
