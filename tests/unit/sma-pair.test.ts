/**
 * SmaPair (sma-cross's two averages in integers) against two SMAs: the same doubles on every
 * value, on prices on a tick (where exact ties occur), on prices whose places change, and on values
 * the integers cannot hold (off any grid, too large), where it switches to the SMAs themselves.
 */

import { describe, expect, it } from 'vitest';
import { SmaPair } from '../../src/core/backtest/sma-pair.js';
import { Rng } from '../../src/core/generate/random.js';
import { SMA } from '../../src/core/indicators/index.js';

function compare(fast: number, slow: number, values: readonly number[]): number {
  const pair = new SmaPair(fast, slow);
  const f = new SMA(fast);
  const s = new SMA(slow);
  let ties = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    pair.update(x);
    const ef = f.update(x);
    const es = s.update(x);
    if (!Object.is(pair.fast, ef) || !Object.is(pair.slow, es))
      expect([i, x, pair.fast, pair.slow]).toEqual([i, x, ef, es]);
    if (ef !== undefined && ef === es) ties++;
  }
  return ties;
}

/** A random walk on a tick of `places` decimals. */
function walk(rng: Rng, n: number, start: number, places: number, step: number): number[] {
  const p = 10 ** places;
  let k = Math.round(start * p);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    k = Math.max(1, k + rng.int(-step, step));
    out.push(k / p);
  }
  return out;
}

describe('SmaPair', () => {
  it('gives the SMAs doubles on prices on a tick, exact ties included', () => {
    const rng = new Rng(3);
    let ties = 0;
    for (const [fast, slow] of [
      [10, 30],
      [3, 5],
      [30, 10],
      [1, 1],
      [2, 200],
    ] as const) {
      ties += compare(fast, slow, walk(rng, 20_000, 42000, 2, 3));
      ties += compare(fast, slow, walk(rng, 5_000, 0.5, 4, 1));
      ties += compare(fast, slow, walk(rng, 5_000, 100, 0, 1));
    }
    expect(ties).toBeGreaterThan(100);
  });

  it('follows the places as they grow, and values off the grid or too large', () => {
    const rng = new Rng(9);
    const mixed = walk(rng, 3000, 100, 1, 2);
    for (let i = 500; i < mixed.length; i += 400) mixed[i] = Math.round(mixed[i]! * 1e6 + 1) / 1e6;
    compare(10, 30, mixed);
    const offGrid = walk(rng, 2000, 1, 3, 2);
    offGrid[1000] = 1 / 3;
    compare(10, 30, offGrid);
    compare(5, 7, [...walk(rng, 300, 1e5, 2, 3), 2 ** 45 + 0.5, ...walk(rng, 300, 1e5, 2, 3)]);
    compare(5, 7, [...walk(rng, 300, 9e6, 9, 1e6), ...walk(rng, 300, 10, 2, 3)]);
    compare(4, 9, [0, -0, 0, -0, 1e-9, 0, 0, 0, 0, 0, 5, -5, 0.1, 0.2, 0.3]);
    compare(3, 8, [0.5, 1 / 3, ...walk(rng, 50, 10, 2, 3)]);
  });

  it('refuses the periods SMA refuses', () => {
    expect(() => new SmaPair(0, 30)).toThrow(/whole number >= 1/);
    expect(() => new SmaPair(10, 2.5)).toThrow(/whole number >= 1/);
  });
});
