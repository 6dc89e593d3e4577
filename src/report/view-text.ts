import type { CallRecord, ViewData } from '../tour/types.js';
import { formatCallRecord } from '../tour/record-calls.js';

/**
What a step's state view showed, as plain lines for a fenced block of the report: the same data
the tour drew in its state pane, without colour or layout. File names and figures need no
translation; the few words around them are the kernel's own.
*/
const LINE_MAX = 160;

function cut(line: string): string {
  const chars = [...line];
  return chars.length <= LINE_MAX ? line : `${chars.slice(0, LINE_MAX - 1).join('')}…`;
}

export function summarizeView(view: ViewData): string[] {
  switch (view.kind) {
    case 'text':
      return view.lines.map(cut);
    case 'layers':
      return [
        `image ${view.image}`,
        ...view.layers.map(
          (layer, index) => `layer ${index + 1}  ${layer.digest.slice(0, 19)}  ${layer.size} B  +${layer.counts.added} ~${layer.counts.changed} -${layer.counts.deleted}${layer.createdBy ? `  ${layer.createdBy}` : ''}`,
        ),
      ].map(cut);
    case 'overlay':
      return [
        ...view.entries.map((entry) => `${entry.path}  lower=${entry.lower ?? '-'}  upper=${entry.upper ?? '-'}  merged=${entry.merged ?? '-'}`),
        ...(view.event ? [`event ${view.event.kind} ${view.event.path}`] : []),
      ].map(cut);
    case 'namespaces':
      return [
        ...view.rows.map((row) => `${row.type.padEnd(7)} host ${row.host}  container ${row.container ?? '-'}${row.container !== null && row.container !== row.host ? '  (new)' : ''}`),
        ...(view.hostname ? [`hostname  host ${view.hostname.host}  container ${view.hostname.container ?? '-'}`] : []),
        ...view.inside.map((row) => `inside   pid ${row.pid} ppid ${row.ppid} ${row.command}`),
      ].map(cut);
    case 'mounts':
      return [
        `${view.mounts.length} mounts`,
        ...view.added.map((point) => `+ ${point}`),
        ...view.removed.map((point) => `- ${point}`),
      ].map(cut);
    case 'cgroups':
      return [
        `layout ${view.layout}`,
        ...view.limits.map((limit) => `${limit.resource.padEnd(6)} v1 ${limit.v1}  v2 ${limit.v2}  = ${limit.value}`),
        `oom kills ${view.oomKills}  exit status ${view.exitStatus ?? '-'}`,
      ].map(cut);
    case 'compare':
      return [
        `${view.origin}${view.source ? ` (${view.source})` : ''}, vm ${view.vmAccel}`,
        ...view.rows.map((row) => `${row.metric}: container ${row.container} ${row.unit}, vm ${row.vm} ${row.unit}`),
      ].map(cut);
  }
}

export const CALLS_SHOWN = 8;
const FAILED_SHOWN = 12;

/** The first calls of a step, then every call that failed (the interesting ones), in order. */
export function excerptCalls(calls: CallRecord[]): { lines: string[]; shown: number } {
  const failed = new Set(calls.map((call, index) => (call.errno !== undefined && index >= CALLS_SHOWN ? index : -1)).filter((index) => index >= 0).slice(0, FAILED_SHOWN));
  const kept = calls.filter((_, index) => index < CALLS_SHOWN || failed.has(index));
  return { lines: kept.map((call) => cut(`${call.by.padEnd(6)} ${formatCallRecord(call)}`)), shown: kept.length };
}
