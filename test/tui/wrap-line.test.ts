import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/tui/text-width.js';
import { lineText, wrapLine, wrapLineByCells, type Segment, type Tone, type ViewLine } from '../../src/tui/views/view-line.js';

// wrapLine takes a string path for printable ASCII (the call log's lines) and the per-character
// path otherwise: both must give the same rows, segment for segment.
const TONES: Array<Tone | undefined> = [undefined, 'dim', 'ok', 'error', 'changed'];
const ALPHABET = 'abcdefghij/(), |=-_.0123456789 ';

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function randomLine(next: () => number): ViewLine {
  const segments: Segment[] = [];
  const count = Math.floor(next() * 6);
  for (let i = 0; i < count; i++) {
    let text = '';
    const length = Math.floor(next() * 40);
    for (let j = 0; j < length; j++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
    const tone = TONES[Math.floor(next() * TONES.length)];
    segments.push({ text, ...(tone === undefined ? {} : { tone }), ...(next() < 0.2 ? { keep: true } : {}) });
  }
  return segments;
}

describe('wrapLine', () => {
  it('gives the per-character rows for ASCII lines, whatever the segments, widths and indents', () => {
    const next = random(42);
    for (let i = 0; i < 3000; i++) {
      const viewLine = randomLine(next);
      const width = 1 + Math.floor(next() * 50);
      const indent = Math.floor(next() * 12);
      expect(wrapLine(viewLine, width, indent), JSON.stringify({ viewLine, width, indent })).toEqual(wrapLineByCells(viewLine, width, indent));
    }
  });

  it('wraps a call at a separator, keeps `= -1 EPERM` whole, and indents the rest', () => {
    const call: ViewLine = [
      { text: '    0.1ms ', tone: 'dim' },
      { text: 'node   ', tone: 'dim' },
      { text: 'mount(src=overlay, dst=/tmp/glassbox-tour-x/merged, fstype=overlay)' },
      { text: ' ' },
      { text: '= -1 EPERM', tone: 'error', keep: true },
    ];
    const rows = wrapLine(call, 40, 17);
    expect(rows.length).toBeGreaterThan(2);
    expect(lineText(rows[0]!)).toBe('    0.1ms node   mount(src=overlay, ');
    for (const row of rows) expect(displayWidth(lineText(row))).toBeLessThanOrEqual(40);
    for (const row of rows.slice(1)) expect(lineText(row)).toMatch(/^ {17}/);
    // Nothing lost or added but the indents; the errno is one piece, in its tone, at the end.
    expect(rows.map((row, i) => lineText(row).slice(i === 0 ? 0 : 17)).join('')).toBe(lineText(call));
    expect(rows.at(-1)!.at(-1)).toEqual({ text: '= -1 EPERM', tone: 'error' });
    // Broken after separators, not inside a name.
    for (const row of rows.slice(0, -1)) expect(lineText(row)).toMatch(/[ ,/(|]$/);
  });

  it('takes the per-character path for wide characters', () => {
    const korean: ViewLine = [{ text: '레이어마다 디렉터리 하나로 풀기' }];
    const rows = wrapLine(korean, 12, 2);
    expect(rows).toEqual(wrapLineByCells(korean, 12, 2));
    for (const row of rows) expect(displayWidth(lineText(row))).toBeLessThanOrEqual(12);
  });
});
