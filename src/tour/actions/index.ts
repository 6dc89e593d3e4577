import { imageInspect } from './image-inspect.js';
import { imagePull } from './image-pull.js';
import { layersUnpack } from './layers-unpack.js';
import { overlayDelete, overlayMount, overlayUnmount, overlayWrite } from './overlay.js';
import { containerProbe, containerStart, containerStop } from './container.js';
import { rootfsPrepare } from './rootfs-prepare.js';
import { cgroupWorkload } from './cgroup-workload.js';
import { chrootEscape } from './chroot-escape.js';
import { compareVm } from './compare.js';
import { flagsMap } from './flags-map.js';
import { volumes } from './volumes.js';
import type { TourAction } from './define.js';

/** Every action a lesson step may name, by name. The lesson checker holds lessons to this list. */
const ALL = [imagePull, imageInspect, layersUnpack, overlayMount, overlayWrite, overlayDelete, overlayUnmount, rootfsPrepare, containerStart, containerProbe, containerStop, cgroupWorkload, chrootEscape, compareVm, flagsMap, volumes] as unknown as TourAction[];

export const ACTIONS: ReadonlyMap<string, TourAction> = new Map(ALL.map((action) => [action.name, action]));

export { checkActionArgs, type ArgRule, type TourAction } from './define.js';
