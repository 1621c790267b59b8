/**
 * The price model of `generate` (docs/generate.md): geometric Brownian motion in event time,
 * annualised with 365 days, with optional Merton jumps and volatility regimes; and the exact decimal
 * grid prices and amounts are written on.
 */

import { UsageError } from '../errors.js';
import { US_PER_DAY } from '../records/time.js';
import type { GenerateOptions } from './generate.js';
import type { Rng } from './random.js';

const YEAR_US = 365 * US_PER_DAY;

/** Exact decimal grid: values are `n * step` written without binary noise (0.1 + 0.2 never shows). */
export class Grid {
  readonly decimals: number;
  private readonly units: number;
  private readonly scale: number;

  constructor(readonly step: number) {
    if (!(step > 0) || !Number.isFinite(step))
      throw new UsageError(`expected a positive step, found ${step}`);
    let k = 0;
    while (k < 15 && Math.abs(Math.round(step * 10 ** k) - step * 10 ** k) > 1e-9) k++;
    this.decimals = k;
    this.scale = 10 ** k;
    this.units = Math.round(step * this.scale);
  }

  /** The nearest grid index to `x` (at least `min`). */
  index(x: number, min = 1): number {
    return Math.max(min, Math.round(x / this.step));
  }

  /** The value at grid index `n`, as the double nearest to the exact decimal. */
  value(n: number): number {
    return (n * this.units) / this.scale;
  }
}

export interface PriceState {
  rng: Rng;
  logPrice: number;
  sigma: number;
  regime: number;
}

/**
 * Advances the log price by `dtUs` of event time: GBM, plus jumps, with regime switches checked at
 * each step. Returns the diffusion variance of the step (for the Brownian-bridge extremes).
 */
export function step(s: PriceState, o: GenerateOptions, dtUs: number): number {
  if (o.regimes.length > 1 && s.rng.uniform() < dtUs / o.regimeMeanUs) {
    let next = s.rng.int(0, o.regimes.length - 2);
    if (next >= s.regime) next++;
    s.regime = next;
    s.sigma = o.regimes[next]!;
  }
  const dt = dtUs / YEAR_US;
  const variance = s.sigma * s.sigma * dt;
  let r = (o.drift - 0.5 * s.sigma * s.sigma) * dt + Math.sqrt(variance) * s.rng.normal();
  if (o.jumpsPerDay > 0) {
    const jumps = s.rng.poisson((o.jumpsPerDay * dtUs) / US_PER_DAY);
    for (let j = 0; j < jumps; j++) r += o.jumpSize * s.rng.normal();
  }
  s.logPrice += r;
  return variance;
}
