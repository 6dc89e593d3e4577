/**
The rootfs stage: layer directories → an overlay mount per container. See README.md.
*/
export { planOverlay, stackLowers, MAX_LOWERS, MOUNT_DATA_LIMIT, OVERLAY_OPTIONS } from './overlay-plan.js';
export type { OverlayInput, OverlayPlan, RootfsStep } from './overlay-plan.js';
export { applyOverlay, teardownOverlay, absoluteOverlayData, type TeardownOptions, type TeardownResult } from './overlay-apply.js';
export { inspectBacking, type RootfsBacking } from './backing.js';
export { prepareRootfs, type RootfsInput } from './prepare-rootfs.js';
export { diffUpper, formatChanges, type ChangeEntry } from './upper-diff.js';
export { formatPlan, formatStep, mountCommand } from './format-plan.js';
