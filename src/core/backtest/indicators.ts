/**
 * Streaming indicators: one value in, the current value out, O(window) memory, O(1) work per value
 * (amortised). Each returns `undefined` until it has seen enough values (its warm-up). Formulas are in
 * docs/strategies.md; the tests check them against the `trading-signals` package.
 *
 * Running sums are recomputed from the window once per `window` updates, so rounding error cannot
 * accumulate over a long run (a million candles) while the cost stays O(1) per value.
 */

/** A fixed-size window of the last `n` values with their sum (and sum of squares). */
class Window {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;
  private sinceExact = 0;
  sum = 0;
  sumSq = 0;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`an indicator window must be a whole number >= 1, found ${n}`);
    this.values = new Float64Array(n);
  }

  get full(): boolean {
    return this.count === this.n;
  }

  get size(): number {
    return this.count;
  }

  /** Adds a value; returns the value that left the window, or NaN while it was filling. */
  push(x: number): number {
    const out = this.count === this.n ? this.values[this.next]! : Number.NaN;
    this.values[this.next] = x;
    this.next = this.next + 1 === this.n ? 0 : this.next + 1;
    if (this.count < this.n) this.count++;
    if (++this.sinceExact >= this.n) {
      this.sinceExact = 0;
      let s = 0;
      let q = 0;
      for (let i = 0; i < this.count; i++) {
        const v = this.values[i]!;
        s += v;
        q += v * v;
      }
      this.sum = s;
      this.sumSq = q;
    } else {
      this.sum += x - (Number.isNaN(out) ? 0 : out);
      this.sumSq += x * x - (Number.isNaN(out) ? 0 : out * out);
    }
    return out;
  }

  /** The i-th oldest value in the window (0 = oldest). */
  at(i: number): number {
    const start = this.count === this.n ? this.next : 0;
    return this.values[(start + i) % this.n]!;
  }
}

/** Simple moving average of the last `n` values. */
export class SMA {
  private readonly w: Window;
  value: number | undefined;

  constructor(readonly period: number) {
    this.w = new Window(period);
  }

  update(x: number): number | undefined {
    this.w.push(x);
    this.value = this.w.full ? this.w.sum / this.period : undefined;
    return this.value;
  }
}

/**
 * Exponential moving average with alpha = 2 / (n + 1), seeded with the simple average of the first
 * `n` values (as TA-Lib and backtrader seed it).
 */
export class EMA {
  private readonly alpha: number;
  private seen = 0;
  private seed = 0;
  value: number | undefined;

  constructor(
    readonly period: number,
    alpha?: number,
  ) {
    if (!Number.isInteger(period) || period < 1)
      throw new RangeError(`an EMA period must be a whole number >= 1, found ${period}`);
    this.alpha = alpha ?? 2 / (period + 1);
  }

  update(x: number): number | undefined {
    if (this.value !== undefined) {
      this.value += this.alpha * (x - this.value);
      return this.value;
    }
    this.seed += x;
    if (++this.seen === this.period) this.value = this.seed / this.period;
    return this.value;
  }
}

/** Wilder's smoothing (an EMA with alpha = 1 / n, seeded with the simple average). */
export class WilderAverage extends EMA {
  constructor(period: number) {
    super(period, 1 / period);
  }
}

/**
 * Relative strength index (Wilder): gains and losses between consecutive values, each smoothed with
 * Wilder's average over `n`; RSI = 100 - 100 / (1 + avg gain / avg loss), 100 when there was no
 * loss, 50 when the values did not move at all.
 */
export class RSI {
  private prev: number | undefined;
  private readonly gain: WilderAverage;
  private readonly loss: WilderAverage;
  value: number | undefined;

  constructor(readonly period: number) {
    this.gain = new WilderAverage(period);
    this.loss = new WilderAverage(period);
  }

  update(x: number): number | undefined {
    const prev = this.prev;
    this.prev = x;
    if (prev === undefined) return undefined;
    const g = this.gain.update(x > prev ? x - prev : 0);
    const l = this.loss.update(x < prev ? prev - x : 0);
    if (g === undefined || l === undefined) return undefined;
    this.value = l === 0 ? (g === 0 ? 50 : 100) : 100 - 100 / (1 + g / l);
    return this.value;
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

  update(x: number): MacdValue | undefined {
    const f = this.fast.update(x);
    const s = this.slow.update(x);
    if (f === undefined || s === undefined) return undefined;
    const macd = f - s;
    const sig = this.signal.update(macd);
    if (sig === undefined) return undefined;
    this.value = { macd, signal: sig, histogram: macd - sig };
    return this.value;
  }
}

export interface BandsValue {
  middle: number;
  upper: number;
  lower: number;
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
    this.w = new Window(period);
  }

  update(x: number): BandsValue | undefined {
    this.w.push(x);
    if (!this.w.full) return undefined;
    const n = this.period;
    const mean = this.w.sum / n;
    const sd = Math.sqrt(Math.max(0, this.w.sumSq / n - mean * mean));
    this.value = { middle: mean, upper: mean + this.k * sd, lower: mean - this.k * sd };
    return this.value;
  }
}

/**
 * Average true range (Wilder): the true range is max(high - low, |high - previous close|,
 * |low - previous close|) (high - low for the first candle), smoothed with Wilder's average.
 */
export class ATR {
  private prevClose: number | undefined;
  private readonly avg: WilderAverage;
  value: number | undefined;

  constructor(readonly period = 14) {
    this.avg = new WilderAverage(period);
  }

  update(high: number, low: number, close: number): number | undefined {
    const pc = this.prevClose;
    const tr = pc === undefined ? high - low : Math.max(high - low, Math.abs(high - pc), Math.abs(low - pc));
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
    this.w = new Window(period);
  }

  update(x: number): number | undefined {
    this.w.push(x);
    if (!this.w.full) {
      this.value = undefined;
      return undefined;
    }
    const n = this.period;
    const mean = this.w.sum / n;
    const variance = this.w.sumSq / n - mean * mean;
    // Below this the deviation is rounding noise of the running sums, not a deviation.
    const sd = variance > 1e-12 * (mean * mean + 1e-300) ? Math.sqrt(variance) : 0;
    this.value = sd > 0 ? (x - mean) / sd : undefined;
    return this.value;
  }
}

/**
 * Rolling ordinary-least-squares slope of y on x over the last `n` pairs (the hedge ratio of a pair):
 * beta = cov(x, y) / var(x), with the intercept alpha = mean(y) - beta * mean(x).
 */
export class RollingBeta {
  private readonly xs: Window;
  private readonly ys: Window;
  private readonly xy: Window;
  value: { beta: number; alpha: number } | undefined;

  constructor(readonly period: number) {
    this.xs = new Window(period);
    this.ys = new Window(period);
    this.xy = new Window(period);
  }

  update(x: number, y: number): { beta: number; alpha: number } | undefined {
    this.xs.push(x);
    this.ys.push(y);
    this.xy.push(x * y);
    if (!this.xs.full) return undefined;
    const n = this.period;
    const mx = this.xs.sum / n;
    const my = this.ys.sum / n;
    const varX = this.xs.sumSq / n - mx * mx;
    const cov = this.xy.sum / n - mx * my;
    if (!(varX > 1e-12 * (mx * mx + 1e-300))) {
      this.value = undefined;
      return undefined;
    }
    const beta = cov / varX;
    this.value = { beta, alpha: my - beta * mx };
    return this.value;
  }
}

/**
 * Volume-weighted average price: sum(price * volume) / sum(volume), cumulative, or over the last `n`
 * values when a period is given. For candles the price is the typical price (high + low + close) / 3.
 */
export class VWAP {
  private readonly pv: Window | undefined;
  private readonly v: Window | undefined;
  private sumPv = 0;
  private sumV = 0;
  value: number | undefined;

  constructor(readonly period?: number) {
    if (period !== undefined) {
      this.pv = new Window(period);
      this.v = new Window(period);
    }
  }

  update(price: number, volume: number): number | undefined {
    let spv: number;
    let sv: number;
    if (this.pv !== undefined && this.v !== undefined) {
      this.pv.push(price * volume);
      this.v.push(volume);
      spv = this.pv.sum;
      sv = this.v.sum;
    } else {
      spv = this.sumPv += price * volume;
      sv = this.sumV += volume;
    }
    this.value = sv > 0 ? spv / sv : this.value;
    return this.value;
  }
}

/**
 * The sign of a crossing of two series, as backtrader's CrossOver: +1 on the value where `a` moves
 * above `b` after having last differed from it below (so touching and staying equal is not a cross),
 * -1 for the opposite, 0 otherwise. It remembers the last non-zero difference.
 */
export class CrossOver {
  private lastNonZero = 0;
  value = 0;

  update(a: number, b: number): number {
    const d = a - b;
    const prev = this.lastNonZero;
    this.value = prev < 0 && d > 0 ? 1 : prev > 0 && d < 0 ? -1 : 0;
    if (d !== 0) this.lastNonZero = d;
    return this.value;
  }
}

/** The indicator constructors, as strategies receive them. */
export const indicators = {
  SMA,
  EMA,
  WilderAverage,
  RSI,
  MACD,
  Bollinger,
  ATR,
  ZScore,
  RollingBeta,
  VWAP,
  CrossOver,
};
export type Indicators = typeof indicators;
