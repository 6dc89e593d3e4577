import { pick } from '../../i18n/lang.js';
import type { CompareView } from '../../tour/types.js';
import { displayWidth, padWidth } from '../text-width.js';
import { V } from './view-strings.js';
import { line, seg, type RenderOptions, type ViewLine } from './view-line.js';

/** Container vs VM as horizontal bars, each metric scaled to the larger of the two. */
export function renderCompare(view: CompareView, { lang, width }: RenderOptions): ViewLine[] {
  const t = (text: { en: string; ko: string }): string => pick(text, lang);
  const accel = view.vmAccel === 'kvm' ? V.kvm : view.vmAccel === 'tcg' ? V.tcg : V.noVm;
  const out: ViewLine[] = [
    view.origin === 'recorded'
      ? line(seg(`${t(V.recordedOn)} ${view.source ?? '?'}`, 'warn'))
      : line(seg(t(V.measured), 'ok')),
    line(seg(`${t(V.vmAccel)}: `, 'title'), t(accel)),
    [],
  ];
  const labels = [t(V.container), t(V.vm)];
  const labelWidth = Math.max(...labels.map(displayWidth)) + 1;
  for (const row of view.rows) {
    out.push(line(seg(row.unit ? `${row.metric} (${row.unit})` : row.metric, 'title')));
    const values = [row.container, row.vm];
    const numbers = values.map((value) => (typeof value === 'number' ? value : Number.NaN));
    const top = Math.max(...numbers.filter(Number.isFinite), 0);
    const printed = values.map((value) => String(value));
    const valueWidth = Math.max(...printed.map(displayWidth));
    const barWidth = Math.max(4, width - labelWidth - valueWidth - 4);
    values.forEach((_, i) => {
      const n = numbers[i]!;
      const cells = Number.isFinite(n) && top > 0 ? Math.max(n > 0 ? 1 : 0, Math.round((n / top) * barWidth)) : 0;
      out.push(
        line(
          `  ${padWidth(labels[i]!, labelWidth)}`,
          seg('█'.repeat(cells), i === 0 ? 'ok' : 'warn'),
          ` ${printed[i]}`,
        ),
      );
    });
  }
  return out;
}
