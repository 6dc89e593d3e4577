export * from './spec.js';
export * from './docker-flags.js';
export { encodeSpec, encodeFrame, FrameReader, MAX_FRAME, type HelperEvent } from './launch-protocol.js';
export * from './launch.js';
export * from './cgroup-plan.js';
export * from './cgroups.js';
export * from './run-container.js';
export * from './launcher.js';
