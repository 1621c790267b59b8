/**
 * The parts of the `summary` record (docs/format.md, docs/statistics.md has every formula): an
 * instrument's tear sheet, the portfolio's sheet and the drawdown fields, from what summarize
 * accumulated (src/core/stats/accumulators.ts).
 */

import { formatTime, type TimePrecision } from '../records/time.js';
import type { Instrument, Portfolio } from './accumulators.js';
import { type DrawdownPeriod, type DrawdownStats, periodFields } from './drawdown.js';
import type { StatInterval } from './interval.js';
import {
  annualisedReturn,
  calmarRatio,
  type Metric,
  metric,
  noMetric,
  profitFactor,
  rateOfReturn,
  sharpeRatio,
  sortinoRatio,
  winRate,
} from './metrics.js';

/** What the sheets are computed with: the summarizer's settings and the span of the input. */
export interface SheetContext {
  readonly interval: StatInterval;
  readonly period: StatInterval;
  readonly riskFree: number;
  readonly rfPerPeriod: number;
  readonly minPeriods: number;
  readonly precision: TimePrecision;
  readonly timeStart: number;
}

export function drawdown(ctx: SheetContext, p: DrawdownPeriod | undefined): Record<string, unknown> {
  return p === undefined ? { value: 0 } : periodFields(p, ctx.precision);
}

function enough(ctx: SheetContext, count: number): string | undefined {
  return count < ctx.minPeriods
    ? `needs at least ${ctx.minPeriods} returns, found ${count} (--min-periods)`
    : undefined;
}

export function tearSheet(ctx: SheetContext, inst: Instrument, end: number): Record<string, unknown> {
  const iv = ctx.interval;
  const n = inst.trades;
  const span = end - ctx.timeStart;
  const stats = inst.drawdowns.with(inst.tracker.current());
  const maxDd = stats.max?.value ?? 0;
  let pnlReturn: Metric;
  let sharpe: Metric;
  let sortino: Metric;
  let calmar: Metric;
  const short =
    n === 0
      ? 'no closed positions'
      : (enough(ctx, n) ?? (span > 0 ? undefined : 'the run has no length in time'));
  if (short !== undefined) {
    pnlReturn =
      n === 0 || span <= 0
        ? noMetric(short, iv)
        : rateOfReturn(inst.rets.mean, { name: 'position', us: span / n }, iv);
    sharpe = noMetric(short, iv);
    sortino = noMetric(short, iv);
    calmar = noMetric(short, iv);
  } else {
    // One closed position per span / n on average: the per-position statistics scale to the
    // interval by the number of positions per interval.
    const perPosition: StatInterval = { name: 'position', us: span / n };
    pnlReturn = rateOfReturn(inst.rets.mean, perPosition, iv);
    const excess = { mean: inst.excess.mean, stdDev: inst.excess.stdDev('sample'), count: n };
    sharpe = sharpeRatio(excess, 0, perPosition, iv);
    sortino = sortinoRatio(excess, inst.down.value, 0, perPosition, iv);
    calmar = calmarRatio(pnlReturn.value as number, ctx.riskFree, maxDd, iv);
  }
  const inMarket = inst.inMarket + (inst.openSince === undefined ? 0 : Math.max(0, end - inst.openSince));
  return {
    pnl: inst.pnl.value,
    pnl_return: pnlReturn,
    sharpe_ratio: sharpe,
    sortino_ratio: sortino,
    calmar_ratio: calmar,
    pnl_drawdown: drawdown(ctx, inst.tracker.current()),
    pnl_drawdown_mean: meanOf(stats),
    pnl_drawdown_max: drawdown(ctx, stats.max),
    win_rate: winRate(inst.wins, n),
    profit_factor: profitFactor(inst.grossProfit.value, inst.grossLoss.value, n),
    trades: n,
    wins: inst.wins,
    losses: inst.losses,
    avg_win: inst.wins > 0 ? metric(inst.grossProfit.value / inst.wins) : noMetric('no winning positions'),
    avg_loss: inst.losses > 0 ? metric(-inst.grossLoss.value / inst.losses) : noMetric('no losing positions'),
    largest_win: inst.largestWin === undefined ? noMetric('no winning positions') : metric(inst.largestWin),
    largest_loss: inst.largestLoss === undefined ? noMetric('no losing positions') : metric(inst.largestLoss),
    expectancy: n > 0 ? metric(inst.pnl.value / n) : noMetric('no closed positions'),
    avg_holding_ms: n > 0 ? metric(inst.holding.value / n / 1000) : noMetric('no closed positions'),
    fees: inst.fees.value,
    funding: inst.funding.value,
    volume: inst.volume.value,
    fills: inst.fills,
    orders: inst.orders,
    orders_rejected: inst.rejected,
    orders_cancelled: inst.cancelled,
    orders_expired: inst.expired,
    time_in_market: span > 0 ? metric(inMarket / span) : noMetric('the run has no length in time'),
    position_open: inst.openSince !== undefined,
  };
}

export function portfolioSheet(ctx: SheetContext, p: Portfolio): Record<string, unknown> {
  const iv = ctx.interval;
  if (Number.isNaN(p.start)) {
    const none = noMetric('no equity records');
    const noneIv = noMetric('no equity records', iv);
    return {
      asset: null,
      equity_start: null,
      equity_end: null,
      total_return: none,
      annualised_return: noneIv,
      volatility: noneIv,
      sharpe_ratio: noneIv,
      sortino_ratio: noneIv,
      calmar_ratio: noneIv,
      max_drawdown: none,
      max_drawdown_duration_ms: null,
      time_under_water_ms: null,
      best_period: none,
      worst_period: none,
      periods: 0,
    };
  }
  const snap = p.snapshot();
  const n = snap.returns.count;
  const stats = p.drawdowns.with(p.tracker.current());
  const maxDd = stats.max?.value ?? 0;
  const growth =
    p.lastTime > p.startTime
      ? annualisedReturn(p.start, p.last, n, ctx.period, iv)
      : noMetric('the run has no length in time', iv);
  const short = enough(ctx, n);
  const r = { mean: snap.returns.mean, stdDev: snap.returns.stdDev('sample'), count: n };
  const sd = r.stdDev * Math.sqrt(iv.us / ctx.period.us);
  const ft = (us: number) => formatTime(us, ctx.precision);
  return {
    asset: p.asset === '' ? null : p.asset,
    equity_start: p.start,
    equity_end: p.last,
    total_return:
      p.start > 0 ? metric(p.last / p.start - 1) : noMetric(`the starting equity ${p.start} is not positive`),
    annualised_return: growth,
    volatility:
      short !== undefined
        ? noMetric(short, iv)
        : Number.isFinite(sd)
          ? metric(sd, iv)
          : noMetric(`needs at least 2 returns, found ${n}`, iv),
    sharpe_ratio: short !== undefined ? noMetric(short, iv) : sharpeRatio(r, ctx.rfPerPeriod, ctx.period, iv),
    sortino_ratio:
      short !== undefined
        ? noMetric(short, iv)
        : sortinoRatio(r, snap.down.value, ctx.rfPerPeriod, ctx.period, iv),
    calmar_ratio:
      growth.value === null
        ? noMetric(growth.reason ?? 'no annualised return', iv)
        : calmarRatio(growth.value, ctx.riskFree, maxDd, iv),
    max_drawdown: drawdown(ctx, stats.max),
    max_drawdown_duration_ms: stats.max === undefined ? 0 : (stats.max.timeEnd - stats.max.timeStart) / 1000,
    time_under_water_ms:
      stats.longest === undefined ? 0 : (stats.longest.timeEnd - stats.longest.timeStart) / 1000,
    best_period:
      snap.best === undefined
        ? noMetric('no return periods')
        : { value: snap.best.value, time: ft(snap.best.time) },
    worst_period:
      snap.worst === undefined
        ? noMetric('no return periods')
        : { value: snap.worst.value, time: ft(snap.worst.time) },
    periods: n,
  };
}

export function meanOf(stats: DrawdownStats): Metric {
  const m = stats.mean;
  return m === undefined ? noMetric('no drawdown period') : metric(m);
}
