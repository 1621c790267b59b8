/**
 * fixedText(v, k) must be exactly String(v) for every v (its fast path applies to values with at most
 * k decimal places; anything else falls back), and writeFixed must write exactly those characters.
 */

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/generate/random.js';
import { fixedText, writeFixed } from '../../src/core/records/number-text.js';

const scratch = Buffer.alloc(64);

/** writeFixed's bytes, between two markers that must survive (it writes exactly its own span). */
function written(v: number, k: number): string {
  scratch.fill(33);
  const end = writeFixed(scratch, 3, v, k);
  if (scratch[2] !== 33 || scratch[end] !== 33) return `overwrote a neighbour: ${scratch.toString('latin1')}`;
  return scratch.toString('latin1', 3, end);
}

describe('fixedText', () => {
  it('the edge cases: zero and minus zero, whole numbers, exponent territory, 15 and 16 digits', () => {
    const cases: [number, number][] = [
      [0, 2],
      [-0, 2],
      [5, 2],
      [-5, 0],
      [42000.01, 2],
      [42000.1, 2],
      [0.000001, 6],
      [0.0000001, 8],
      [1e-7, 7],
      [-0.5, 1],
      [123456789012.345, 3],
      [1234567890123.456, 3],
      [2 ** 53 + 2, 0],
      [1e21, 0],
      [1e22, 2],
      [0.1 + 0.2, 2],
      [0.1 + 0.2, 17],
      [Number.NaN, 2],
      [Number.POSITIVE_INFINITY, 2],
      [42000.035, 23],
    ];
    for (const [v, k] of cases) {
      expect(fixedText(v, k), `${v} ${k}`).toBe(String(v));
      expect(written(v, k), `${v} ${k}`).toBe(String(v));
    }
  });

  it('is String(v) for a million values (and so is what writeFixed writes): rounded to k places and not, of every magnitude', () => {
    const rng = new Rng(5);
    const wrong: string[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const k = rng.int(0, 12);
      const magnitude = 10 ** rng.int(-9, 16);
      let v = (rng.uniform() - 0.3) * magnitude;
      if (rng.uniform() < 0.8) v = Math.round(v * 10 ** k) / 10 ** k;
      if (fixedText(v, k) !== String(v)) wrong.push(`${v} ${k}: ${fixedText(v, k)}`);
      if (written(v, k) !== String(v)) wrong.push(`${v} ${k}: writeFixed ${written(v, k)}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});
