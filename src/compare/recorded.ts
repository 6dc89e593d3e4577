import fs from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import type { CompareView } from '../tour/types.js';
import { toCompareView, type ComparisonResult } from './summary.js';

/**
Figures recorded on a real machine, for when this one cannot measure (no root, no qemu,
not Linux): lessons/data/compare-recorded.json, written from `glassbox compare --json`.
The screen always says that they are recorded, and where and when.
*/
export const RECORDED_FILE = path.join('lessons', 'data', 'compare-recorded.json');

export interface RecordedComparison {
  format_version: 1;
  /** Where and when: the machine, the date, the accelerator. */
  source: string;
  /** The command that produced `result`. */
  command: string;
  result: ComparisonResult;
}

function bad(file: string, why: string): GlassboxError {
  return new GlassboxError('COMPARE_RECORDED_BAD', `${file}: ${why}`, { kind: 'bug', hint: 'restore the file from the repository' });
}

function isSide(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const side = value as Record<string, unknown>;
  return (
    typeof side.firstOutputMs === 'number' &&
    (typeof side.memoryBytes === 'number' || side.memoryBytes === null) &&
    typeof side.kernelRelease === 'string' &&
    typeof side.diskBytes === 'number' &&
    typeof side.processes === 'number' &&
    typeof side.threads === 'number'
  );
}

export function parseRecorded(text: string, file = RECORDED_FILE): RecordedComparison {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw bad(file, `not JSON: ${(error as Error).message}`);
  }
  const record = data as Partial<RecordedComparison> | null;
  if (record?.format_version !== 1) throw bad(file, 'format_version is not 1');
  if (typeof record.source !== 'string' || record.source === '') throw bad(file, 'no source (where and when)');
  if (typeof record.command !== 'string') throw bad(file, 'no command');
  const result = record.result;
  if (result === undefined || !isSide(result.container) || !isSide(result.vm) || !Array.isArray(result.runs) || result.runs.length === 0) {
    throw bad(file, 'result is not a comparison with runs and both sides');
  }
  if (result.vmAccel !== 'kvm' && result.vmAccel !== 'tcg') throw bad(file, 'vmAccel is not kvm or tcg');
  return record as RecordedComparison;
}

export function loadRecorded(root: string = packageRoot()): RecordedComparison {
  const file = path.join(root, RECORDED_FILE);
  return parseRecorded(fs.readFileSync(file, 'utf8'), file);
}

/** The tour's fallback: the recorded figures as the bar chart's view, labelled with their source. */
export function recordedComparison(root?: string): CompareView {
  const recorded = loadRecorded(root);
  return toCompareView(recorded.result, 'recorded', recorded.source);
}
