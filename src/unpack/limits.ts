/**
How much a layer may ask for before it is refused. Real layers stay far below every default;
a hostile one (a gzip bomb, a million empty files, a 64 KiB path) hits a limit early, before the
disk fills. All of them can be raised per call (and by `glassbox unpack --max-…`).
*/
export interface UnpackLimits {
  /** Entries in one layer, metadata headers not counted. */
  maxEntries: number;
  /** Bytes of one entry path or link target after cleaning (PATH_MAX is 4096 with its NUL). */
  maxPathBytes: number;
  /** Bytes of one path component (NAME_MAX). */
  maxNameBytes: number;
  /** Uncompressed bytes of the whole tar stream. */
  maxTotalBytes: number;
  /** Uncompressed ÷ compressed bytes, checked once `ratioFloorBytes` have come out. */
  maxExpansionRatio: number;
  /** Output below this size is never called a bomb, whatever its ratio (tar headers compress well). */
  ratioFloorBytes: number;
  /** Bytes of one PAX or GNU long-name header's data. */
  maxHeaderBytes: number;
  /** Bytes of one extended attribute value (the kernel's own limit is 64 KiB). */
  maxXattrBytes: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const DEFAULT_LIMITS: Readonly<UnpackLimits> = Object.freeze({
  maxEntries: 100_000,
  maxPathBytes: 4095,
  maxNameBytes: 255,
  maxTotalBytes: 32 * GiB,
  maxExpansionRatio: 200,
  ratioFloorBytes: 32 * MiB,
  maxHeaderBytes: 1 * MiB,
  maxXattrBytes: 64 * 1024,
});

export function resolveLimits(overrides: Partial<UnpackLimits> = {}): UnpackLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof UnpackLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`unpack limit ${key} must be a positive number, not ${value}`);
    limits[key] = value;
  }
  return limits;
}
