import { pick } from '../../i18n/lang.js';
import type { OverlayView } from '../../tour/types.js';
import { V } from './view-strings.js';
import { columnWidths, line, seg, tableRow, type RenderOptions, type Tone, type ViewLine } from './view-line.js';

const EVENT_TEXT = { 'copy-up': V.copyUp, whiteout: V.whiteout, create: V.create } as const;

/** lower/upper/work/merged side by side, one row per path, the last write or delete highlighted. */
export function renderOverlay(view: OverlayView, { lang, width }: RenderOptions): ViewLine[] {
  const t = (text: { en: string; ko: string }): string => pick(text, lang);
  const absent = t(V.absent);
  const out: ViewLine[] = [
    // One lower per line, topmost first (overlayfs' lowerdir order): joined they would not fit.
    ...view.lower.map((dir, i) => line(seg(i === 0 ? `${t(V.lower)}  ` : '       ', 'title'), seg(dir, 'dim'))),
    line(seg(`${t(V.upper)}  `, 'title'), seg(view.upper, 'dim')),
    line(seg(`${t(V.work)}   `, 'title'), seg(view.work, 'dim')),
    line(seg(`${t(V.merged)} `, 'title'), seg(view.merged, 'dim')),
    [],
  ];
  const header = [t(V.path), t(V.lower), t(V.upper), t(V.merged)];
  const cells = view.entries.map((entry) => [entry.path, entry.lower ?? absent, entry.upper ?? absent, entry.merged ?? absent]);
  const widths = columnWidths([header, ...cells], width, 1);
  out.push(tableRow(header.map((text) => seg(text, 'title')), widths));
  view.entries.forEach((entry, i) => {
    const hit = view.event?.path === entry.path;
    const upperTone: Tone | undefined =
      entry.upper === 'whiteout' || entry.upper === 'opaque' ? 'removed' : entry.upper === null ? 'dim' : 'added';
    const row = cells[i]!;
    out.push(
      tableRow(
        [
          seg(row[0]!, hit ? 'focus' : undefined),
          seg(row[1]!, entry.lower === null ? 'dim' : undefined),
          seg(row[2]!, upperTone),
          seg(row[3]!, entry.merged === null ? 'removed' : undefined),
        ],
        widths,
      ),
    );
  });
  if (view.event) {
    out.push([], line(seg(`▶ ${view.event.path}`, 'focus')), line(seg(t(EVENT_TEXT[view.event.kind]), view.event.kind === 'whiteout' ? 'removed' : 'changed')));
  }
  return out;
}
