/**
The unpack stage: layer blobs → one verified directory per layer in overlay form. See README.md.
*/
export { applyLayer, extractInto, layerPaths, readLayerInfo, unpackLayerToDir, ensurePrivateDir } from './apply-layer.js';
export type { ExtractResult, LayerInfo, LayerResult, LayerSource, UnpackOptions } from './apply-layer.js';
export { unpackImage, checkLayerStack, type UnpackImageOptions, type UnpackImageResult } from './unpack-image.js';
export { createLayerFs } from './create-layer-fs.js';
export type { LayerFs, FileSink } from './layer-fs.js';
export { DEFAULT_LIMITS, resolveLimits, type UnpackLimits } from './limits.js';
export { detectCompression, zstdAvailable } from './compression.js';
export type { LayerExpectation, LayerStreamResult } from './layer-stream.js';
export type { ExtractCounts, ExtractSummary } from './extract-layer.js';
export { lookupLowerView, isWhiteout, isOpaqueDir, type LowerHit } from './lower-view.js';
export { filesystemAt, mountContaining, keepsOverlayLayers, checkLayerStoreFs } from './storage-fs.js';
export type { RefusalCode } from './refusal.js';
