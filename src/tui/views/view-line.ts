import { charWidth, displayWidth, padWidth, truncateWidth } from '../text-width.js';

/**
A state view is drawn as lines of toned segments: the Ink pane colours the tones, the plain
transcript prints the text. One renderer per view serves both, so the screen and the log can
never tell different stories.
*/
export type Tone = 'title' | 'dim' | 'added' | 'changed' | 'removed' | 'differ' | 'error' | 'ok' | 'warn' | 'focus';

export interface Segment {
  text: string;
  tone?: Tone;
  /** Never break a wrapped line inside this segment (`= -1 EPERM`). */
  keep?: boolean;
}

export type ViewLine = Segment[];

/** What every view renderer gets besides its data. */
export interface RenderOptions {
  lang: 'en' | 'ko';
  /** Columns available; renderers lay out side-by-side tables to fit it. */
  width: number;
}

export function seg(text: string, tone?: Tone): Segment {
  return tone === undefined ? { text } : { text, tone };
}

export function line(...segments: Array<Segment | string>): ViewLine {
  return segments.map((part) => (typeof part === 'string' ? { text: part } : part));
}

export function lineText(viewLine: ViewLine): string {
  return viewLine.map((part) => part.text).join('');
}

export function linesText(lines: ViewLine[]): string[] {
  return lines.map((viewLine) => lineText(viewLine).trimEnd());
}

/** Cuts a line to `width` columns, keeping tones, with `…` where it was cut. */
export function fitLine(viewLine: ViewLine, width: number): ViewLine {
  const total = displayWidth(lineText(viewLine));
  if (total <= width) return viewLine;
  const out: ViewLine = [];
  let left = width;
  for (const part of viewLine) {
    const w = displayWidth(part.text);
    if (w < left) {
      out.push(part);
      left -= w;
      continue;
    }
    out.push({ ...part, text: truncateWidth(part.text, left) });
    break;
  }
  return out;
}

/** A table cell row: each cell padded to its column's width, columns joined by two spaces. */
export function tableRow(cells: Array<Segment | string>, widths: number[]): ViewLine {
  return cells.flatMap((cell, index) => {
    const part = typeof cell === 'string' ? { text: cell } : cell;
    const last = index === cells.length - 1;
    const padded = { ...part, text: last ? truncateWidth(part.text, widths[index]!) : padWidth(part.text, widths[index]!) };
    return index === 0 ? [padded] : [{ text: '  ' }, padded];
  });
}

/** Column widths: each column as wide as its widest cell, the flexible one shrunk to fit `width`. */
export function columnWidths(rows: string[][], width: number, flexible: number): number[] {
  const count = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: count }, (_, column) =>
    Math.max(1, ...rows.map((row) => displayWidth(row[column] ?? ''))),
  );
  const total = widths.reduce((sum, w) => sum + w, 0) + 2 * (count - 1);
  if (total > width && widths[flexible] !== undefined) {
    widths[flexible] = Math.max(4, widths[flexible]! - (total - width));
  }
  return widths;
}

/** Two blocks of lines side by side, the left padded to `leftWidth`. */
export function sideBySide(left: ViewLine[], right: ViewLine[], leftWidth: number, gap = 3): ViewLine[] {
  const rows = Math.max(left.length, right.length);
  const out: ViewLine[] = [];
  for (let i = 0; i < rows; i++) {
    const l = fitLine(left[i] ?? [], leftWidth);
    const pad = leftWidth - displayWidth(lineText(l)) + gap;
    out.push([...l, { text: ' '.repeat(pad) }, ...(right[i] ?? [])]);
  }
  return out;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** 1234567 → `1.2 MB` (decimal units, as docker images prints sizes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** `sha256:0123456789abcdef…` → `sha256:0123456789ab` (12 hex digits, as docker shows IDs). */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.includes(':') ? digest.split(':', 2) : ['', digest];
  return algorithm ? `${algorithm}:${hex!.slice(0, 12)}` : hex!.slice(0, 12);
}

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 33554432 → `32.0 MiB`: memory in binary units, as `--memory 32m` and docker stats count it. */
export function formatMemory(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < IEC.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${IEC[unit]}`;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** The last `width` samples as a sparkline, scaled to the largest (or to `max` when given). */
export function sparkline(samples: number[], width: number, max?: number): string {
  const recent = samples.slice(-Math.max(1, width));
  const top = max ?? Math.max(0, ...recent);
  if (recent.length === 0) return '';
  return recent
    .map((value) => (top <= 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.max(0, Math.round((value / top) * (SPARKS.length - 1))))]))
    .join('');
}

/** `[██████░░░░]`: `fraction` of `width` cells filled. */
export function gauge(fraction: number, width: number): string {
  const cells = Math.max(1, width);
  const filled = Math.max(0, Math.min(cells, Math.round(fraction * cells)));
  return `${'█'.repeat(filled)}${'░'.repeat(cells - filled)}`;
}

/** Where a line may break: after a space, a comma, a pipe, a slash or an opening parenthesis. */
const BREAK_AFTER = new Set([' ', ',', '|', '/', '(']);

/**
Wraps a toned line at `width` columns, preferring to break after a space or separator so that
`= -1 EPERM` stays whole; a run with no break point is cut by columns. Continuation lines
start with `indent` spaces.
*/
export function wrapLine(viewLine: ViewLine, width: number, indent = 2): ViewLine[] {
  return wrapAsciiLine(viewLine, width, indent) ?? wrapLineByCells(viewLine, width, indent);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
wrapLine for a line of printable ASCII, where every character is one column: the same rows,
worked out on the string instead of an object per character. The call log wraps every new call
as it arrives (an unpack brings hundreds per frame), and the per-character way cost tens of ms a
frame while keys waited. Null when a character may not be one column wide.
*/
function wrapAsciiLine(viewLine: ViewLine, width: number, indent: number): ViewLine[] | null {
  let text = '';
  for (const part of viewLine) {
    if (!PRINTABLE_ASCII.test(part.text)) return null;
    text += part.text;
  }
  const limit = Math.max(indent + 1, width);
  // keep[i]: character i belongs to a segment that must not be broken.
  const keep: boolean[] = [];
  for (const part of viewLine) for (let i = 0; i < part.text.length; i++) keep.push(part.keep === true);
  // A row is `lead` spaces, then the characters start..end of `text`.
  const rows: Array<{ lead: number; start: number; end: number }> = [];
  let lead = 0;
  let start = 0;
  let end = 0;
  for (let k = 0; k < text.length; k++) {
    if (lead + (end - start) + 1 > limit) {
      // As wrapLineByCells: break after the last separator past the indent (the lead is never a candidate).
      let cut = -1;
      const after = rows.length === 0 ? 0 : indent;
      for (let p = lead + (end - start) - 1; p > after && p >= lead; p--) {
        const at = start + p - lead;
        if (BREAK_AFTER.has(text[at]!) && !keep[at]) {
          cut = at + 1;
          break;
        }
      }
      rows.push({ lead, start, end: cut === -1 ? end : cut });
      lead = indent;
      start = cut === -1 ? k : cut;
    }
    end = k + 1;
  }
  rows.push({ lead, start, end });
  // Tones by character range, merged where neighbours share one (the lead has none).
  const spans: Array<{ from: number; to: number; tone: Tone | undefined }> = [];
  let at = 0;
  for (const part of viewLine) {
    spans.push({ from: at, to: at + part.text.length, tone: part.tone });
    at += part.text.length;
  }
  return rows.map((row) => {
    const out: ViewLine = [];
    const add = (piece: string, tone: Tone | undefined): void => {
      if (piece === '') return;
      const last = out.at(-1);
      if (last && last.tone === tone) last.text += piece;
      else out.push(tone === undefined ? { text: piece } : { text: piece, tone });
    };
    add(' '.repeat(row.lead), undefined);
    for (const span of spans) {
      if (span.to <= row.start || span.from >= row.end) continue;
      add(text.slice(Math.max(span.from, row.start), Math.min(span.to, row.end)), span.tone);
    }
    return out;
  });
}

/** wrapLine for any text, one cell per character with its width (wide and zero-width ones too). */
export function wrapLineByCells(viewLine: ViewLine, width: number, indent = 2): ViewLine[] {
  const limit = Math.max(indent + 1, width);
  const chars = viewLine.flatMap((part) => [...part.text].map((char) => ({ char, tone: part.tone, keep: part.keep === true, w: charWidth(char) })));
  const rows: Array<typeof chars> = [];
  let row: typeof chars = [];
  let used = 0;
  const lead = Array.from({ length: indent }, () => ({ char: ' ', tone: undefined, keep: false, w: 1 }));
  for (const cell of chars) {
    if (used + cell.w > limit) {
      // Break after the last separator past the indent, if there is one.
      let cut = -1;
      for (let i = row.length - 1; i > (rows.length === 0 ? 0 : indent); i--) {
        if (BREAK_AFTER.has(row[i]!.char) && !row[i]!.keep) {
          cut = i + 1;
          break;
        }
      }
      const carry = cut === -1 ? [] : row.slice(cut);
      rows.push(cut === -1 ? row : row.slice(0, cut));
      row = [...lead, ...carry];
      used = row.reduce((sum, c) => sum + c.w, 0);
    }
    row.push(cell);
    used += cell.w;
  }
  rows.push(row);
  return rows.map((cells) => {
    const out: ViewLine = [];
    for (const cell of cells) {
      const last = out.at(-1);
      if (last && last.tone === cell.tone) last.text += cell.char;
      else out.push(cell.tone === undefined ? { text: cell.char } : { text: cell.char, tone: cell.tone });
    }
    return out;
  });
}
