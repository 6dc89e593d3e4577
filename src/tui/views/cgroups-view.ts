import { pick } from '../../i18n/lang.js';
import type { CgroupsView } from '../../tour/types.js';
import { displayWidth, padWidth } from '../text-width.js';
import { V } from './view-strings.js';
import { columnWidths, formatMemory, gauge, line, seg, sparkline, tableRow, type RenderOptions, type ViewLine } from './view-line.js';

/** One usage row: label, gauge against the limit (when there is one), the numbers, the sparkline. */
function usageRow(label: string, samples: number[], limit: number | null, format: (n: number) => string, noLimit: string, width: number): ViewLine {
  const now = samples.at(-1) ?? 0;
  const labelWidth = 14;
  const gaugeWidth = width >= 100 ? 20 : 10;
  const numbers = limit === null ? `${format(now)} (${noLimit})` : `${format(now)} / ${format(limit)}`;
  const fraction = limit === null || limit <= 0 ? 0 : now / limit;
  const tone = limit !== null && fraction >= 0.9 ? 'error' : fraction >= 0.7 ? 'warn' : 'ok';
  const sparkWidth = Math.max(4, width - labelWidth - gaugeWidth - displayWidth(numbers) - 8);
  return line(
    seg(padWidth(label, labelWidth), 'title'),
    seg(limit === null ? ' '.repeat(gaugeWidth) : gauge(fraction, gaugeWidth), tone),
    `  ${numbers}  `,
    seg(sparkline(samples, sparkWidth, limit ?? undefined), 'changed'),
  );
}

/** Limit files with v1 and v2 names side by side, live gauges and sparklines, the OOM counter. */
export function renderCgroups(view: CgroupsView, { lang, width }: RenderOptions): ViewLine[] {
  const t = (text: { en: string; ko: string }): string => pick(text, lang);
  const out: ViewLine[] = [line(seg(`${t(V.layout)}  `, 'title'), view.layout)];
  // Live usage first: it is what moves while the workload runs; the limit files below stay.
  const { limitsNow, usage } = view;
  out.push(usageRow(t(V.memory), usage.memoryBytes, limitsNow.memoryBytes, formatMemory, t(V.noLimit), width));
  out.push(usageRow(t(V.pids), usage.pids, limitsNow.pidsMax, String, t(V.noLimit), width));
  const cpu =
    limitsNow.cpuQuotaUsec !== null && limitsNow.cpuPeriodUsec
      ? `  (${limitsNow.cpuQuotaUsec}/${limitsNow.cpuPeriodUsec} µs = ${(limitsNow.cpuQuotaUsec / limitsNow.cpuPeriodUsec).toFixed(2)} CPU)`
      : '';
  const throttled = usage.throttledUsec.at(-1) ?? 0;
  out.push(
    line(
      seg(padWidth(t(V.throttled), 14), 'title'),
      `${(throttled / 1000).toFixed(1)} ms`,
      seg(cpu, 'dim'),
      '  ',
      seg(sparkline(usage.throttledUsec, Math.max(4, width - 50)), 'changed'),
    ),
  );
  out.push(
    line(
      seg(`${t(V.oomKills)}: `, 'title'),
      seg(String(view.oomKills), view.oomKills > 0 ? 'error' : 'ok'),
      seg(`   ${t(V.exitStatus)}: `, 'title'),
      seg(view.exitStatus === null ? t(V.running) : String(view.exitStatus), view.exitStatus !== null && view.exitStatus !== 0 ? 'error' : undefined),
    ),
  );
  out.push([]);
  const header = [t(V.resource), t(V.v1), t(V.v2), t(V.value)];
  const cells = view.limits.map((limit) => [limit.resource, limit.v1, limit.v2, limit.value]);
  const widths = columnWidths([header, ...cells], Number.MAX_SAFE_INTEGER, 0);
  // The live layout's name is the one written; the other is shown for comparison.
  const v2Live = view.layout !== 'v1';
  if (widths.reduce((sum, w) => sum + w, 0) + 6 <= width) {
    out.push(tableRow(header.map((text) => seg(text, 'title')), widths));
    for (const row of cells) {
      out.push(tableRow([row[0]!, seg(row[1]!, v2Live ? 'dim' : undefined), seg(row[2]!, v2Live ? undefined : 'dim'), seg(row[3]!, 'changed')], widths));
    }
  } else {
    // Too narrow for four columns: a file name cut short would teach nothing, so stack them.
    for (const row of cells) {
      out.push(line(seg(row[0]!, 'title'), ' = ', seg(row[3]!, 'changed')));
      out.push(line('  v1 ', seg(row[1]!, v2Live ? 'dim' : undefined), '  v2 ', seg(row[2]!, v2Live ? undefined : 'dim')));
    }
  }
  return out;
}
