/** Price channels: Keltner (EMA ± ATR) and Donchian (highest high, lowest low). */

import { EMA } from './averages.js';
import { HighLow } from './oscillators.js';
import { ATR, type BandsValue } from './volatility.js';

/** Keltner channels: EMA(n) of the close ± k ATR(atrPeriod). Defaults 20, 2, 10. */
export class Keltner {
  private readonly ema: EMA;
  private readonly atr: ATR;
  value: BandsValue | undefined;

  constructor(
    readonly period = 20,
    readonly k = 2,
    readonly atrPeriod = 10,
  ) {
    this.ema = new EMA(period);
    this.atr = new ATR(atrPeriod);
  }

  update(high: number, low: number, close: number): BandsValue | undefined {
    const m = this.ema.update(close);
    const a = this.atr.update(high, low, close);
    this.value =
      m === undefined || a === undefined
        ? undefined
        : { middle: m, upper: m + this.k * a, lower: m - this.k * a };
    return this.value;
  }
}

/** Donchian channels: the highest high and lowest low of the last n candles, and their midpoint. */
export class Donchian {
  private readonly hl: HighLow;
  value: BandsValue | undefined;

  constructor(readonly period = 20) {
    this.hl = new HighLow(period);
  }

  update(high: number, low: number): BandsValue | undefined {
    const full = this.hl.push(high, low);
    const { high: u, low: l } = this.hl;
    this.value = full ? { middle: (u + l) / 2, upper: u, lower: l } : undefined;
    return this.value;
  }
}
