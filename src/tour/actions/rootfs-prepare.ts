import { defineAction, planned } from './define.js';
import { imagePull } from './image-pull.js';
import { layersUnpack } from './layers-unpack.js';
import { mountRootfs } from './overlay.js';
import { readOverlayView } from './overlay-view.js';

/**
Lessons 2 to 4 in one step, for the lessons that start a container: pull the demo image, unpack
its layers and mount them with overlayfs. The call log has every call of the three.
*/
export const rootfsPrepare = defineAction<Record<string, never>>({
  name: 'rootfs.prepare',
  summary: { en: 'pull, unpack and mount the demo image (lessons 2 to 4 in one step)', ko: '데모 이미지를 pull, unpack, 마운트(2~4강을 한 단계로)' },
  args: {},
  facts: ['layers', 'mounted'],
  views: ['overlay'],
  requires: () => ['root', 'cap:sys_admin', 'overlay'],
  warmUp: () => imagePull.warmUp?.(),
  plan: () => [
    planned('store', 'http GET', ['/v2/demo/…'], { en: 'pull (lesson 2)', ko: 'pull(2강)' }),
    planned('node', 'mkdir / writeFile / mknod', ['<layers>/…'], { en: 'unpack (lesson 3)', ko: '풀기(3강)' }),
    planned('node', 'mount', ['src=overlay', 'dst=<rootfs>/merged', 'fstype=overlay'], { en: 'overlay (lesson 4)', ko: 'overlay(4강)' }),
  ],
  async run(_args, ctx, update) {
    await imagePull.run({}, ctx, update);
    const unpacked = await layersUnpack.run({}, ctx, update);
    const plan = mountRootfs(ctx);
    return { view: readOverlayView(ctx.kernel, plan, ['/etc/hostname', '/etc/os-release', '/var/www/index.html'], true), facts: { layers: unpacked.facts.layers ?? 0, mounted: true } };
  },
});
