/**
 * Streaming statistics in constant memory: Welford's online mean and variance, and Neumaier's
 * compensated sum. Both are exact to a few ulps over millions of values, where a naive running sum of
 * squares loses every significant digit (a variance of returns of 1e-4 around a mean of 1e-3).
 */

/** The state Welford's algorithm carries: the count, the mean and the sum of squared deviations (M2). */
export interface WelfordState {
  readonly count: number;
  readonly mean: number;
  readonly m2: number;
}

/**
 * One step of Welford's algorithm: the state after adding `x`.
 *
 *     n' = n + 1;  mean' = mean + (x - mean) / n';  M2' = M2 + (x - mean) * (x - mean')
 *
 * @example welfordUpdate({ count: 0, mean: 0, m2: 0 }, 5) // { count: 1, mean: 5, m2: 0 }
 */
export function welfordUpdate(state: WelfordState, x: number): WelfordState {
  const count = state.count + 1;
  const delta = x - state.mean;
  const mean = state.mean + delta / count;
  return { count, mean, m2: state.m2 + delta * (x - mean) };
}

/**
 * The variance of the values a Welford state has seen: `M2 / n` for the population, `M2 / (n - 1)`
 * for a sample (Bessel's correction). NaN when there are too few values (0, or 1 for a sample).
 *
 * @example welfordVariance({ count: 3, mean: 2, m2: 2 }, 'sample') // 1
 */
export function welfordVariance(state: WelfordState, kind: 'sample' | 'population'): number {
  const d = kind === 'sample' ? state.count - 1 : state.count;
  return d > 0 ? state.m2 / d : Number.NaN;
}

/** Welford's algorithm as a mutable accumulator (what the streaming commands use). */
export class Welford implements WelfordState {
  count = 0;
  mean = 0;
  m2 = 0;

  update(x: number): void {
    const count = this.count + 1;
    const delta = x - this.mean;
    this.count = count;
    this.mean += delta / count;
    this.m2 += delta * (x - this.mean);
  }

  /** Variance (see welfordVariance); NaN with too few values. */
  variance(kind: 'sample' | 'population' = 'sample'): number {
    return welfordVariance(this, kind);
  }

  stdDev(kind: 'sample' | 'population' = 'sample'): number {
    return Math.sqrt(this.variance(kind));
  }
}

/** Neumaier's compensated summation: a running sum whose error does not grow with the count. */
export class Sum {
  private s = 0;
  private c = 0;

  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }

  get value(): number {
    return this.s + this.c;
  }
}
