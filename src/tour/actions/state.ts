import path from 'node:path';
import type { StartedContainer } from '../../container/run-container.js';
import type { ContainerSpec } from '../../container/spec.js';
import type { ProbeReport } from '../../native/probe-report.js';
import type { OverlayPlan } from '../../rootfs/overlay-plan.js';
import type { ResolvedImage } from '../../store/read-image.js';
import type { ImageStore } from '../../store/store.js';
import { createLayerFs, type LayerResult } from '../../unpack/index.js';
import type { TourContext } from '../types.js';
import { missingEarlierStep } from './define.js';

/**
What the steps of one lesson hand to each other through `ctx.session`, by name. Each getter
throws TOUR_STEP_ORDER naming the step that makes the thing, so a lesson run out of order says why.
*/
export interface PulledImage {
  store: ImageStore;
  /** What was pulled: `127.0.0.1:<port>/demo:latest`. */
  reference: string;
  image: ResolvedImage;
}

export interface UnpackedImage {
  layersDir: string;
  /** Bottom first, as the config's diff_ids. */
  layers: LayerResult[];
}

export interface MountedRootfs {
  plan: OverlayPlan;
  mounted: boolean;
}

export interface LiveContainer {
  spec: ContainerSpec;
  started: StartedContainer;
  report: ProbeReport | null;
  output: string[];
  stopped: boolean;
}

const KEYS = {
  image: ['image', 'image.pull'],
  layers: ['layers', 'layers.unpack'],
  rootfs: ['rootfs', 'overlay.mount'],
  container: ['container', 'container.start'],
} as const;

type Keyed = { image: PulledImage; layers: UnpackedImage; rootfs: MountedRootfs; container: LiveContainer };

export function need<K extends keyof Keyed>(ctx: Pick<TourContext, 'session'>, key: K): Keyed[K] {
  const value = ctx.session.get(key) as Keyed[K] | undefined;
  if (value === undefined) throw missingEarlierStep(KEYS[key][0], KEYS[key][1]);
  return value;
}

export function peek<K extends keyof Keyed>(ctx: Pick<TourContext, 'session'>, key: K): Keyed[K] | undefined {
  return ctx.session.get(key) as Keyed[K] | undefined;
}

export function keep<K extends keyof Keyed>(ctx: Pick<TourContext, 'session'>, key: K, value: Keyed[K]): void {
  ctx.session.set(key, value);
}

/**
The lesson's directory in the kernel's own filesystem: on the real kernel a `glassbox-tour-*`
under /tmp, on the simulation the same name in its memory. Made once, removed (through the
kernel) when the lesson ends, after everything made inside it.
*/
export function kernelScratch(ctx: TourContext): string {
  const existing = ctx.session.get('scratch') as string | undefined;
  if (existing !== undefined) return existing;
  const dir = ctx.kernel.mkdtemp(path.posix.join('/tmp', 'glassbox-tour-'));
  ctx.session.set('scratch', dir);
  ctx.defer(`remove ${dir}`, () => createLayerFs(ctx.kernel, 'kernel').removeTree(dir));
  return dir;
}
