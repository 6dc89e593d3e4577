import { pick } from '../../i18n/lang.js';
import type { NamespacesView, ProcessRow } from '../../tour/types.js';
import { V } from './view-strings.js';
import { columnWidths, line, seg, sideBySide, tableRow, type RenderOptions, type ViewLine } from './view-line.js';

function processTree(title: string, rows: ProcessRow[], empty: string): ViewLine[] {
  const out: ViewLine[] = [line(seg(title, 'title'))];
  if (rows.length === 0) out.push(line(seg(empty, 'dim')));
  for (const row of rows) {
    const indent = row.depth > 0 ? `${'  '.repeat(row.depth - 1)}└ ` : '';
    out.push(line(seg(String(row.pid).padStart(6), row.pid === 1 ? 'focus' : undefined), `  ${indent}${row.command}`));
  }
  return out;
}

/** Namespace inodes of the host and of the container's PID 1, the differing ones highlighted; both process trees. */
export function renderNamespaces(view: NamespacesView, { lang, width }: RenderOptions): ViewLine[] {
  const t = (text: { en: string; ko: string }): string => pick(text, lang);
  const header = [t(V.namespace), t(V.host), t(V.container), ''];
  const cells = view.rows.map((row) => {
    const differs = row.container !== null && row.container !== row.host;
    return [row.type, String(row.host), row.container === null ? t(V.absent) : String(row.container), row.container === null ? '' : differs ? `≠ ${t(V.differs)}` : `= ${t(V.same)}`];
  });
  const widths = columnWidths([header, ...cells], width, 3);
  const out: ViewLine[] = [tableRow(header.map((text) => seg(text, 'title')), widths)];
  view.rows.forEach((row, i) => {
    const differs = row.container !== null && row.container !== row.host;
    const tone = differs ? 'differ' : 'dim';
    out.push(tableRow(cells[i]!.map((text) => seg(text, tone)), widths));
  });
  if (view.hostname) {
    out.push([], line(seg(`${t(V.hostname)}  `, 'title'), `${t(V.host)}: ${view.hostname.host}   ${t(V.container)}: `, seg(view.hostname.container ?? t(V.absent), view.hostname.container !== null && view.hostname.container !== view.hostname.host ? 'differ' : undefined)));
  }
  out.push([]);
  const inside = processTree(t(V.inside), view.inside, t(V.noProcess));
  const outside = processTree(t(V.outside), view.outside, t(V.noProcess));
  // Side by side when both trees fit, else one below the other.
  if (width >= 70) out.push(...sideBySide(inside, outside, Math.floor((width - 3) / 2)));
  else out.push(...inside, [], ...outside);
  return out;
}
