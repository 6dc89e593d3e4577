import { pick } from '../../i18n/lang.js';
import type { MountsView } from '../../tour/types.js';
import { V } from './view-strings.js';
import { line, seg, type RenderOptions, type ViewLine } from './view-line.js';

/** The mount table as a tree, with what was added since the previous step marked `+` and what went `-`. */
export function renderMounts(view: MountsView, { lang }: RenderOptions): ViewLine[] {
  const t = (text: { en: string; ko: string }): string => pick(text, lang);
  const added = new Set(view.added);
  const out: ViewLine[] = [line(seg(`${t(V.mountTable)}  `, 'title'), seg(`${view.mounts.length}`, 'dim'), seg(`  +${view.added.length} -${view.removed.length}`, 'dim'))];
  for (const mount of view.mounts) {
    const isNew = added.has(mount.mountPoint);
    const branch = mount.depth === 0 ? '' : `${'│ '.repeat(mount.depth - 1)}├ `;
    out.push(
      line(
        seg(isNew ? '+ ' : '  ', isNew ? 'added' : undefined),
        seg(`${branch}${mount.mountPoint}`, isNew ? 'added' : undefined),
        seg(`  ${mount.fstype}`, 'title'),
        seg(`  ${mount.source}  ${mount.options}`, 'dim'),
      ),
    );
  }
  if (view.added.length > 0) out.push([], line(seg(t(V.mountsAdded), 'title')), ...view.added.map((point) => line(seg(`+ ${point}`, 'added'))));
  if (view.removed.length > 0) out.push([], line(seg(t(V.mountsRemoved), 'title')), ...view.removed.map((point) => line(seg(`- ${point}`, 'removed'))));
  return out;
}
