/** Test data for indicators: a deterministic random walk with candles around it. */

import { Rng } from '../../src/core/generate/random.js';

export function walk(n: number, seed = 7) {
  const rng = new Rng(seed);
  let p = 100;
  return Array.from({ length: n }, () => {
    const open = p;
    p = Math.max(1, p * (1 + (rng.uniform() - 0.5) * 0.02));
    const high = Math.max(open, p) * (1 + rng.uniform() * 0.005);
    const low = Math.min(open, p) * (1 - rng.uniform() * 0.005);
    return { open, high, low, close: p, volume: 1 + rng.uniform() * 10 };
  });
}
