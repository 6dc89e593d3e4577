export { measureComparison, runComparison, comparisonAvailability, requireVmAssets, DEFAULT_RUNS, type CompareOptions } from './measure.js';
export { recordedComparison, loadRecorded, parseRecorded, RECORDED_FILE, type RecordedComparison } from './recorded.js';
export { toCompareView, compareMetricLabel, COMPARE_METRICS, median, type ComparisonResult, type RunFigures, type SideFigures, type SideSummary } from './summary.js';
export { renderComparison, formatMs, formatSize } from './render.js';
export { lookupVmAssets, type VmAssets, type VmAssetsLookup, type MissingAsset } from './vm-assets.js';
export { chooseAccel, readAccelFacts, type VmAccel, type AccelChoice } from './vm-accel.js';
