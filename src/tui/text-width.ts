/**
Terminal column widths, as a terminal draws them: Hangul and CJK take two columns, combining
marks none. Ink measures its own text; every pad, cut and wrap we do ourselves must agree with
it, or Korean rows come out ragged. Ambiguous-width symbols (●, ✓, █) count as one column,
as Ink counts them.
*/

// [first, last] code point ranges drawn two columns wide (East Asian Wide and Fullwidth).
const WIDE: Array<[number, number]> = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3],
  [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f], [0x2693, 0x2693], [0x26a1, 0x26a1],
  [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea],
  [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b],
  [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55],
  [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f],
  [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6],
  [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a], [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f7e0, 0x1f7eb], [0x1f90c, 0x1f9ff], [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

function isZeroWidth(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code < 0xa0) ||
    (code >= 0x0300 && code <= 0x036f) ||
    // Hangul medial vowels and final consonants (conjoining jamo) join the leading consonant.
    (code >= 0x1160 && code <= 0x11ff) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    code === 0xfeff
  );
}

function isWide(code: number): boolean {
  if (code < 0x1100) return false;
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [first, last] = WIDE[mid]!;
    if (code < first) hi = mid - 1;
    else if (code > last) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Columns one code point takes: 0, 1 or 2. */
export function charWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (isZeroWidth(code)) return 0;
  return isWide(code) ? 2 : 1;
}

/** Columns a string takes in a terminal (no escape sequences expected). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/** Cuts to at most `width` columns, ending in `…` when something was cut; never splits a wide character. */
export function truncateWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

/** Pads with spaces on the right to exactly `width` columns (cutting first when longer). */
export function padWidth(text: string, width: number): string {
  const cut = truncateWidth(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}

/** Pads on the left, for numbers in columns. */
export function padStartWidth(text: string, width: number): string {
  const cut = truncateWidth(text, width);
  return ' '.repeat(Math.max(0, width - displayWidth(cut))) + cut;
}

/**
Wraps a paragraph to `width` columns at spaces; a word wider than a line is broken by
columns. Korean separates words with spaces too, so the same rule serves both languages.
Explicit newlines are kept.
*/
export function wrapWidth(text: string, width: number): string[] {
  const limit = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let used = 0;
    for (const word of paragraph.split(' ')) {
      const w = displayWidth(word);
      if (used > 0 && used + 1 + w <= limit) {
        line += ` ${word}`;
        used += 1 + w;
        continue;
      }
      if (used > 0) lines.push(line);
      line = '';
      used = 0;
      for (const char of word) {
        const cw = charWidth(char);
        if (used + cw > limit) {
          lines.push(line);
          line = '';
          used = 0;
        }
        line += char;
        used += cw;
      }
    }
    lines.push(line);
  }
  return lines;
}
