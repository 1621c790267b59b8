import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeText } from '../../src/core/records/text.js';

describe('escapeText', () => {
  it.each([
    ['plain text is returned as it is', 'BTCUSDT 42000.1', 'BTCUSDT 42000.1'],
    ['accented letters and CJK are kept', 'ÉTH 比特币', 'ÉTH 比特币'],
    ['an OSC title sequence', '\u001b]0;pwned\u0007X', '\\x1b]0;pwned\\x07X'],
    ['a CSI sequence (clear screen)', '\u001b[2J', '\\x1b[2J'],
    ['a newline that would forge a report line', 'S\n  schema  1  dropped', 'S\\x0a  schema  1  dropped'],
    ['CR, tab and NUL', 'a\rb\tc\u0000', 'a\\x0db\\x09c\\x00'],
    ['DEL', 'a\u007f', 'a\\x7f'],
    ['a C1 CSI (U+009B)', 'a\u009b2J', 'a\\u{009b}2J'],
    ['a right-to-left override', 'abc\u202edcba', 'abc\\u{202e}dcba'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u{2028}b\\u{2029}c'],
    ['a byte order mark', '\ufeffx', '\\u{feff}x'],
  ])('%s', (_name, input, expected) => {
    expect(escapeText(input)).toBe(expected);
  });

  it('leaves no character below U+0020 or in U+007F..U+009F, over every code unit', () => {
    let all = '';
    for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c);
    expect(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(escapeText(all))).toBe(
      false,
    );
  });

  it('is the one escape of text for stderr and reports: no other module defines one (io/escape.ts did)', () => {
    const src = join(import.meta.dirname, '..', '..', 'src');
    const defining = (readdirSync(src, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /function escapeText\b|const escapeText\b/.test(readFileSync(join(src, f), 'utf8')))
      .map((f) => f.replaceAll('\\', '/'));
    expect(defining).toEqual(['core/records/text.ts']);
  });
});
