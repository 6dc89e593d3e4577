import { describe, expect, it } from 'vitest';
import { displayWidth, padStartWidth, padWidth, truncateWidth, wrapWidth } from '../../src/tui/text-width.js';

describe('terminal widths', () => {
  it('counts Hangul and CJK as two columns, marks and controls as none', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('네임스페이스')).toBe(12);
    expect(displayWidth('pid 네임')).toBe(8);
    expect(displayWidth('漢字')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    // Conjoining jamo: a leading consonant plus a vowel make one syllable block.
    expect(displayWidth('\u1100\u1161')).toBe(2);
    expect(displayWidth('●✓█▁')).toBe(4);
  });

  it('pads and cuts by columns, never splitting a wide character', () => {
    expect(padWidth('메모리', 10)).toBe('메모리    ');
    expect(displayWidth(padWidth('메모리', 10))).toBe(10);
    expect(padStartWidth('32', 5)).toBe('   32');
    expect(truncateWidth('컨테이너와 가상 머신', 7)).toBe('컨테이…');
    expect(displayWidth(truncateWidth('컨테이너와 가상 머신', 8))).toBeLessThanOrEqual(8);
    expect(truncateWidth('short', 10)).toBe('short');
    expect(truncateWidth('anything', 0)).toBe('');
    // An odd width cannot end in half a syllable: one column stays empty rather than broken.
    expect(padWidth('가나다', 5)).toBe('가나…');
    expect(padWidth('가나다', 4)).toBe('가… ');
  });

  it('wraps at spaces by columns in both languages and breaks words wider than a line', () => {
    expect(wrapWidth('the quick brown fox', 10)).toEqual(['the quick', 'brown fox']);
    const korean = wrapWidth('컨테이너는 자기만의 시야를 가진 프로세스입니다.', 20);
    for (const row of korean) expect(displayWidth(row)).toBeLessThanOrEqual(20);
    expect(korean.join(' ')).toBe('컨테이너는 자기만의 시야를 가진 프로세스입니다.');
    expect(wrapWidth('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapWidth('a\nb', 10)).toEqual(['a', 'b']);
  });
});
