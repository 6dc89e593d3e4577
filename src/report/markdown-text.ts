/**
Text that goes into the report's Markdown. A learner's name, a typed prediction or a path from a
hand-edited progress file must not become markup: no HTML, no link, no table cell break, no
heading, no fence that closes ours early.
*/

/**
Inline text, always placed after something of ours (a label, a list marker), never at the start of
a line: one line, inline Markdown punctuation backslash-escaped (`$` too: GitHub renders math),
`<`, `>` and `&` as entities.
*/
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]#!|~$]/g, (char) => `\\${char}`);
}

/**
A fenced block whose fence is longer than any backtick run inside, so that no line of the
content (a call argument, a file's content) can end it.
*/
export function fenceBlock(info: string, lines: string[]): string[] {
  const body = lines.map((line) => line.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, (char) => (char === '\t' ? '  ' : ' ')));
  const longest = Math.max(0, ...body.flatMap((line) => (line.match(/`+/g) ?? []).map((run) => run.length)));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, ...body, fence];
}

/** A table row from cells that are already Markdown (escape data first). */
export function tableRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}
