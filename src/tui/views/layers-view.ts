import { pick } from '../../i18n/lang.js';
import type { ChangeKind, LayerView } from '../../tour/types.js';
import { V } from './view-strings.js';
import { formatBytes, line, seg, shortDigest, type RenderOptions, type Tone, type ViewLine } from './view-line.js';

const CHANGE_TONE: Record<ChangeKind, Tone> = { A: 'added', C: 'changed', D: 'removed' };
// How many changed paths each layer lists before `… N more`.
const CHANGES_SHOWN = 4;

/** The image's layer stack, newest on top, each with its digest, size, A/C/D counts and changed paths. */
export function renderLayers(view: LayerView, { lang }: RenderOptions): ViewLine[] {
  const t = (text: { en: string; ko: string }): string => pick(text, lang);
  const out: ViewLine[] = [line(seg(`${t(V.layersOf)} ${view.image}`, 'title'), seg(`  ${view.layers.length} ${t(V.layerCount)}`, 'dim'))];
  const stack = [...view.layers].reverse();
  stack.forEach((layer, i) => {
    const number = view.layers.length - i;
    const { added, changed, deleted } = layer.counts;
    out.push(
      line(
        seg(`#${number} `, 'title'),
        seg(shortDigest(layer.digest)),
        seg(`  ${formatBytes(layer.size)}  `, 'dim'),
        seg(`+${added}`, 'added'),
        ' ',
        seg(`~${changed}`, 'changed'),
        ' ',
        seg(`-${deleted}`, 'removed'),
      ),
    );
    if (layer.createdBy) out.push(line('   ', seg(layer.createdBy.replace(/\s+/g, ' '), 'dim')));
    for (const change of layer.changes.slice(0, CHANGES_SHOWN)) {
      out.push(line('   ', seg(`${change.change} ${change.path}`, CHANGE_TONE[change.change])));
    }
    const hidden = added + changed + deleted - Math.min(CHANGES_SHOWN, layer.changes.length);
    if (hidden > 0) out.push(line(seg(`   … ${hidden} ${t(V.more)}`, 'dim')));
    if (added + changed + deleted === 0 && layer.changes.length === 0) out.push(line(seg(`   ${t(V.noChanges)}`, 'dim')));
  });
  return out;
}
