import { describe, expect, it } from 'vitest';
import { diagramCgroups, diagramLayers, diagramNamespaces, diagramOverlay, planDiagrams } from '../../src/report/state-diagrams.js';
import type { LayerView } from '../../src/tour/types.js';
import { cgroupsProgress, cgroupsView, layerView, namespacesProgress, namespacesView, overlayfsProgress, overlayView } from '../fixtures/report/progress.js';

/**
Every line of a diagram is one of the statement forms the report writes, with data only inside
double-quoted labels: a label that escaped its quotes would show up here as a line of another shape.
*/
const LABEL = '"[^"\\n]*"';
const ID = '[a-zA-Z][a-zA-Z0-9]*';
const STATEMENT = new RegExp(
  [
    '^flowchart (TB|LR|BT)$',
    `^ *subgraph ${ID}\\[${LABEL}\\]$`,
    '^ *end$',
    '^ *direction (TB|LR)$',
    `^ *${ID}\\[${LABEL}\\]$`,
    `^ *${ID}( ~~~ ${ID})+$`,
    `^ *${ID} (-- ${LABEL} -->|-\\. ${LABEL} \\.->|-\\. ${LABEL} \\.-|===|-\\.-|-->) ${ID}$`,
    `^ *class ${ID} ${ID}$`,
    `^ *classDef ${ID} [a-z-]+:[^;"]+$`,
  ].join('|'),
);

function expectOnlyOurStatements(source: string): void {
  for (const line of source.split('\n')) expect(line, `unexpected statement: ${line}`).toMatch(STATEMENT);
  expect(source).not.toContain('%%');
  expect(source).not.toMatch(/#\w+;/);
}

/** The label of node `id`, as written in the source. */
function labelOf(source: string, id: string): string {
  const match = new RegExp(`^ *${id}\\[("[^"]*")\\]$`, 'm').exec(source);
  expect(match, `no node ${id}`).not.toBeNull();
  return match![1]!;
}

describe('report: diagrams of the final state', () => {
  it('namespaces: the ones that differ are marked and linked dotted, shared ones with a thick line', () => {
    const source = diagramNamespaces(namespacesView(), 'en');
    expectOnlyOurStatements(source);
    // Rows: cgroup (shared), mnt, pid, uts (new).
    expect(source).toMatch(/^ {2}h1 === c1$/m);
    for (const n of [2, 3, 4]) {
      expect(source).toMatch(new RegExp(`^ {2}h${n} -\\. "differs: a new namespace" \\.- c${n}$`, 'm'));
      expect(source).toMatch(new RegExp(`^ {2}class c${n} differ$`, 'm'));
    }
    expect(source).not.toMatch(/class c1 differ/);
    expect(labelOf(source, 'c2')).toBe('"mnt · 4026532177 ≠"');
    expect(labelOf(source, 'h2')).toBe('"mnt · 4026531832"');
    expect(labelOf(source, 'hn2')).toBe('"hostname · box"');
    expect(source).toMatch(/^ {2}class hn2 differ$/m);
  });

  it('namespaces: a container that is not running has no link and says so, in Korean too', () => {
    const view = namespacesView();
    view.rows[1] = { type: 'mnt', host: 4026531832, container: null };
    const source = diagramNamespaces(view, 'ko');
    expect(labelOf(source, 'c2')).toBe('"mnt · 실행 중 아님"');
    expect(source).not.toMatch(/h2 .* c2/);
    expect(source).toContain('subgraph host["호스트(glassbox 자신)"]');
  });

  it('overlay: the upper dir wins over lower, a whiteout hides the lower file, absent paths are dashed', () => {
    const source = diagramOverlay(overlayView(), 'en');
    expectOnlyOurStatements(source);
    // /etc/hostname: lower o2, upper o3 (a copy) → merged o1.
    expect(labelOf(source, 'o1')).toBe('"/etc/hostname<br>lesson-4"');
    expect(labelOf(source, 'o3')).toBe('"/etc/hostname<br>a copy (copy-up or new file)"');
    expect(source).toMatch(/^ {2}o3 -- "shows" --> o1$/m);
    expect(source).toMatch(/^ {2}o2 -\. "hidden" \.-> o1$/m);
    // /etc/os-release: a whiteout in upper, merged absent and dashed; the last step's event marked.
    const whiteout = source.split('\n').find((line) => line.includes('a whiteout'))!.trim().split('[')[0]!;
    const absent = source.split('\n').find((line) => line.includes('/etc/os-release<br>(absent)'))!.trim().split('[')[0]!;
    expect(source).toMatch(new RegExp(`^ {2}${whiteout} -- "shows" --> ${absent}$`, 'm'));
    expect(source).toMatch(new RegExp(`^ {2}class ${absent} gone$`, 'm'));
    expect(source).toMatch(new RegExp(`^ {2}class ${absent} event$`, 'm'));
    // Each part's directory, shortened; the lower list top first.
    expect(labelOf(source, 'upperDir')).toBe('"/tmp/glassbox-tour-AB12CD/rootfs/upper"');
    expect(labelOf(source, 'lowerDirs')).toMatch(/^"\/tmp\/glassbox-tour…[^<]*\/sha256\/d0e598d2a8d4\/diff<br>[^<]*8c7cb86262b8\/diff<br>/);
  });

  it('layers: the top of the stack first, the base last and named, sizes readable', () => {
    const source = diagramLayers(layerView(), 'en');
    expectOnlyOurStatements(source);
    expect(labelOf(source, 'ref')).toBe('"127.0.0.1:5000/demo:latest"');
    expect(labelOf(source, 'l1')).toContain('layer 3 · sha256:efe1007b8b06 · 121 B');
    expect(labelOf(source, 'l3')).toContain('layer 1 (base) · sha256:a3d9635e6eb6 · 1.0 MiB');
    expect(labelOf(source, 'l3')).toContain('54 added · 0 changed · 0 deleted');
    expect(source).toMatch(/^ {2}ref ~~~ l1 ~~~ l2 ~~~ l3$/m);
  });

  it('layers: a very deep image is cut, saying how many layers are left out', () => {
    const view: LayerView = layerView();
    view.layers = Array.from({ length: 30 }, (_, index) => ({ ...view.layers[0]!, digest: `sha256:${String(index).padStart(64, '0')}` }));
    const source = diagramLayers(view, 'en');
    expect(source.match(/^ {4}l\d+\[/gm)).toHaveLength(25);
    expect(source).toContain('"… 6 more layers"');
  });

  it('cgroups: each step’s limit with its v1 and v2 file names, and the OOM kill marked', () => {
    const views = cgroupsProgress().steps.map((step) => ({ step: step.id, view: step.view as ReturnType<typeof cgroupsView> }));
    const source = diagramCgroups(views, 'en');
    expectOnlyOurStatements(source);
    expect(labelOf(source, 'g1')).toBe('"memory<br>v1: memory.limit_in_bytes<br>v2: memory.max<br>= 33554432"');
    expect(labelOf(source, 'g2')).toBe('"OOM kills 1 · exit status 137"');
    expect(source).toMatch(/^ {4}class g2 oom$/m);
    expect(labelOf(source, 'g3')).toBe('"pids<br>v1: pids.max<br>v2: pids.max<br>= 20"');
    expect(source).not.toMatch(/class g4 oom/);
    expect(source).toContain('subgraph s1["step oom"]');
    expect(labelOf(source, 'cg')).toBe('"cgroup of the container · layout hybrid"');
  });

  it('plans the overlay from the last step that had it mounted, not from after the unmount', () => {
    const specs = planDiagrams(overlayfsProgress(), 'en');
    expect(specs.map((spec) => [spec.kind, spec.steps])).toEqual([
      ['layers', ['unpack']],
      ['overlay', ['whiteout']],
    ]);
    const unmountedOnly = overlayfsProgress();
    unmountedOnly.steps = unmountedOnly.steps.filter((step) => step.id === 'unmount');
    expect(planDiagrams(unmountedOnly, 'en').map((spec) => spec.steps)).toEqual([['unmount']]);
  });

  it('plans one diagram per kind present: namespaces beside the overlay, every cgroup step', () => {
    expect(planDiagrams(namespacesProgress(), 'en').map((spec) => spec.kind)).toEqual(['overlay', 'namespaces']);
    expect(planDiagrams(cgroupsProgress(), 'en').map((spec) => [spec.kind, spec.steps])).toEqual([['cgroups', ['oom', 'forks']]]);
  });

  it('keeps hostile data inside labels in every diagram', () => {
    const hostile = 'x"] --> y[z]\n%%{init: {"theme":"dark"}}%%\nclick x call alert() #quot; ` end';
    const overlay = overlayView({ upper: hostile, entries: [{ path: hostile, lower: hostile, upper: 'file', merged: hostile }], event: { kind: 'create', path: hostile } });
    const layers = layerView();
    layers.image = hostile;
    layers.layers[0]!.createdBy = hostile;
    const namespaces = namespacesView();
    namespaces.rows[0]!.type = hostile;
    namespaces.hostname = { host: hostile, container: hostile };
    const cgroups = cgroupsView({ resource: 'memory', v1: hostile, v2: hostile, value: hostile }, 0, 0);
    for (const source of [diagramOverlay(overlay, 'en'), diagramLayers(layers, 'ko'), diagramNamespaces(namespaces, 'en'), diagramCgroups([{ step: hostile, view: cgroups }], 'en')]) {
      expectOnlyOurStatements(source);
    }
  });
});
