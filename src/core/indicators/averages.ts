/** Moving averages: simple, exponential and Wilder's. */

import { ExactSum } from './exact-sum.js';
import { checkPeriod, Window } from './window.js';

/**
 * Simple moving average of the last `n` values (Window.mean): for prices on a decimal tick, the double
 * nearest the exact decimal mean, so equal averages compare equal; otherwise the exactly rounded
 * window sum divided by n, the double backtrader's SMA (`math.fsum(window) / period`) computes.
 */
export class SMA {
  private readonly w: Window;
  /**
   * The last value, kept in a field that only ever holds a number (a field that may hold
   * `undefined` boxes every double stored in it), with whether there is one yet.
   */
  private last = 0;
  private ready = false;

  constructor(readonly period: number) {
    this.w = new Window(period);
  }

  /** The last value, undefined in warm-up. */
  get value(): number | undefined {
    return this.ready ? this.last : undefined;
  }

  update(x: number): number | undefined {
    this.w.push(x);
    if (!this.w.full) return undefined;
    this.last = this.w.mean();
    this.ready = true;
    return this.last;
  }
}

/**
 * Exponential moving average with alpha = 2 / (n + 1), seeded with the simple average of the first
 * `n` values (exactly rounded, as TA-Lib and backtrader seed it).
 */
export class EMA {
  private readonly alpha: number;
  private seen = 0;
  private readonly seed = new ExactSum();
  /** The average once seeded (`ready`), in a field that only ever holds a number (as SMA's). */
  private last = 0;
  private ready = false;

  constructor(
    readonly period: number,
    alpha?: number,
  ) {
    checkPeriod(period, 'an EMA period');
    this.alpha = alpha ?? 2 / (period + 1);
  }

  /** The last value, undefined in warm-up. */
  get value(): number | undefined {
    return this.ready ? this.last : undefined;
  }

  update(x: number): number | undefined {
    if (this.ready) {
      this.last += this.alpha * (x - this.last);
      return this.last;
    }
    this.seed.add(x);
    if (++this.seen !== this.period) return undefined;
    this.last = this.seed.value / this.period;
    this.ready = true;
    return this.last;
  }
}

/** Wilder's smoothing (an EMA with alpha = 1 / n, seeded with the simple average). */
export class WilderAverage extends EMA {
  constructor(period: number) {
    super(period, 1 / period);
  }
}

/** Weighted moving average: weights 1..n, the newest value weighing n. */
export class WMA {
  private readonly w: Window;
  private weighted = 0;
  private steps = 0;
  value: number | undefined;

  constructor(readonly period: number) {
    this.w = new Window(period);
  }

  update(x: number): number | undefined {
    const n = this.period;
    const sumBefore = this.w.sum;
    const out = this.w.push(x);
    // S_w' = S_w + n x - (sum of the window before, which includes the value leaving)
    if (Number.isNaN(out)) this.weighted += this.w.size * x;
    else this.weighted += n * x - sumBefore;
    // recomputed from the window every n values, so rounding cannot accumulate
    if (++this.steps >= n && this.w.full) {
      this.steps = 0;
      let s = 0;
      for (let i = 0; i < n; i++) s += (i + 1) * this.w.at(i);
      this.weighted = s;
    }
    this.value = this.w.full ? this.weighted / ((n * (n + 1)) / 2) : undefined;
    return this.value;
  }
}

/** Double EMA: 2 EMA(x) - EMA(EMA(x)). Valid once the outer EMA is (2n - 1 values). */
export class DEMA {
  private readonly inner: EMA;
  private readonly outer: EMA;
  value: number | undefined;

  constructor(readonly period: number) {
    this.inner = new EMA(period);
    this.outer = new EMA(period);
  }

  update(x: number): number | undefined {
    const e = this.inner.update(x);
    const ee = e === undefined ? undefined : this.outer.update(e);
    this.value = e === undefined || ee === undefined ? undefined : 2 * e - ee;
    return this.value;
  }
}

/** Triple EMA: 3 EMA - 3 EMA(EMA) + EMA(EMA(EMA)). Valid after 3n - 2 values. */
export class TEMA {
  private readonly e1: EMA;
  private readonly e2: EMA;
  private readonly e3: EMA;
  value: number | undefined;

  constructor(readonly period: number) {
    this.e1 = new EMA(period);
    this.e2 = new EMA(period);
    this.e3 = new EMA(period);
  }

  update(x: number): number | undefined {
    const a = this.e1.update(x);
    const b = a === undefined ? undefined : this.e2.update(a);
    const c = b === undefined ? undefined : this.e3.update(b);
    this.value = a === undefined || b === undefined || c === undefined ? undefined : 3 * a - 3 * b + c;
    return this.value;
  }
}
