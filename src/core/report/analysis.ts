/**
 * The figures the report draws that are series rather than summary numbers: returns per period (the
 * periods `summarize` uses), monthly returns, the returns' distribution against a normal one, rolling
 * Sharpe ratio and volatility, and the deepest drawdown periods. The ratios go through the same
 * functions as `summarize` (src/core/stats/metrics.ts); docs/report.md has the rules.
 */

import type { DrawdownPeriod } from '../stats/drawdown.js';
import { DrawdownTracker } from '../stats/drawdown.js';
import type { StatInterval } from '../stats/interval.js';
import { convertRate, sharpeRatio } from '../stats/metrics.js';
import { Welford } from '../stats/welford.js';

export interface PeriodReturns {
  /** The end of each period (microseconds): period k is (k-1)P < t <= kP, as in summarize. */
  readonly t: number[];
  readonly r: number[];
}

/**
 * Returns per period as summarize takes them: the last equity at or before each period's end over
 * the one before (the first period over the first equity). Periods with no point are skipped, and a
 * non-positive starting value gives no return.
 */
export function periodReturns(
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  n: number,
  period: StatInterval,
): PeriodReturns {
  const out: PeriodReturns = { t: [], r: [] };
  if (n === 0) return out;
  let prev = v[0]!;
  let bucket = Math.ceil(t[0]! / period.us);
  let last = v[0]!;
  const close = (): void => {
    if (prev > 0) {
      out.t.push(bucket * period.us);
      out.r.push(last / prev - 1);
    }
    prev = last;
  };
  for (let i = 0; i < n; i++) {
    const k = Math.ceil(t[i]! / period.us);
    if (k !== bucket) {
      close();
      bucket = k;
    }
    last = v[i]!;
  }
  close();
  return out;
}

export interface MonthlyTable {
  /** Years, ascending, each with 12 months (null where the run has no equity that month) and the year. */
  readonly rows: Array<{ year: number; months: Array<number | null>; total: number }>;
}

/** Returns by calendar month (UTC): the last equity of the month over the last of the month before. */
export function monthlyReturns(t: ArrayLike<number>, v: ArrayLike<number>, n: number): MonthlyTable {
  const ends = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const d = new Date(t[i]! / 1000);
    ends.set(d.getUTCFullYear() * 12 + d.getUTCMonth(), v[i]!);
  }
  const rows: MonthlyTable['rows'] = [];
  let prev = n > 0 ? v[0]! : 0;
  for (const [key, end] of ends) {
    const year = Math.floor(key / 12);
    let row = rows[rows.length - 1];
    if (row === undefined || row.year !== year) {
      row = { year, months: Array.from({ length: 12 }, () => null), total: 0 };
      rows.push(row);
    }
    const r = prev > 0 ? end / prev - 1 : null;
    row.months[key % 12] = r;
    if (r !== null) row.total = (1 + row.total) * (1 + r) - 1;
    prev = end;
  }
  return { rows };
}

/**
 * The inverse of the standard normal distribution function (Acklam's rational approximation,
 * relative error under 1.2e-9).
 *
 * @example probit(0.975) // 1.959963985
 */
export function probit(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : Number.NaN;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - lo) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

export interface Distribution {
  readonly mean: number;
  readonly stdDev: number;
  /** Bin left edges, counts, and the normal density with the same mean and deviation as counts per bin. */
  readonly edges: number[];
  readonly counts: number[];
  readonly normal: number[];
  /** Q-Q: standard normal quantiles against the sorted returns (at most `maxPoints`, evenly picked). */
  readonly qqX: number[];
  readonly qqY: number[];
}

/**
 * The returns' histogram with a normal overlay, and the Q-Q points. Bins: the square root of the
 * count, between 10 and 60, over [min, max]. Q-Q plotting positions are (i + 0.5) / n.
 */
export function distribution(returns: readonly number[], maxPoints = 1000): Distribution | undefined {
  const n = returns.length;
  if (n < 2) return undefined;
  const w = new Welford();
  for (const r of returns) w.update(r);
  const mean = w.mean;
  const stdDev = w.stdDev('sample');
  const sorted = [...returns].sort((a, b) => a - b);
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  const bins = Math.max(10, Math.min(60, Math.round(Math.sqrt(n))));
  const width = max > min ? (max - min) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const r of sorted) counts[Math.min(bins - 1, Math.floor((r - min) / width))]!++;
  const edges = counts.map((_, i) => min + i * width);
  const normal = edges.map((e) => {
    const x = e + width / 2;
    if (!(stdDev > 0)) return 0;
    const z = (x - mean) / stdDev;
    return ((n * width) / (stdDev * Math.sqrt(2 * Math.PI))) * Math.exp(-0.5 * z * z);
  });
  const qqX: number[] = [];
  const qqY: number[] = [];
  const step = Math.max(1, n / maxPoints);
  for (let f = 0; f < n; f += step) {
    const i = Math.floor(f);
    qqX.push(probit((i + 0.5) / n));
    qqY.push(sorted[i]!);
  }
  return { mean, stdDev, edges, counts, normal, qqX, qqY };
}

export interface Rolling {
  readonly window: number;
  readonly t: number[];
  /** Sharpe ratio and volatility per `interval` over the last `window` returns (null where undefined). */
  readonly sharpe: Array<number | null>;
  readonly volatility: Array<number | null>;
}

/**
 * Rolling Sharpe ratio and volatility over `window` returns, expressed per `interval` exactly as
 * summarize expresses its own (sharpeRatio; the sample deviation scaled by sqrt(interval / period)).
 */
export function rolling(
  returns: PeriodReturns,
  window: number,
  riskFree: number,
  period: StatInterval,
  interval: StatInterval,
): Rolling {
  const rf = convertRate(riskFree, interval, period);
  const out: Rolling = { window, t: [], sharpe: [], volatility: [] };
  for (let i = window - 1; i < returns.r.length; i++) {
    const w = new Welford();
    for (let j = i - window + 1; j <= i; j++) w.update(returns.r[j]!);
    const stats = { mean: w.mean, stdDev: w.stdDev('sample'), count: w.count };
    out.t.push(returns.t[i]!);
    out.sharpe.push(sharpeRatio(stats, rf, period, interval).value);
    const vol = stats.stdDev * Math.sqrt(interval.us / period.us);
    out.volatility.push(Number.isFinite(vol) ? vol : null);
  }
  return out;
}

/** The underwater curve ((value - running peak) / running peak, <= 0) and the deepest `top` periods. */
export function underwater(
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  n: number,
  top = 5,
): { depth: Float64Array; periods: DrawdownPeriod[] } {
  const tracker = new DrawdownTracker();
  const depth = new Float64Array(n);
  const periods: DrawdownPeriod[] = [];
  for (let i = 0; i < n; i++) {
    const done = tracker.update(v[i]!, t[i]!);
    if (done !== undefined) periods.push(done);
    const peak = tracker.runningPeak;
    depth[i] = peak > 0 ? v[i]! / peak - 1 : 0;
  }
  const open = tracker.current();
  if (open !== undefined) periods.push(open);
  periods.sort((a, b) => b.value - a.value);
  return { depth, periods: periods.slice(0, top) };
}
