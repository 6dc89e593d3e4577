import { imageInspect } from './image-inspect.js';
import { imagePull } from './image-pull.js';
import { layersUnpack } from './layers-unpack.js';
import { overlayDelete, overlayMount, overlayUnmount, overlayWrite } from './overlay.js';
import type { TourAction } from './define.js';

/** Every action a lesson step may name, by name. The lesson checker holds lessons to this list. */
const ALL = [imagePull, imageInspect, layersUnpack, overlayMount, overlayWrite, overlayDelete, overlayUnmount] as unknown as TourAction[];

export const ACTIONS: ReadonlyMap<string, TourAction> = new Map(ALL.map((action) => [action.name, action]));

export { checkActionArgs, type ArgRule, type TourAction } from './define.js';
