import { pick, type Lang } from '../i18n/lang.js';
import type { CgroupsView, LayerView, LessonProgress, NamespacesView, OverlayView } from '../tour/types.js';
import { createIds, quoteLabel, shortenPath } from './mermaid-text.js';
import { fill, R } from './report-strings.js';

/**
Mermaid diagrams of a lesson's final state, from the view data its steps saved: the layer
stack, the overlay, the namespaces of host and container, the cgroup limits. Every string from
the data goes through quoteLabel; the syntax around it is ours.
*/
export type DiagramKind = 'layers' | 'overlay' | 'namespaces' | 'cgroups';

export interface DiagramSpec {
  kind: DiagramKind;
  title: string;
  /** The ids of the steps whose views it draws. */
  steps: string[];
  source: string;
}

// Enough to read, and far below mermaid's maxTextSize (50 000 characters).
const MAX_LAYERS = 24;
const MAX_ENTRIES = 16;

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 10 ? 0 : 1)} ${units[unit]}`;
}

export function diagramLayers(view: LayerView, lang: Lang): string {
  const t = (text: { en: string; ko: string }): string => pick(text, lang);
  const id = createIds('l');
  const out = ['flowchart TB', `  subgraph img[${quoteLabel(t(R.image))}]`, '    direction TB', `    ref[${quoteLabel(view.image)}]`];
  const ids: string[] = ['ref'];
  // Top of the stack first: the last layer is what a lookup meets first.
  const shown = view.layers.map((layer, index) => ({ layer, index })).reverse();
  for (const { layer, index } of shown.slice(0, MAX_LAYERS)) {
    const node = id();
    ids.push(node);
    const lines = [`${t(R.layer)} ${index + 1}${index === 0 ? ` (${t(R.base)})` : ''} · ${shortenPath(layer.digest)} · ${formatBytes(layer.size)}`];
    if (layer.createdBy) lines.push(`${t(R.createdBy)}: ${layer.createdBy}`);
    lines.push(fill(t(R.changes), layer.counts));
    out.push(`    ${node}[${quoteLabel(lines)}]`);
  }
  if (shown.length > MAX_LAYERS) {
    const node = id();
    ids.push(node);
    out.push(`    ${node}[${quoteLabel(fill(t(R.moreLayers), { count: shown.length - MAX_LAYERS }))}]`);
  }
  out.push('  end');
  // Invisible links keep the boxes stacked in order.
  if (ids.length > 1) out.push(`  ${ids.join(' ~~~ ')}`);
  return out.join('\n');
}

function upperLabel(upper: NonNullable<OverlayView['entries'][number]['upper']>, lang: Lang): string {
  const labels = { file: R.upperFile, dir: R.upperDir, whiteout: R.upperWhiteout, opaque: R.upperOpaque } as const;
  return pick(labels[upper], lang);
}

export function diagramOverlay(view: OverlayView, lang: Lang): string {
  const t = (text: { en: string; ko: string }): string => pick(text, lang);
  const id = createIds('o');
  const lower: string[] = [];
  const upper: string[] = [];
  const merged: string[] = [];
  const edges: string[] = [];
  for (const entry of view.entries.slice(0, MAX_ENTRIES)) {
    const m = id();
    merged.push(`    ${m}[${quoteLabel([entry.path, entry.merged ?? `(${t(R.absent)})`])}]`);
    if (entry.merged === null) edges.push(`  class ${m} gone`);
    let lo: string | undefined;
    if (entry.lower !== null) {
      lo = id();
      lower.push(`    ${lo}[${quoteLabel([entry.path, entry.lower])}]`);
    }
    if (entry.upper !== null) {
      const up = id();
      upper.push(`    ${up}[${quoteLabel([entry.path, upperLabel(entry.upper, lang)])}]`);
      // The upper dir wins: what it holds (a copy, or a whiteout) decides what merged shows.
      edges.push(`  ${up} -- ${quoteLabel(t(R.wins))} --> ${m}`);
      if (lo) edges.push(`  ${lo} -. ${quoteLabel(t(R.hides))} .-> ${m}`);
    } else if (lo) {
      edges.push(`  ${lo} -- ${quoteLabel(t(R.wins))} --> ${m}`);
    }
    if (view.event && view.event.path === entry.path) edges.push(`  class ${m} event`);
  }
  const out = ['flowchart LR'];
  // Each part's directory is the first box inside it: a title wraps badly around a long path.
  const dirs = view.lower.slice(0, 4).map((dir) => shortenPath(dir, 56));
  if (view.lower.length > 4) dirs.push('…');
  out.push(`  subgraph lower[${quoteLabel(fill(t(R.lowerTitle), { count: view.lower.length }))}]`, `    lowerDirs[${quoteLabel(dirs)}]`, ...lower, '  end');
  out.push(`  subgraph upper[${quoteLabel(t(R.upperTitle))}]`, `    upperDir[${quoteLabel(shortenPath(view.upper, 56))}]`, ...upper, '  end');
  out.push(`  subgraph merged[${quoteLabel(t(R.mergedTitle))}]`, `    mergedDir[${quoteLabel(shortenPath(view.merged, 56))}]`, ...merged, '  end');
  out.push(`  work[${quoteLabel([t(R.workTitle), shortenPath(view.work, 56)])}]`, '  work -.- upper');
  if (view.event) out.push(`  ev[${quoteLabel(fill(t(R.lastEvent), { kind: view.event.kind, path: view.event.path }))}]`, '  class ev event');
  out.push(...edges);
  out.push('  classDef gone stroke-dasharray:4 3,color:#777', '  classDef event stroke:#b45309,stroke-width:3px');
  return out.join('\n');
}

export function diagramNamespaces(view: NamespacesView, lang: Lang): string {
  const t = (text: { en: string; ko: string }): string => pick(text, lang);
  const out = ['flowchart LR'];
  const host: string[] = [];
  const box: string[] = [];
  const links: string[] = [];
  view.rows.forEach((row, index) => {
    const h = `h${index + 1}`;
    const c = `c${index + 1}`;
    host.push(`    ${h}[${quoteLabel(`${row.type} · ${row.host}`)}]`);
    const differs = row.container !== null && row.container !== row.host;
    const inode = row.container === null ? t(R.notRunning) : `${row.container}${differs ? ' ≠' : ''}`;
    box.push(`    ${c}[${quoteLabel(`${row.type} · ${inode}`)}]`);
    if (row.container === null) return;
    links.push(differs ? `  ${h} -. ${quoteLabel(t(R.newNs))} .- ${c}` : `  ${h} === ${c}`, ...(differs ? [`  class ${c} differ`] : []));
  });
  if (view.hostname) {
    host.push(`    hn1[${quoteLabel(`${t(R.hostname)} · ${view.hostname.host}`)}]`);
    box.push(`    hn2[${quoteLabel(`${t(R.hostname)} · ${view.hostname.container ?? t(R.notRunning)}`)}]`);
    const differs = view.hostname.container !== null && view.hostname.container !== view.hostname.host;
    links.push(`  hn1 ${differs ? '-.-' : '==='} hn2`, ...(differs ? ['  class hn2 differ'] : []));
  }
  out.push(`  subgraph host[${quoteLabel(t(R.host))}]`, '    direction TB', ...host, '  end');
  out.push(`  subgraph box[${quoteLabel(t(R.container))}]`, '    direction TB', ...box, '  end');
  out.push(...links, `  classDef differ stroke:#b45309,stroke-width:3px`);
  return out.join('\n');
}

/**
The cgroup steps of a lesson each start a container with one limit (memory, then pids, then
cpu), so the final state of "the limits" is all of them: one group per step, in order.
*/
export function diagramCgroups(views: Array<{ step: string; view: CgroupsView }>, lang: Lang): string {
  const t = (text: { en: string; ko: string }): string => pick(text, lang);
  const id = createIds('g');
  const layout = views.at(-1)?.view.layout ?? 'v2';
  const out = ['flowchart LR', `  cg[${quoteLabel(fill(t(R.cgroupRoot), { layout }))}]`];
  views.forEach(({ step, view }, index) => {
    const group = `s${index + 1}`;
    out.push(`  subgraph ${group}[${quoteLabel(fill(t(R.stepLabel), { step }))}]`, '    direction TB');
    const nodes: string[] = [];
    for (const limit of view.limits) {
      const node = id();
      nodes.push(node);
      out.push(`    ${node}[${quoteLabel([limit.resource, `v1: ${limit.v1}`, `v2: ${limit.v2}`, `= ${limit.value}`])}]`);
    }
    if (view.limits.length === 0) {
      const node = id();
      nodes.push(node);
      out.push(`    ${node}[${quoteLabel(t(R.noLimit))}]`);
    }
    const result = id();
    out.push(`    ${result}[${quoteLabel(fill(t(R.result), { oom: view.oomKills, exit: view.exitStatus ?? '—' }))}]`);
    for (const node of nodes) out.push(`    ${node} --> ${result}`);
    if (view.oomKills > 0) out.push(`    class ${result} oom`);
    out.push('  end', `  cg --> ${group}`);
  });
  out.push('  classDef oom stroke:#b91c1c,stroke-width:3px');
  return out.join('\n');
}

/**
The diagrams of one lesson's progress: the last view of each kind, and every cgroups view. For the
overlay, the last one while it was mounted: after the unmount step merged shows nothing, and the
point of the drawing is what merged showed.
*/
export function planDiagrams(progress: LessonProgress, lang: Lang): DiagramSpec[] {
  type Saved = LessonProgress['steps'][number];
  const lastOf = (kind: DiagramKind, wanted: (step: Saved) => boolean = () => true): Saved | undefined =>
    progress.steps.filter((step) => step.view.kind === kind && wanted(step)).at(-1);
  const specs: DiagramSpec[] = [];
  const layers = lastOf('layers');
  if (layers?.view.kind === 'layers') specs.push({ kind: 'layers', title: pick(R.layers, lang), steps: [layers.id], source: diagramLayers(layers.view, lang) });
  const overlay = lastOf('overlay', (step) => step.view.kind === 'overlay' && step.view.entries.some((entry) => entry.merged !== null)) ?? lastOf('overlay');
  if (overlay?.view.kind === 'overlay') specs.push({ kind: 'overlay', title: pick(R.overlay, lang), steps: [overlay.id], source: diagramOverlay(overlay.view, lang) });
  const namespaces = lastOf('namespaces');
  if (namespaces?.view.kind === 'namespaces') specs.push({ kind: 'namespaces', title: pick(R.namespaces, lang), steps: [namespaces.id], source: diagramNamespaces(namespaces.view, lang) });
  const cgroups = progress.steps.flatMap((step) => (step.view.kind === 'cgroups' ? [{ step: step.id, view: step.view }] : []));
  if (cgroups.length > 0) specs.push({ kind: 'cgroups', title: pick(R.cgroups, lang), steps: cgroups.map((item) => item.step), source: diagramCgroups(cgroups, lang) });
  return specs;
}
