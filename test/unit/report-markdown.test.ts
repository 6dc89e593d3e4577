import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDate, planReport, writeReportMarkdown, type ReportInput } from '../../src/report/build-report.js';
import { escapeMarkdown, fenceBlock } from '../../src/report/markdown-text.js';
import { fixtureLesson, overlayfsProgress } from '../fixtures/report/progress.js';

const NOW = new Date('2026-11-21T08:00:00.000Z');

function report(overrides: Partial<ReportInput> = {}, drawn = true): string {
  const plan = planReport({ progress: overlayfsProgress(), lesson: fixtureLesson(), lang: 'en', version: '0.1.0', now: NOW, ...overrides });
  return writeReportMarkdown(plan, drawn ? { drawn: true } : { drawn: false, why: 'no browser at /usr/bin/chromium' });
}

/** The lines of one step's section, from its heading to the next. */
function section(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  expect(start, `no section ${heading}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, index) => index > start && /^#{2,3} /.test(line));
  return lines.slice(start, end === -1 ? undefined : end);
}

describe('report: the Markdown of one lesson', () => {
  // The dates below are in UTC; the local-time case is tested on its own.
  const tz = process.env.TZ;
  beforeEach(() => {
    process.env.TZ = 'UTC';
  });
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('starts with who, which lesson, which kernel, when, and the score', () => {
    const markdown = report();
    expect(markdown.startsWith('# Lab report: overlayfs: lower, upper, work, merged\n')).toBe(true);
    expect(markdown).toContain('| learner | Kim Minji |');
    expect(markdown).toContain('| lesson | 4 · overlayfs |');
    expect(markdown).toMatch(/^\| kernel \| SIMULATED: .*model of the Linux kernel/m);
    expect(markdown).toContain('| started | 2026-11-20 09:10 UTC |');
    expect(markdown).toContain('| last step run | 2026-11-20 09:20 UTC |');
    expect(markdown).toContain('| finished | yes |');
    expect(markdown).toContain('| steps run | 6 / 7 |');
    expect(markdown).toContain('| predictions right | 2 / 3 |');
    expect(markdown).toContain('| report made | 2026-11-21 08:00 UTC · glassbox 0.1.0 |');
  });

  it('has every step of the lesson in order, and says which did not run', () => {
    const headings = report().split('\n').filter((line) => line.startsWith('### ') && /^### \d/.test(line));
    expect(headings).toEqual([
      '### 1. Pull the image',
      '### 2. Unpack the layers',
      '### 3. Mount the overlay ✓',
      '### 4. Write a lower file ✗',
      '### 5. Create a file: not run',
      '### 6. Delete a lower file ✓',
      '### 7. Unmount',
    ]);
  });

  it('shows the question, the prediction and the kernel’s answer with choice labels, and the verdict', () => {
    const lines = section(report(), '### 4. ');
    expect(lines).toContain('- **Question:** What appears in upper?');
    expect(lines).toContain('- **Your prediction:** none (nothing)');
    expect(lines).toContain('- **The kernel showed:** file (a copy of the file) · ✗ wrong');
    expect(lines).toContain('- **Facts observed:** upper = file');
    const number = section(report(), '### 3. ');
    expect(number).toContain('- **Your prediction:** 0');
    expect(number).toContain('- **The kernel showed:** 0 · ✓ right');
    expect(section(report(), '### 1. ')).toContain('- no prediction asked');
  });

  it('shows what the state pane showed, and a call log excerpt: the first calls and every failed one', () => {
    const unpack = section(report(), '### 2. ');
    expect(unpack).toContain('**What the kernel showed** (layers):');
    expect(unpack).toContain('image 127.0.0.1:5000/demo:latest');
    expect(unpack).toContain('**Call log** (the first 8 of 200 calls, and those that failed):');
    const calls = unpack.filter((line) => line.startsWith('node   lstat'));
    expect(calls).toHaveLength(10);
    expect(calls.slice(8)).toEqual(['node   lstat path=/tmp/glassbox-tour-AB12CD/layers/150 = -1 ENOENT', 'node   lstat path=/tmp/glassbox-tour-AB12CD/layers/160 = -1 ENOENT']);
    expect(section(report(), '### 1. ')).toContain('**Call log** (7 calls):');
  });

  it('links the rendered diagrams, each with the step it shows', () => {
    const markdown = report();
    expect(section(markdown, '### Overlay')).toEqual(['### Overlay: lower, upper, merged', '', 'What the kernel showed after step 6.', '', '![Overlay: lower, upper, merged](04-overlayfs-overlay.svg)', '']);
    expect(markdown).toContain('![Layer stack](04-overlayfs-layers.svg)');
    expect(markdown).not.toContain('```mermaid');
  });

  it('without a browser keeps the mermaid sources and says in one line why and how to render them', () => {
    const markdown = report({}, false);
    expect(markdown).not.toMatch(/!\[[^\]]*\]\([^)]*\.svg\)/);
    expect(markdown.match(/^```mermaid$/gm)).toHaveLength(2);
    const notes = markdown.split('\n').filter((line) => line.includes('mmdc'));
    expect(notes).toEqual(['> The diagrams are mermaid sources (no browser at /usr/bin/chromium); GitHub and GitLab draw them as they are, or render them to SVG with: npx mmdc -i 04-overlayfs.md -o 04-overlayfs.rendered.md']);
    const asked = writeReportMarkdown(planReport({ progress: overlayfsProgress(), lesson: fixtureLesson(), lang: 'ko', version: '0.1.0' }), { drawn: false, asked: true });
    expect(asked).toContain('(--no-render를 주었습니다)');
  });

  it('is written in Korean with --lang ko', () => {
    const markdown = report({ lang: 'ko' });
    expect(markdown.startsWith('# 실습 보고서: ')).toBe(true);
    expect(markdown).toContain('| 학습자 | Kim Minji |');
    expect(markdown).toContain('### 4. lower 파일에 쓰기 ✗');
    expect(markdown).toContain('- **나의 예측:** none (아무것도 없음)');
    expect(markdown).toContain('### 5. 파일 만들기: 실행하지 않음');
    expect(markdown).toContain('## 마지막 상태');
  });

  it('puts the name given with --learner on the report', () => {
    expect(report({ learner: 'Lee Seojun' })).toContain('| learner | Lee Seojun |');
  });

  it('reports a lesson this glassbox no longer has by its step ids', () => {
    const plan = planReport({ progress: overlayfsProgress(), lesson: undefined, lang: 'en', version: '0.1.0', now: NOW });
    expect(plan.file).toBe('overlayfs.md');
    const markdown = writeReportMarkdown(plan, { drawn: true });
    expect(markdown).toContain('### 4. copy-up ✗');
    expect(markdown).toContain('| steps run | 6 / 6 |');
    expect(markdown).toContain('![Overlay: lower, upper, merged](overlayfs-overlay.svg)');
  });

  it('keeps a hostile name, answer and fact as text: no HTML, no link, no broken table', () => {
    const progress = overlayfsProgress();
    progress.learner = 'x | y\n# heading <img src=x onerror=alert(1)> [a](javascript:b) **b** `c` $d$';
    progress.steps[3]!.prediction = '<script>alert(1)</script>';
    progress.steps[0]!.facts = { 'a|b': '</td><b>' };
    const markdown = report({ progress });
    const row = markdown.split('\n').filter((line) => line.startsWith('| learner |'));
    expect(row).toEqual(['| learner | x \\| y \\# heading &lt;img src=x onerror=alert(1)&gt; \\[a\\](javascript:b) \\*\\*b\\*\\* \\`c\\` \\$d\\$ |']);
    expect(markdown).not.toMatch(/^# heading/m);
    expect(markdown).toContain('- **Your prediction:** &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markdown).toContain('- **Facts observed:** a\\|b = &lt;/td&gt;&lt;b&gt;');
  });
});

describe('report: dates', () => {
  const tz = process.env.TZ;
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('are the machine’s local time with its offset, so a classroom reads its own clock', () => {
    process.env.TZ = 'Asia/Seoul';
    expect(formatDate('2026-11-20T09:10:00.000Z')).toBe('2026-11-20 18:10 +09:00');
    process.env.TZ = 'America/St_Johns';
    expect(formatDate('2026-11-20T09:10:00.000Z')).toBe('2026-11-20 05:40 -03:30');
    process.env.TZ = 'UTC';
    expect(formatDate('2026-11-20T09:10:00.000Z')).toBe('2026-11-20 09:10 UTC');
    expect(formatDate('not a date <b>')).toBe('not a date &lt;b&gt;');
  });
});

describe('report: Markdown text helpers', () => {
  it('escapes inline Markdown and HTML but leaves ordinary text readable', () => {
    expect(escapeMarkdown('/etc/os-release 1.5 MiB (v2)')).toBe('/etc/os-release 1.5 MiB (v2)');
    expect(escapeMarkdown('a & b < c')).toBe('a &amp; b &lt; c');
  });

  it('fences a block with more backticks than any run inside, so no line can close it early', () => {
    expect(fenceBlock('text', ['plain'])).toEqual(['```text', 'plain', '```']);
    const fenced = fenceBlock('text', ['before', '````', 'after ``` x']);
    expect(fenced[0]).toBe('`````text');
    expect(fenced.at(-1)).toBe('`````');
    expect(fenceBlock('text', ['a\tb\rc'])).toEqual(['```text', 'a  b c', '```']);
  });
});
