/**
 * scanLevels reads Binance level arrays from text: its numbers must be exactly Number() of the
 * decimal strings (what the JSON.parse route gives) and its text exactly JSON.stringify of them, for
 * every decimal, and anything but plain `[["d","d"],...]` must be refused (the caller then uses
 * JSON.parse).
 */

import { describe, expect, it } from 'vitest';
import { scanLevels } from '../../src/core/exchanges/binance/levels-text.js';
import { Rng } from '../../src/core/generate/random.js';

/** What the JSON.parse route makes of a levels array's text: numbers, and their JSON. */
function reference(text: string): { levels: [number, number][]; json: string } {
  const raw = JSON.parse(text) as [string, string][];
  const levels = raw.map(([p, a]) => [Number(p), Number(a)] as [number, number]);
  return { levels, json: JSON.stringify(levels).slice(1, -1) };
}

function check(text: string): void {
  const scanned = scanLevels(`x${text}y`, 1);
  expect(scanned, text).toBeDefined();
  const ref = reference(text);
  expect(scanned!.end).toBe(1 + text.length);
  expect(scanned!.text, text).toBe(ref.json);
  // Object.is: -0 and NaN would show; every double must be the same bits.
  expect(scanned!.levels.length).toBe(ref.levels.length);
  for (let i = 0; i < ref.levels.length; i++) {
    expect(Object.is(scanned!.levels[i]![0], ref.levels[i]![0]), text).toBe(true);
    expect(Object.is(scanned!.levels[i]![1], ref.levels[i]![1]), text).toBe(true);
  }
}

describe('scanLevels', () => {
  it('the edge cases of the decimal to JSON text rule', () => {
    for (const d of [
      '0',
      '0.0',
      '0.000',
      '61800.20',
      '61737.00',
      '100',
      '1000.000',
      '0.014',
      '0.000001', // 1e-6 prints plainly
      '0.0000010',
      '0.0000001', // 1e-7 prints as 1e-7
      '0.00000000123',
      '00.5', // a leading zero: Number reads it, JSON.stringify prints 0.5
      '007',
      '123456789012345', // 15 significant digits: exact
      '1234567890123456', // 16: the engine's own reading and printing
      '12345678901234567890',
      '999999999999999999999', // 21 integer digits, below 1e21
      '1000000000000000000000', // 1e21 prints with an exponent
      '0.1234567890123456789',
      '1.7976931348623157',
      '9007199254740993',
      '0.30000000000000004',
      '5e-324'.replace('e-324', '.0'),
    ]) {
      check(`[["${d}","${d}"]]`);
    }
    check('[]');
    check('[["1","2"],["3.50","0.000"],["61800.2","12.111"]]');
  });

  it('agrees with Number and JSON.stringify on 20,000 random decimals', () => {
    const rng = new Rng(7);
    const random = () => rng.uniform();
    const digits = (n: number) => {
      let s = '';
      for (let i = 0; i < n; i++) s += String(Math.floor(random() * 10));
      return s;
    };
    const decimal = () => {
      const int =
        random() < 0.3 ? '0' : String(1 + Math.floor(random() * 9)) + digits(Math.floor(random() * 8));
      return random() < 0.2 ? int : `${int}.${digits(1 + Math.floor(random() * 12))}`;
    };
    for (let i = 0; i < 2_000; i++) {
      const levels = Array.from({ length: 10 }, () => `["${decimal()}","${decimal()}"]`);
      check(`[${levels.join(',')}]`);
    }
  });

  it('refuses anything but plain quoted decimals (the caller falls back to JSON.parse)', () => {
    for (const bad of [
      '[["1", "2"]]', // whitespace
      '[[1,2]]', // numbers, not strings
      '[["-1","2"]]',
      '[["1e5","2"]]',
      '[[".5","2"]]',
      '[["5.","2"]]',
      '[["1.2.3","2"]]',
      '[["","2"]]',
      '[["1","2","3"]]',
      '[["1\\u0030","2"]]',
      '[["1","2"],]',
      '[["1","2"]',
      '[["1","2"]x',
      '{"1":"2"}',
      `[["${'1'.repeat(50)}","2"]]`,
    ]) {
      expect(scanLevels(bad, 0), bad).toBeUndefined();
    }
  });
});
