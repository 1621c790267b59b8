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
  value: number | undefined;

  constructor(readonly period: number) {
    this.w = new Window(period);
  }

  update(x: number): number | undefined {
    this.w.push(x);
    this.value = this.w.full ? this.w.mean() : undefined;
    return this.value;
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
  value: number | undefined;

  constructor(
    readonly period: number,
    alpha?: number,
  ) {
    checkPeriod(period, 'an EMA period');
    this.alpha = alpha ?? 2 / (period + 1);
  }

  update(x: number): number | undefined {
    if (this.value !== undefined) {
      this.value += this.alpha * (x - this.value);
      return this.value;
    }
    this.seed.add(x);
    if (++this.seen === this.period) this.value = this.seed.value / this.period;
    return this.value;
  }
}

/** Wilder's smoothing (an EMA with alpha = 1 / n, seeded with the simple average). */
export class WilderAverage extends EMA {
  constructor(period: number) {
    super(period, 1 / period);
  }
}
