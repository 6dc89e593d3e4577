import React from 'react';
import { Box } from 'ink';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { StateView } from '../../src/tui/StateView.js';
import { displayWidth } from '../../src/tui/text-width.js';
import { renderView, renderViewText } from '../../src/tui/views/state-view.js';
import { lineText, sparkline, gauge, type ViewLine } from '../../src/tui/views/view-line.js';
import { cgroups, compare, layers, mounts, namespaces, overlay, text } from './fixtures/views.js';

// Inner widths of the state pane on an 80- and a 160-column terminal.
const NARROW = 43;
const WIDE = 89;

function find(lines: ViewLine[], needle: string): ViewLine {
  const found = lines.find((viewLine) => lineText(viewLine).includes(needle));
  if (!found) throw new Error(`no line with ${needle}:\n${lines.map(lineText).join('\n')}`);
  return found;
}

function toneOf(viewLine: ViewLine, needle: string): string | undefined {
  return viewLine.find((part) => part.text.includes(needle))?.tone;
}

describe('state views', () => {
  it('layers: the stack newest on top with short digests, sizes, A/C/D counts and changed paths', () => {
    const lines = renderView(layers, { lang: 'en', width: WIDE });
    const textLines = lines.map(lineText);
    const top = textLines.findIndex((row) => row.includes('sha256:1f2e3d4c5b6a'));
    const bottom = textLines.findIndex((row) => row.includes('sha256:9a0b3c1d2e3f'));
    expect(top).toBeGreaterThan(0);
    expect(bottom).toBeGreaterThan(top);
    expect(textLines[top]).toContain('48 kB');
    expect(textLines[bottom]).toContain('1.0 MB');
    expect(textLines[bottom]).toContain('+402 ~0 -0');
    // 402 added, 4 listed: the rest is counted, not dropped silently.
    expect(textLines).toContain('   … 398 more');
    expect(toneOf(find(lines, 'D /etc/issue'), 'D /etc/issue')).toBe('removed');
    expect(toneOf(find(lines, 'C /etc/motd'), 'C /etc/motd')).toBe('changed');
    expect(toneOf(find(lines, 'A /bin/gbx-probe'), 'A /bin/gbx-probe')).toBe('added');
  });

  it('overlay: the four directories, one row per path, whiteout and copy-up highlighted', () => {
    const lines = renderView(overlay, { lang: 'en', width: WIDE });
    for (const dir of [...overlay.lower, overlay.upper, overlay.work, overlay.merged]) find(lines, dir);
    const issue = find(lines, '/etc/issue');
    expect(toneOf(issue, 'whiteout')).toBe('removed');
    expect(toneOf(find(lines, '/etc/motd  '), '/etc/motd')).toBe('focus');
    expect(toneOf(find(lines, '/etc/hostname'), '/etc/hostname')).toBeUndefined();
    expect(lineText(find(lines, 'copy-up:'))).toMatch(/copied from a lower layer/);
    expect(lineText(find(renderView(overlay, { lang: 'ko', width: WIDE }), 'copy-up:'))).toMatch(/upper로 복사/);
  });

  it('namespaces: differing inodes highlighted, PID 1 inside, both trees side by side when wide', () => {
    const lines = renderView(namespaces, { lang: 'en', width: WIDE });
    const differing = namespaces.rows.filter((row) => lines.some((l) => lineText(l).startsWith(row.type) && l.some((p) => p.tone === 'differ')));
    expect(differing.map((row) => row.type)).toEqual(['ipc', 'mnt', 'pid', 'uts']);
    expect(lineText(find(lines, '4026532459'))).toContain('≠ differs');
    expect(lineText(find(lines, 'net '))).toContain('= same');
    const trees = find(lines, 'inside (the container sees)');
    expect(lineText(trees)).toContain('outside (the host sees)');
    expect(toneOf(find(lines, '/bin/gbx-probe'), '1')).toBe('focus');
    const narrow = renderView(namespaces, { lang: 'en', width: NARROW }).map(lineText);
    const inside = narrow.findIndex((row) => row.includes('inside'));
    const outside = narrow.findIndex((row) => row.includes('outside'));
    expect(outside).toBeGreaterThan(inside);
    expect(narrow[inside]).not.toContain('outside');
    for (const row of narrow.slice(0, 8)) expect(displayWidth(row)).toBeLessThanOrEqual(NARROW);
  });

  it('mounts: a tree with what was added since the previous step marked, and what went', () => {
    const lines = renderView(mounts, { lang: 'en', width: WIDE });
    expect(lineText(find(lines, '/proc  proc'))).toMatch(/^\+ ├ \/proc/);
    expect(lineText(find(lines, '/dev/pts'))).toMatch(/^\+ │ ├ \/dev\/pts/);
    expect(lineText(find(lines, '/sys  sysfs'))).toMatch(/^  ├ \/sys/);
    expect(toneOf(find(lines, '- /old-root'), '/old-root')).toBe('removed');
  });

  it('cgroups: v1 and v2 names side by side (stacked, never cut, when narrow), gauges, sparklines, OOM kills', () => {
    const wide = renderView(cgroups, { lang: 'en', width: WIDE });
    const memory = lineText(find(wide, 'memory.limit_in_bytes'));
    expect(memory).toContain('memory.max');
    expect(memory).toContain('67108864');
    const narrow = renderView(cgroups, { lang: 'en', width: NARROW }).map(lineText);
    expect(narrow).toContain('  v1 memory.limit_in_bytes  v2 memory.max');
    expect(narrow).toContain('  v1 cpu.cfs_quota_us  v2 cpu.max');
    // Usage comes before the limit files: it is what moves while a workload runs.
    expect(narrow.findIndex((row) => row.startsWith('pids  '))).toBeLessThan(narrow.indexOf('pids = 32'));
    const pids = lineText(find(wide, '32 / 32'));
    // Full: 32 of 32 pids; at 100 columns and more the gauge doubles.
    expect(pids).toContain(`${'█'.repeat(10)}  32`);
    expect(lineText(find(renderView(cgroups, { lang: 'en', width: 120 }), '32 / 32'))).toContain('█'.repeat(20));
    expect(pids).toMatch(/[▁▂▃▄▅▆▇█]{6}$/);
    // Memory in binary units, as --memory 64m means it: 67108864 bytes is 64.0 MiB.
    expect(lineText(find(wide, '64.0 MiB / 64.0 MiB'))).toMatch(/^memory/);
    expect(lineText(find(wide, 'cpu throttled'))).toContain('210.9 ms');
    expect(lineText(find(wide, 'cpu throttled'))).toContain('0.50 CPU');
    const oom = find(wide, 'OOM kills');
    expect(toneOf(oom, '1')).toBe('error');
    expect(lineText(oom)).toContain('exit status: 137');
    const ko = renderView(cgroups, { lang: 'ko', width: WIDE }).map(lineText);
    expect(ko.some((row) => row.startsWith('메모리'))).toBe(true);
  });

  it('compare: bars scaled per metric, labelled with where a recording comes from', () => {
    const lines = renderView(compare, { lang: 'en', width: WIDE }).map(lineText);
    expect(lines[0]).toBe('recorded on a Debian 12 laptop with KVM, 2026-11-20');
    const start = lines.findIndex((row) => row.startsWith('start-up'));
    const bar = (row: string): number => (row.match(/█+/)?.[0].length ?? 0);
    expect(bar(lines[start + 1]!)).toBeGreaterThan(0);
    expect(bar(lines[start + 2]!)).toBeGreaterThan(bar(lines[start + 1]!) * 20);
    expect(lines).toContain('kernel');
    expect(lines).toContain('  VM         6.1.0-27-cloud-amd64');
    const measured = renderView({ ...compare, origin: 'measured' }, { lang: 'ko', width: WIDE }).map(lineText);
    expect(measured[0]).toBe('여기서 측정');
  });

  it('text views print their lines; an empty pane says so; the transcript form has no trailing blanks', () => {
    expect(renderViewText(text, { lang: 'en', width: WIDE })).toEqual(text.lines);
    expect(renderViewText(undefined, { lang: 'ko', width: WIDE })).toEqual(['(아직 보여 줄 것이 없습니다)']);
    for (const row of renderViewText(namespaces, { lang: 'en', width: WIDE })) expect(row).toBe(row.trimEnd());
  });

  it('sparklines and gauges scale to the largest sample or the limit', () => {
    expect(sparkline([0, 4, 8], 3)).toBe('▁▅█');
    expect(sparkline([0, 4, 8], 2)).toBe('▅█');
    expect(sparkline([1, 1], 2, 2)).toBe('▅▅');
    expect(sparkline([], 4)).toBe('');
    expect(gauge(0.5, 10)).toBe('█████░░░░░');
    expect(gauge(2, 4)).toBe('████');
  });

  it('draws every view aligned in a box, in Korean too', () => {
    for (const lang of ['en', 'ko'] as const) {
      for (const view of [layers, overlay, namespaces, mounts, cgroups, compare, text]) {
        const { lastFrame, unmount } = render(
          <Box borderStyle="round" width={NARROW + 4} paddingX={1} flexDirection="column">
            <StateView view={view} lang={lang} width={NARROW} />
          </Box>,
        );
        const rows = (lastFrame() ?? '').split('\n');
        const widths = new Set(rows.map(displayWidth));
        expect([...widths], `${view.kind} ${lang}:\n${rows.join('\n')}`).toEqual([NARROW + 4]);
        unmount();
      }
    }
  });
});
