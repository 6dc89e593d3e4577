/**
Text that goes into a mermaid diagram. Labels carry learner-controlled strings (a hostname a
learner typed, a path, an image reference from a hand-edited progress file), so nothing from the
data reaches mermaid as syntax: every label is a double-quoted string in which the few characters
mermaid gives a meaning there are replaced by look-alikes. Node ids are ours (`n1`, `l2`, …),
never taken from the data.

Why look-alikes and not mermaid's entity codes (`#quot;`): with HTML labels off (our SVGs must
show their text in any viewer, not only in a browser), mermaid 11 decodes those codes in some
labels and prints them raw (`&#34;`) in others, depending on the label's path through it.
*/
const LOOKALIKE: Record<string, string> = {
  // Would end the quoted label.
  '"': '＂',
  // With `#word`, forges an entity code; completes the `style.*:\S*#.*;` pre-pass, which eats
  // the last `;` of a line.
  ';': '；',
  // `%%{init: …}%%` is a directive wherever it appears in the text.
  '%': '％',
  // Tags: `<br>` breaks lines, anything else would reach the sanitizer as markup.
  '<': '‹',
  '>': '›',
  // A label starting with a backtick is a markdown string.
  '`': 'ˋ',
  // `\n` (backslash, n) is a line break in a label.
  '\\': '⧵',
  // mermaid's own placeholder for `&` (ﬂ° … ¶ß): left in, it would become a stray `&` and an
  // unreadable SVG.
  'ﬂ': 'fl',
};

/** The longest label line we draw; longer ones are cut in the middle (paths keep their tail). */
export const LABEL_MAX = 72;

/** One line of a label, made inert; control characters and line breaks become spaces. */
export function escapeLabelLine(text: string, max: number = LABEL_MAX): string {
  const flat = text.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ');
  let out = '';
  for (const char of shortenMiddle(flat, max)) out += LOOKALIKE[char] ?? char;
  // The other half of the placeholder (`¶ß` becomes `;`): a zero-width space splits the pair.
  // (Escapes, not the characters: the CLI bundle must stay ASCII, scripts/build-bundle.mjs.)
  return out.replace(/\u00b6(?=\u00df)/g, '\u00b6\u200b');
}

/** A whole label: lines made inert one by one, joined with mermaid's own line break, in quotes. */
export function quoteLabel(lines: string | string[], max?: number): string {
  const list = typeof lines === 'string' ? [lines] : lines;
  return `"${list.map((line) => escapeLabelLine(line, max)).join('<br>')}"`;
}

/** `abc…xyz`: keeps both ends of a long string, most of it the end (a path's useful part). */
export function shortenMiddle(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = Math.max(1, Math.floor((max - 1) / 3));
  const tail = max - 1 - head;
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/** A path for a label: sha256 hex cut to 12 characters, then the middle cut when still long. */
export function shortenPath(text: string, max: number = LABEL_MAX): string {
  return shortenMiddle(text.replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, '$1'), max);
}

/** Hands out node ids that cannot collide with mermaid keywords (`end`, `graph`, …). */
export function createIds(prefix: string): () => string {
  let next = 0;
  return () => `${prefix}${++next}`;
}
