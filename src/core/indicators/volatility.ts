/** Dispersion: Bollinger bands, the average true range, the rolling z-score. */

import { WilderAverage } from './averages.js';
import { Window } from './window.js';

export interface BandsValue {
  middle: number;
  upper: number;
  lower: number;
}

/** The population variance of a window from its exactly rounded sums (0 when rounding makes it negative). */
export function windowVariance(w: Window): number {
  const mean = w.sum / w.n;
  return Math.max(0, w.sumSq / w.n - mean * mean);
}

/**
 * Bollinger bands: the SMA of the last `n` values plus and minus `k` population standard deviations
 * of the same values.
 */
export class Bollinger {
  private readonly w: Window;
  value: BandsValue | undefined;

  constructor(
    readonly period = 20,
    readonly k = 2,
  ) {
    this.w = new Window(period, true);
  }

  update(x: number): BandsValue | undefined {
    this.w.push(x);
    if (!this.w.full) return undefined;
    const mean = this.w.sum / this.period;
    const sd = Math.sqrt(windowVariance(this.w));
    this.value = { middle: mean, upper: mean + this.k * sd, lower: mean - this.k * sd };
    return this.value;
  }
}

/** The true range of a candle: max(high - low, |high - previous close|, |low - previous close|). */
export function trueRange(high: number, low: number, prevClose: number | undefined): number {
  return prevClose === undefined
    ? high - low
    : Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose));
}

/**
 * Average true range (Wilder): the true range (high - low for the first candle), smoothed with
 * Wilder's average.
 */
export class ATR {
  private prevClose: number | undefined;
  private readonly avg: WilderAverage;
  value: number | undefined;

  constructor(readonly period = 14) {
    this.avg = new WilderAverage(period);
  }

  update(high: number, low: number, close: number): number | undefined {
    const tr = trueRange(high, low, this.prevClose);
    this.prevClose = close;
    this.value = this.avg.update(tr);
    return this.value;
  }
}

/**
 * Rolling z-score: (x - mean) / population standard deviation over the last `n` values (x included);
 * undefined while the window fills or when the deviation is 0.
 */
export class ZScore {
  private readonly w: Window;
  value: number | undefined;

  constructor(readonly period: number) {
    this.w = new Window(period, true);
  }

  update(x: number): number | undefined {
    this.w.push(x);
    if (!this.w.full) {
      this.value = undefined;
      return undefined;
    }
    const mean = this.w.sum / this.period;
    const variance = windowVariance(this.w);
    // Below this the deviation is rounding noise of the mean's square, not a deviation.
    const sd = variance > 1e-12 * (mean * mean + 1e-300) ? Math.sqrt(variance) : 0;
    this.value = sd > 0 ? (x - mean) / sd : undefined;
    return this.value;
  }
}
