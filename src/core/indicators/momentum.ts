/** Momentum oscillators over one series: RSI and MACD. */

import { EMA, WilderAverage } from './averages.js';

/**
 * Relative strength index (Wilder): gains and losses between consecutive values, each smoothed with
 * Wilder's average over `n`; RSI = 100 - 100 / (1 + avg gain / avg loss), 100 when there was no
 * loss, 50 when the values did not move at all.
 */
export class RSI {
  /** The previous value (once `started`) and the last RSI (once `ready`): fields that only ever hold numbers (SMA says why). */
  private prev = 0;
  private started = false;
  private last = 0;
  private ready = false;
  private readonly gain: WilderAverage;
  private readonly loss: WilderAverage;

  constructor(readonly period: number) {
    this.gain = new WilderAverage(period);
    this.loss = new WilderAverage(period);
  }

  /** The last value, undefined in warm-up. */
  get value(): number | undefined {
    return this.ready ? this.last : undefined;
  }

  update(x: number): number | undefined {
    const prev = this.prev;
    this.prev = x;
    if (!this.started) {
      this.started = true;
      return undefined;
    }
    const g = this.gain.update(x > prev ? x - prev : 0);
    const l = this.loss.update(x < prev ? prev - x : 0);
    if (g === undefined || l === undefined) return undefined;
    this.last = l === 0 ? (g === 0 ? 50 : 100) : 100 - 100 / (1 + g / l);
    this.ready = true;
    return this.last;
  }
}

export interface MacdValue {
  macd: number;
  signal: number;
  histogram: number;
}

/** MACD: EMA(fast) - EMA(slow), its EMA(signal), and their difference (the histogram). */
export class MACD {
  private readonly fast: EMA;
  private readonly slow: EMA;
  private readonly signal: EMA;
  value: MacdValue | undefined;

  constructor(fast = 12, slow = 26, signal = 9) {
    this.fast = new EMA(fast);
    this.slow = new EMA(slow);
    this.signal = new EMA(signal);
  }

  /** The last values `step` computed (plain doubles, no object made per value; NaN until ready). */
  lastMacd = Number.NaN;
  lastSignal = Number.NaN;
  lastHistogram = Number.NaN;

  /** Updates with `x`; true when the three values are ready, in `lastMacd`, `lastSignal` and `lastHistogram`. */
  step(x: number): boolean {
    const f = this.fast.update(x);
    const s = this.slow.update(x);
    if (f === undefined || s === undefined) return false;
    const macd = f - s;
    const sig = this.signal.update(macd);
    if (sig === undefined) return false;
    this.lastMacd = macd;
    this.lastSignal = sig;
    this.lastHistogram = macd - sig;
    return true;
  }

  update(x: number): MacdValue | undefined {
    if (!this.step(x)) return undefined;
    this.value = { macd: this.lastMacd, signal: this.lastSignal, histogram: this.lastHistogram };
    return this.value;
  }
}
