import { describe, expect, it } from 'vitest';
import { escapeLabelLine, quoteLabel, shortenMiddle, shortenPath } from '../../src/report/mermaid-text.js';

describe('report: mermaid label text', () => {
  it('replaces every character mermaid gives a meaning inside a quoted label', () => {
    const line = escapeLabelLine('a"b;c%d<e>f`g\\h ﬂ');
    expect(line).toBe('a＂b；c％d‹e›fˋg⧵h fl');
  });

  it('leaves no quote, semicolon, percent, angle bracket, backtick or backslash, whatever the input', () => {
    const everyAscii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('');
    const line = escapeLabelLine(everyAscii.repeat(2), 1000);
    expect(line).not.toMatch(/[";%<>`\\\n\r\t]/);
    expect(line.length).toBeGreaterThan(200);
  });

  it('cannot form a directive, an entity code, a tag or a line break', () => {
    const line = escapeLabelLine('%%{init: {"theme":"dark"}}%% #quot; #35; <br/> line\nbreak \\n');
    expect(line).not.toContain('%%');
    expect(line).not.toMatch(/#\w+;/);
    expect(line).not.toMatch(/<br\s*\/?>/i);
    expect(line).not.toContain('\\n');
    expect(line).not.toContain('\n');
    expect(line).toContain('line break');
  });

  it('splits mermaid’s own placeholder pair ¶ß so it cannot turn into a semicolon', () => {
    expect(escapeLabelLine('x¶ßy')).toBe('x¶\u200bßy');
    expect(escapeLabelLine('ß alone and ¶ alone')).toBe('ß alone and ¶ alone');
  });

  it('keeps Hangul, digits and ordinary punctuation as they are', () => {
    expect(escapeLabelLine('호스트 이름 · /etc/hostname: box (v2) [x] {y} = 1.5 MiB, ok!')).toBe('호스트 이름 · /etc/hostname: box (v2) [x] {y} = 1.5 MiB, ok!');
  });

  it('quotes a label with exactly two quotes and joins lines with <br>', () => {
    const label = quoteLabel(['first "line"', 'second <line>']);
    expect(label).toBe('"first ＂line＂<br>second ‹line›"');
    expect(label.match(/"/g)).toHaveLength(2);
  });

  it('cuts long text in the middle, keeping most of the end', () => {
    const text = `/tmp/${'x'.repeat(100)}/rootfs/upper`;
    const cut = shortenMiddle(text, 40);
    expect([...cut]).toHaveLength(40);
    expect(cut.startsWith('/tmp/')).toBe(true);
    expect(cut.endsWith('/rootfs/upper')).toBe(true);
    expect(cut).toContain('…');
    expect(shortenMiddle('short', 40)).toBe('short');
  });

  it('cuts a long label line before escaping, so a cut never splits a replacement', () => {
    const line = escapeLabelLine(`${'"'.repeat(100)}`, 10);
    expect([...line]).toHaveLength(10);
    expect(line).toBe('＂＂＂…＂＂＂＂＂＂');
  });

  it('shows a sha256 in a path by its first 12 hex digits', () => {
    const hex = 'd0e598d2a8d4b4ddf1b09599c204463cca9f68df5497bf465edde86d43e61d1f';
    expect(shortenPath(`/x/layers/sha256/${hex}/diff`)).toBe('/x/layers/sha256/d0e598d2a8d4/diff');
  });
});
