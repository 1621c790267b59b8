/**
 * The performance metrics as pure functions of summary statistics, each expressed per a chosen
 * interval. A metric that cannot be computed is `{ value: null, reason }`: never NaN, never a huge
 * sentinel. docs/statistics.md writes out every formula.
 */

import type { StatInterval } from './interval.js';

/** A metric value, with the interval it is expressed in where that applies. */
export interface Metric {
  readonly value: number | null;
  readonly interval?: string;
  /** Why the value is null. */
  readonly reason?: string;
}

export function metric(value: number, interval?: StatInterval): Metric {
  return interval === undefined ? { value } : { value, interval: interval.name };
}

export function noMetric(reason: string, interval?: StatInterval): Metric {
  return interval === undefined ? { value: null, reason } : { value: null, interval: interval.name, reason };
}

/**
 * A rate of return per `from` as the compounded rate per `to`: (1 + rate)^(to / from) - 1. Used to
 * turn the risk-free rate per interval into the rate per return period.
 *
 * @example convertRate(0.05, ANNUAL_365, DAILY) // 0.000133681...
 */
export function convertRate(rate: number, from: StatInterval, to: StatInterval): number {
  return (1 + rate) ** (to.us / from.us) - 1;
}

/** Returns per period, summarised: what the ratio functions take. */
export interface ReturnStats {
  /** Mean return per period. */
  readonly mean: number;
  /** Sample standard deviation of the returns (NaN with fewer than 2). */
  readonly stdDev: number;
  readonly count: number;
}

/**
 * Sharpe ratio: (mean return - risk-free return) / standard deviation of returns, per period, scaled
 * to `interval` by sqrt(interval / period) (returns assumed independent and identically
 * distributed). `riskFree` is per period.
 *
 * @example sharpeRatio({ mean: 0.001, stdDev: 0.02, count: 365 }, 0, DAILY, ANNUAL_365) // { value: 0.955..., interval: 'annual_365' }
 */
export function sharpeRatio(
  returns: ReturnStats,
  riskFree: number,
  period: StatInterval,
  interval: StatInterval,
): Metric {
  if (returns.count < 2 || !Number.isFinite(returns.stdDev))
    return noMetric(`needs at least 2 returns, found ${returns.count}`, interval);
  if (returns.stdDev === 0) return noMetric('the returns do not vary (zero standard deviation)', interval);
  return metric(((returns.mean - riskFree) / returns.stdDev) * Math.sqrt(interval.us / period.us), interval);
}

/**
 * Sortino ratio: (mean return - target) / downside deviation, per period, scaled by
 * sqrt(interval / period). The downside deviation is sqrt(sum(min(0, r - target)^2) / n) over all n
 * returns (see DownsideDeviation); the target is the risk-free return per period.
 *
 * @example sortinoRatio({ mean: 0.001, count: 365 }, 0.01, 0, DAILY, ANNUAL_365) // { value: 1.91..., interval: 'annual_365' }
 */
export function sortinoRatio(
  returns: Pick<ReturnStats, 'mean' | 'count'>,
  downsideDeviation: number,
  target: number,
  period: StatInterval,
  interval: StatInterval,
): Metric {
  if (returns.count < 2) return noMetric(`needs at least 2 returns, found ${returns.count}`, interval);
  if (!(downsideDeviation > 0))
    return noMetric('no return below the target (zero downside deviation)', interval);
  return metric(((returns.mean - target) / downsideDeviation) * Math.sqrt(interval.us / period.us), interval);
}

/**
 * Calmar ratio: (return per interval - risk-free return per interval) / maximum drawdown. The return
 * is already per `interval` (CAGR for the portfolio, the linear rate of return for an instrument);
 * the drawdown is not scaled.
 *
 * @example calmarRatio(0.3, 0.05, 0.25, ANNUAL_365) // { value: 1, interval: 'annual_365' }
 */
export function calmarRatio(
  returnPerInterval: number,
  riskFree: number,
  maxDrawdownValue: number,
  interval: StatInterval,
): Metric {
  if (!(maxDrawdownValue > 0)) return noMetric('no drawdown (maximum drawdown is 0)', interval);
  return metric((returnPerInterval - riskFree) / maxDrawdownValue, interval);
}

/**
 * Rate of return: the mean return per period scaled linearly to `interval`, mean * interval / period
 * (a mean rate, not compounded).
 *
 * @example rateOfReturn(0.001, DAILY, ANNUAL_252) // { value: 0.252, interval: 'annual_252' }
 */
export function rateOfReturn(meanReturn: number, period: StatInterval, interval: StatInterval): Metric {
  return metric(meanReturn * (interval.us / period.us), interval);
}

/**
 * Compound annual growth rate, per `interval`: (end / start)^(interval / elapsed) - 1, elapsed in
 * microseconds. -1 when everything was lost.
 *
 * @example cagr(100, 121, 2 * 365 * 86_400_000_000, ANNUAL_365) // { value: 0.1, interval: 'annual_365' } (to rounding)
 */
export function cagr(start: number, end: number, elapsedUs: number, interval: StatInterval): Metric {
  if (!(start > 0)) return noMetric(`the starting value ${start} is not positive`, interval);
  if (!(elapsedUs > 0)) return noMetric('the run has no length in time', interval);
  if (end <= 0) return metric(-1, interval);
  return metric((end / start) ** (interval.us / elapsedUs) - 1, interval);
}

/**
 * Annualised return over `periods` return periods of length `period`: the growth compounded to
 * `interval`, expm1(ln(end / start) / periods * (interval / period)). With `annual_252` and daily
 * periods this is backtrader's `Returns.rnorm` (252 periods a year, counted, not calendar days); with
 * `annual_365`, 365 periods a year. -1 when everything was lost.
 *
 * @example annualisedReturn(100, 121, 504, DAILY, ANNUAL_252) // { value: 0.1, interval: 'annual_252' } (to rounding)
 */
export function annualisedReturn(
  start: number,
  end: number,
  periods: number,
  period: StatInterval,
  interval: StatInterval,
): Metric {
  if (!(start > 0)) return noMetric(`the starting value ${start} is not positive`, interval);
  if (!(periods > 0)) return noMetric('no return periods', interval);
  if (end <= 0) return metric(-1, interval);
  return metric(Math.expm1((Math.log(end / start) / periods) * (interval.us / period.us)), interval);
}

/**
 * Win rate: winning positions / closed positions (a position that broke even is neither).
 *
 * @example winRate(3, 4) // { value: 0.75 }
 */
export function winRate(wins: number, closed: number): Metric {
  if (closed === 0) return noMetric('no closed positions');
  return metric(wins / closed);
}

/**
 * Profit factor: gross profit / gross loss (both >= 0).
 *
 * @example profitFactor(300, 100) // { value: 3 }
 */
export function profitFactor(grossProfit: number, grossLoss: number, closed = 1): Metric {
  if (closed === 0) return noMetric('no closed positions');
  if (!(grossLoss > 0)) return noMetric('no losing positions (gross loss is 0)');
  return metric(grossProfit / grossLoss);
}

/**
 * Downside deviation against a fixed target, streamed: sqrt(sum(min(0, r - target)^2) / n) over all n
 * returns seen (returns above the target count as 0, not as absent).
 */
export class DownsideDeviation {
  private n = 0;
  private sumSq = 0;

  constructor(readonly target = 0) {}

  update(r: number): void {
    this.n++;
    const d = r - this.target;
    if (d < 0) this.sumSq += d * d;
  }

  get value(): number {
    return this.n > 0 ? Math.sqrt(this.sumSq / this.n) : Number.NaN;
  }

  clone(): DownsideDeviation {
    const c = new DownsideDeviation(this.target);
    c.n = this.n;
    c.sumSq = this.sumSq;
    return c;
  }
}
