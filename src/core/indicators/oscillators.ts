/** Oscillators: rate of change, momentum, stochastic, Williams %R, commodity channel index. */

import { SMA } from './averages.js';
import { RollingExtreme } from './extremes.js';
import { Window } from './window.js';

/** The value `n` steps back, once there is one (a window of n + 1). */
class Lag {
  private readonly w: Window;
  constructor(n: number) {
    this.w = new Window(n + 1);
  }
  push(x: number): number | undefined {
    this.w.push(x);
    return this.w.full ? this.w.at(0) : undefined;
  }
}

/** Rate of change: (x - x[n]) / x[n], a fraction (0.05 = 5%). Valid after n + 1 values. */
export class ROC {
  private readonly lag: Lag;
  value: number | undefined;
  constructor(readonly period: number) {
    this.lag = new Lag(period);
  }
  update(x: number): number | undefined {
    const old = this.lag.push(x);
    this.value = old === undefined || old === 0 ? undefined : (x - old) / old;
    return this.value;
  }
}

/** Momentum: x - x[n]. Valid after n + 1 values. */
export class Momentum {
  private readonly lag: Lag;
  value: number | undefined;
  constructor(readonly period: number) {
    this.lag = new Lag(period);
  }
  update(x: number): number | undefined {
    const old = this.lag.push(x);
    this.value = old === undefined ? undefined : x - old;
    return this.value;
  }
}

/** Highest high and lowest low of the last n candles. */
export class HighLow {
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  high = Number.NaN;
  low = Number.NaN;
  constructor(readonly period: number) {
    this.hi = new RollingExtreme(period, 'max');
    this.lo = new RollingExtreme(period, 'min');
  }
  /** Adds a candle; true once the window is full. */
  push(high: number, low: number): boolean {
    this.high = this.hi.push(high);
    this.low = this.lo.push(low);
    return this.hi.full;
  }
  /** Candles since the highest high / the lowest low (0 = this one). */
  get highAge(): number {
    return this.hi.age;
  }
  get lowAge(): number {
    return this.lo.age;
  }
}

export interface StochasticValue {
  k: number;
  d: number;
}

/**
 * Stochastic oscillator: fast %K = 100 (close - lowest low) / (highest high - lowest low) over n
 * candles (the range taken as 1 when it is 0); %K = SMA(slowing) of fast %K; %D = SMA(d) of %K.
 */
export class Stochastic {
  private readonly hl: HighLow;
  private readonly smoothK: SMA;
  private readonly smoothD: SMA;
  value: StochasticValue | undefined;

  constructor(
    readonly period = 14,
    readonly slowing = 3,
    readonly dPeriod = 3,
  ) {
    this.hl = new HighLow(period);
    this.smoothK = new SMA(slowing);
    this.smoothD = new SMA(dPeriod);
  }

  update(high: number, low: number, close: number): StochasticValue | undefined {
    if (!this.hl.push(high, low)) return undefined;
    const range = this.hl.high - this.hl.low;
    const fast = ((close - this.hl.low) * 100) / (range === 0 ? 1 : range);
    const k = this.smoothK.update(fast);
    const d = k === undefined ? undefined : this.smoothD.update(k);
    this.value = k === undefined || d === undefined ? undefined : { k, d };
    return this.value;
  }
}

/** Williams %R: -100 (highest high - close) / (highest high - lowest low) over n candles; -100 for no range. */
export class WilliamsR {
  private readonly hl: HighLow;
  value: number | undefined;
  constructor(readonly period = 14) {
    this.hl = new HighLow(period);
  }
  update(high: number, low: number, close: number): number | undefined {
    if (!this.hl.push(high, low)) return undefined;
    const range = this.hl.high - this.hl.low;
    this.value = range === 0 ? -100 : ((this.hl.high - close) / range) * -100;
    return this.value;
  }
}

/**
 * Commodity channel index: (tp - SMA(tp)) / (0.015 mean absolute deviation of tp from that SMA) over
 * n candles, tp the typical price (high + low + close) / 3. O(n) per value (the mean deviation has no
 * running form).
 */
export class CCI {
  private readonly w: Window;
  value: number | undefined;
  constructor(readonly period = 20) {
    this.w = new Window(period);
  }
  update(high: number, low: number, close: number): number | undefined {
    const tp = (high + low + close) / 3;
    this.w.push(tp);
    if (!this.w.full) return undefined;
    const mean = this.w.sum / this.period;
    let dev = 0;
    for (let i = 0; i < this.period; i++) dev += Math.abs(this.w.at(i) - mean);
    dev /= this.period;
    this.value = dev === 0 ? undefined : (tp - mean) / (0.015 * dev);
    return this.value;
  }
}
