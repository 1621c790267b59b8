import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/generate/random.js';
import { RollingMad } from '../../src/core/sanitize/rolling.js';

function naiveMedian(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

describe('RollingMad', () => {
  it('matches a sort-based median and MAD at every step (odd and even windows, ties)', () => {
    for (const size of [1, 2, 5, 50, 51]) {
      const rng = new Rng(size);
      const r = new RollingMad(size);
      const window: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const x = Math.round(rng.normal() * 10) / 2; // many ties
        r.push(x);
        window.push(x);
        if (window.length > size) window.shift();
        const m = naiveMedian(window);
        expect(r.median() + 0).toBe(m + 0);
        expect(r.mad()).toBe(naiveMedian(window.map((v) => Math.abs(v - m))));
      }
    }
  });
  it('is empty before the first value', () => {
    const r = new RollingMad(3);
    expect(r.median()).toBeNaN();
    expect(r.full).toBe(false);
  });
});
