import { readMountInfo } from '../../observe/mountinfo.js';
import { GlassboxError } from '../../errors.js';
import { applyOverlay, diffUpper, formatPlan, planOverlay, prepareRootfs } from '../../rootfs/index.js';
import { createLayerFs } from '../../unpack/index.js';
import type { Kernel } from '../../kernel/types.js';
import type { OverlayPlan } from '../../rootfs/overlay-plan.js';
import type { OverlayView, PlannedCall, StepOutcome, TourContext } from '../types.js';
import { defineAction, planned } from './define.js';
import { lowerShows, readOverlayView, upperHolds } from './overlay-view.js';
import { kernelScratch, keep, need, peek } from './state.js';

/**
overlayfs by hand: mount the unpacked layers as lowers under a fresh upper and work dir, then
write and delete through the merged view and look at what each write left in the upper dir.
*/
const DEFAULT_PATHS = ['/etc/hostname', '/etc/motd', '/etc/os-release', '/var/www/index.html'];

export function isOverlayMounted(kernel: Kernel, plan: OverlayPlan): boolean {
  return readMountInfo(kernel).some((entry) => entry.mountPoint === plan.merged && entry.fsType === 'overlay');
}

/** Mounts the overlay once per lesson (later steps reuse it); teardown unmounts it and removes its directory. */
export function mountRootfs(ctx: TourContext): OverlayPlan {
  const existing = peek(ctx, 'rootfs');
  if (existing !== undefined && existing.mounted) return existing.plan;
  const { layers } = need(ctx, 'layers');
  const { plan } = prepareRootfs(ctx.kernel, { layers: layers.map((l) => l.dir), containerDir: `${kernelScratch(ctx)}/rootfs`, lowerForm: 'absolute' });
  applyOverlay(ctx.kernel, plan);
  const state = { plan, mounted: true };
  keep(ctx, 'rootfs', state);
  ctx.defer(`unmount ${plan.merged}`, () => {
    unmountRootfs(ctx.kernel, plan);
    state.mounted = false;
  });
  return plan;
}

/**
Unmounts the lesson's overlay and removes its directory, every call through the kernel (so the
call log shows the teardown on both backends). Refuses to remove anything while something is
still mounted below the directory, as rootfs's teardownOverlay does.
*/
export function unmountRootfs(kernel: Kernel, plan: OverlayPlan): void {
  if (isOverlayMounted(kernel, plan)) kernel.umount(plan.merged);
  const below = readMountInfo(kernel).filter((entry) => entry.mountPoint === plan.containerDir || entry.mountPoint.startsWith(`${plan.containerDir}/`));
  if (below.length > 0) {
    throw new GlassboxError('ROOTFS_BUSY', `still mounted below ${plan.containerDir}: ${below.map((entry) => entry.mountPoint).join(', ')}`, { kind: 'bug' });
  }
  createLayerFs(kernel, 'kernel').removeTree(plan.containerDir);
}

const pathsArg = { type: 'strings' } as const;
const overlayNeeds = () => ['root' as const, 'cap:sys_admin' as const, 'overlay' as const];

export const overlayMount = defineAction<{ paths?: string[] }>({
  name: 'overlay.mount',
  summary: { en: 'mount the layers as one root: lowerdir, upperdir, workdir → merged', ko: '레이어를 루트 하나로 마운트: lowerdir, upperdir, workdir → merged' },
  args: { paths: pathsArg },
  facts: ['lowers', 'mounted', 'upperEntries', 'fstype'],
  views: ['overlay'],
  requires: overlayNeeds,
  plan: (_args, ctx) => {
    const layers = peek(ctx, 'layers');
    if (layers === undefined) {
      return [
        planned('node', 'mkdir', ['<scratch>/rootfs/upper', '<scratch>/rootfs/work', '<scratch>/rootfs/merged']),
        planned('node', 'mount', ['src=overlay', 'dst=<scratch>/rootfs/merged', 'fstype=overlay', 'data=lowerdir=<layers, top first>,upperdir=…,workdir=…']),
      ];
    }
    // Pure: the plan as it will run, without looking at the machine (prepareRootfs would).
    const scratch = (ctx.session.get('scratch') as string | undefined) ?? '/tmp/glassbox-tour-XXXXXX';
    const plan = planOverlay({ layers: layers.layers.map((l) => l.dir), containerDir: `${scratch}/rootfs`, lowerForm: 'absolute' });
    return formatPlan(plan).map((line): PlannedCall => {
      const [call, ...rest] = line.split(' ');
      return planned('node', call ?? line, rest);
    });
  },
  async run(args, ctx) {
    const plan = mountRootfs(ctx);
    const entry = readMountInfo(ctx.kernel).find((e) => e.mountPoint === plan.merged);
    return {
      view: readOverlayView(ctx.kernel, plan, args.paths ?? DEFAULT_PATHS, true),
      facts: { lowers: plan.lowers.length, mounted: entry !== undefined, fstype: entry?.fsType ?? 'none', upperEntries: ctx.kernel.readdir(plan.upper).length },
    };
  },
});

export const overlayWrite = defineAction<{ path: string; text: string; paths?: string[] }>({
  name: 'overlay.write',
  summary: { en: 'write a file through the merged view (copy-up or create)', ko: 'merged 경로로 파일 쓰기(copy-up 또는 새로 만들기)' },
  args: { path: { type: 'string', required: true }, text: { type: 'string', required: true }, paths: pathsArg },
  facts: ['copiedUp', 'created', 'lowerUnchanged', 'upper', 'merged'],
  views: ['overlay'],
  requires: overlayNeeds,
  plan: (args) => [
    planned('node', 'writeFile', [`<merged>${args.path}`, JSON.stringify(args.text)], {
      en: 'overlayfs copies the file up to the upper dir before the first write',
      ko: 'overlayfs는 첫 쓰기 전에 파일을 upper로 복사(copy-up)합니다',
    }),
  ],
  async run(args, ctx) {
    const { plan } = need(ctx, 'rootfs');
    const lowerBefore = lowerShows(ctx.kernel, plan.lowers, args.path);
    const upperBefore = upperHolds(ctx.kernel, plan.upper, args.path);
    ctx.kernel.writeFile(`${plan.merged}${args.path}`, args.text);
    const upperAfter = upperHolds(ctx.kernel, plan.upper, args.path);
    const kind: 'copy-up' | 'create' = lowerBefore === null ? 'create' : 'copy-up';
    return outcome(ctx, plan, args.paths, args.path, { kind, path: args.path }, {
      copiedUp: kind === 'copy-up' && upperBefore === null && upperAfter === 'file',
      created: kind === 'create',
      lowerUnchanged: lowerShows(ctx.kernel, plan.lowers, args.path) === lowerBefore,
      upper: upperAfter ?? 'none',
    });
  },
});

export const overlayDelete = defineAction<{ path: string; paths?: string[] }>({
  name: 'overlay.delete',
  summary: { en: 'delete a file of a lower layer through the merged view (whiteout)', ko: 'merged 경로로 아래 레이어의 파일 지우기(화이트아웃)' },
  args: { path: { type: 'string', required: true }, paths: pathsArg },
  facts: ['whiteout', 'stillInLower', 'upper', 'merged'],
  views: ['overlay'],
  requires: overlayNeeds,
  plan: (args) => [
    planned('node', 'unlink', [`<merged>${args.path}`], {
      en: 'the lower layer cannot change: overlayfs records the delete as a whiteout in upper',
      ko: '아래 레이어는 바꿀 수 없으므로 overlayfs는 삭제를 upper의 화이트아웃으로 기록합니다',
    }),
  ],
  async run(args, ctx) {
    const { plan } = need(ctx, 'rootfs');
    ctx.kernel.unlink(`${plan.merged}${args.path}`);
    const upper = upperHolds(ctx.kernel, plan.upper, args.path);
    return outcome(ctx, plan, args.paths, args.path, { kind: 'whiteout', path: args.path }, {
      whiteout: upper === 'whiteout',
      stillInLower: lowerShows(ctx.kernel, plan.lowers, args.path) !== null,
      upper: upper ?? 'none',
    });
  },
});

export const overlayUnmount = defineAction<{ paths?: string[] }>({
  name: 'overlay.unmount',
  summary: { en: 'unmount the overlay: the merged view goes, upper keeps the changes', ko: 'overlay 마운트 해제: merged는 사라지고 upper에는 변경이 남음' },
  args: { paths: pathsArg },
  facts: ['mounted', 'changes', 'changeList'],
  views: ['overlay'],
  requires: overlayNeeds,
  plan: () => [planned('node', 'umount2', ['<merged>'])],
  async run(args, ctx) {
    const state = need(ctx, 'rootfs');
    if (state.mounted) ctx.kernel.umount(state.plan.merged);
    state.mounted = false;
    const changes = diffUpper(ctx.kernel, state.plan.upper, state.plan.lowers);
    return {
      view: readOverlayView(ctx.kernel, state.plan, args.paths ?? DEFAULT_PATHS, false),
      facts: { mounted: isOverlayMounted(ctx.kernel, state.plan), changes: changes.length, changeList: changes.map((c) => `${c.kind} ${c.path}`).join(' ') },
    };
  },
});

function outcome(
  ctx: TourContext,
  plan: OverlayPlan,
  paths: string[] | undefined,
  path: string,
  event: NonNullable<OverlayView['event']>,
  facts: StepOutcome['facts'],
): StepOutcome {
  const shown = paths ?? (DEFAULT_PATHS.includes(path) ? DEFAULT_PATHS : [...DEFAULT_PATHS, path]);
  const view = readOverlayView(ctx.kernel, plan, shown, true, event);
  return { view, facts: { ...facts, merged: view.entries.find((e) => e.path === path)?.merged ?? 'none' } };
}
