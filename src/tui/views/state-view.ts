import { pick } from '../../i18n/lang.js';
import type { ViewData } from '../../tour/types.js';
import { renderCgroups } from './cgroups-view.js';
import { renderCompare } from './compare-view.js';
import { renderLayers } from './layers-view.js';
import { renderMounts } from './mounts-view.js';
import { renderNamespaces } from './namespaces-view.js';
import { renderOverlay } from './overlay-view.js';
import { V } from './view-strings.js';
import { line, linesText, seg, type RenderOptions, type ViewLine } from './view-line.js';

/** Any state view as toned lines: what the pane draws and, as text, what the transcript prints. */
export function renderView(view: ViewData | undefined, options: RenderOptions): ViewLine[] {
  if (view === undefined) return [line(seg(pick(V.empty, options.lang), 'dim'))];
  switch (view.kind) {
    case 'layers':
      return renderLayers(view, options);
    case 'overlay':
      return renderOverlay(view, options);
    case 'namespaces':
      return renderNamespaces(view, options);
    case 'mounts':
      return renderMounts(view, options);
    case 'cgroups':
      return renderCgroups(view, options);
    case 'compare':
      return renderCompare(view, options);
    case 'text':
      return view.lines.map((text) => line(text));
  }
}

/** The plain-text form of a view (for the transcript, logs and screen readers). */
export function renderViewText(view: ViewData | undefined, options: RenderOptions): string[] {
  return linesText(renderView(view, options));
}
