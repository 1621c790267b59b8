/**
 * `summarize`: one streaming pass over what a backtest (or a live account) wrote, in memory that does
 * not grow with the input, to a `summary` record shaped like barter's TradingSummary (per-instrument
 * tear sheets, per-asset balances, and the portfolio's equity curve statistics). docs/statistics.md
 * has every formula; docs/format.md the record.
 */

import { DataError } from '../errors.js';
import type { RecordStream, Stage } from '../io/stream.js';
import { runStage } from '../io/stream.js';
import { type WireRecord, whereOf } from '../records/record.js';
import { formatTime, parseTime, type TimePrecision } from '../records/time.js';
import { toNumber } from '../records/validate.js';
import { type DrawdownPeriod, DrawdownStats, DrawdownTracker, periodFields } from './drawdown.js';
import { ANNUAL_365, DAILY, type StatInterval } from './interval.js';
import {
  annualisedReturn,
  calmarRatio,
  convertRate,
  DownsideDeviation,
  type Metric,
  metric,
  noMetric,
  profitFactor,
  rateOfReturn,
  sharpeRatio,
  sortinoRatio,
  winRate,
} from './metrics.js';
import { Sum, Welford } from './welford.js';

export interface SummarizeOptions {
  /** The interval metrics are expressed in (default annual_365). */
  readonly interval?: StatInterval;
  /** The length of the periods equity returns are taken over (default daily). */
  readonly period?: StatInterval;
  /** The risk-free rate of return per `interval` (default 0). */
  readonly riskFree?: number;
  /** Also emit a cumulative summary at the end of every period of this length (microseconds). */
  readonly everyUs?: number;
  /** Fewest returns a ratio is computed from (default 3). */
  readonly minPeriods?: number;
  /** Input name for messages. */
  readonly source?: string;
  /** Equity points kept for the sparkline of `--pretty` (default 64). */
  readonly curvePoints?: number;
}

const CONSUMED = new Set(['equity', 'position', 'fill', 'order', 'balance', 'funding_payment']);

/** The equity curve at bounded resolution: when full, every other point is dropped and the stride doubles. */
export class Curve {
  readonly points: number[] = [];
  private stride = 1;
  private skipped = 0;

  constructor(private readonly max: number) {}

  add(v: number): void {
    if (++this.skipped < this.stride) {
      this.points[this.points.length - 1] = v;
      return;
    }
    this.skipped = 0;
    this.points.push(v);
    if (this.points.length >= this.max * 2) {
      for (let i = 0; i < this.max; i++) this.points[i] = this.points[2 * i + 1]!;
      this.points.length = this.max;
      this.stride *= 2;
    }
  }
}

interface Extreme {
  value: number;
  time: number;
}

/** The equity curve: returns per period, drawdowns over every point. */
class Portfolio {
  asset: string | undefined;
  start = Number.NaN;
  startTime = 0;
  last = Number.NaN;
  lastTime = 0;
  readonly tracker = new DrawdownTracker();
  readonly drawdowns = new DrawdownStats();
  readonly returns = new Welford();
  readonly down: DownsideDeviation;
  best: Extreme | undefined;
  worst: Extreme | undefined;
  /** Index of the period the last point fell in: period k is (k-1)P < t <= kP. */
  private bucket = Number.NaN;
  private prevClose = Number.NaN;
  readonly curve: Curve;

  constructor(
    private readonly period: StatInterval,
    rfPerPeriod: number,
    curvePoints: number,
  ) {
    this.down = new DownsideDeviation(rfPerPeriod);
    this.curve = new Curve(curvePoints);
  }

  add(value: number, t: number): void {
    if (Number.isNaN(this.start)) {
      this.start = value;
      this.startTime = t;
      this.prevClose = value;
    }
    const k = Math.ceil(t / this.period.us);
    if (k !== this.bucket && !Number.isNaN(this.bucket)) this.closePeriod(this.returns, this.down, true);
    this.bucket = k;
    this.last = value;
    this.lastTime = t;
    const done = this.tracker.update(value, t);
    if (done !== undefined) this.drawdowns.add(done);
    this.curve.add(value);
  }

  /** Closes the period in progress into the given accumulators (copies, for a snapshot). */
  private closePeriod(returns: Welford, down: DownsideDeviation, commit: boolean): Extreme[] {
    if (!(this.prevClose > 0)) {
      if (commit) this.prevClose = this.last;
      return [];
    }
    const r = this.last / this.prevClose - 1;
    returns.update(r);
    down.update(r);
    const time = this.bucket * this.period.us;
    if (commit) {
      this.prevClose = this.last;
      if (this.best === undefined || r > this.best.value) this.best = { value: r, time };
      if (this.worst === undefined || r < this.worst.value) this.worst = { value: r, time };
    }
    return [{ value: r, time }];
  }

  /** Return statistics including the period still in progress. */
  snapshot(): { returns: Welford; down: DownsideDeviation; best?: Extreme; worst?: Extreme } {
    const returns = Object.assign(new Welford(), this.returns);
    const down = this.down.clone();
    let best = this.best;
    let worst = this.worst;
    if (!Number.isNaN(this.bucket)) {
      for (const e of this.closePeriod(returns, down, false)) {
        if (best === undefined || e.value > best.value) best = e;
        if (worst === undefined || e.value < worst.value) worst = e;
      }
    }
    return { returns, down, ...(best ? { best } : {}), ...(worst ? { worst } : {}) };
  }
}

/** One instrument's tear sheet in the making. */
class Instrument {
  trades = 0;
  wins = 0;
  losses = 0;
  readonly pnl = new Sum();
  readonly grossProfit = new Sum();
  readonly grossLoss = new Sum();
  largestWin: number | undefined;
  largestLoss: number | undefined;
  readonly holding = new Sum();
  /** Per-position returns, r = pnl / entry notional. */
  readonly rets = new Welford();
  /** Per-position excess returns over the risk-free return for the holding time. */
  readonly excess = new Welford();
  readonly down = new DownsideDeviation(0);
  /** The compounded curve of per-position returns, from 1. */
  private wealth = 1;
  readonly tracker = new DrawdownTracker();
  readonly drawdowns = new DrawdownStats();
  readonly fees = new Sum();
  readonly volume = new Sum();
  readonly funding = new Sum();
  fills = 0;
  orders = 0;
  rejected = 0;
  cancelled = 0;
  expired = 0;
  inMarket = 0;
  openSince: number | undefined;

  constructor(
    readonly exchange: string,
    readonly symbol: string,
    firstTime: number,
  ) {
    this.tracker.update(1, firstTime);
  }

  close(pnl: number, r: number, excess: number, timeOpen: number, timeClose: number): void {
    this.trades++;
    this.pnl.add(pnl);
    if (pnl > 0) {
      this.wins++;
      this.grossProfit.add(pnl);
      if (this.largestWin === undefined || pnl > this.largestWin) this.largestWin = pnl;
    } else if (pnl < 0) {
      this.losses++;
      this.grossLoss.add(-pnl);
      if (this.largestLoss === undefined || pnl < this.largestLoss) this.largestLoss = pnl;
    }
    this.holding.add(timeClose - timeOpen);
    this.rets.update(r);
    this.excess.update(excess);
    this.down.update(excess);
    this.wealth = Math.max(0, this.wealth * (1 + r));
    const done = this.tracker.update(this.wealth, timeClose);
    if (done !== undefined) this.drawdowns.add(done);
    this.inMarket += timeClose - Math.min(timeOpen, this.openSince ?? timeOpen);
    this.openSince = undefined;
  }
}

interface AssetBalances {
  start: { total: number; free: number };
  end: { total: number; free: number };
  readonly tracker: DrawdownTracker;
  readonly drawdowns: DrawdownStats;
}

/** The summarising stage: consumes account records, emits `summary` records (see `summarize`). */
export class Summarizer implements Stage {
  readonly interval: StatInterval;
  readonly period: StatInterval;
  readonly riskFree: number;
  private readonly rfPerPeriod: number;
  private readonly minPeriods: number;
  private readonly portfolio: Portfolio;
  private readonly instruments = new Map<string, Instrument>();
  private readonly assets = new Map<string, AssetBalances>();
  private strategy: string | undefined;
  private timeStart = Number.NaN;
  private timeEnd = Number.NaN;
  private precision: TimePrecision = 'ms';
  private boundary = Number.NaN;
  private lastTimeText: unknown;
  private lastInstrument: Instrument | undefined;
  /** Records consumed. */
  consumed = 0;

  constructor(private readonly options: SummarizeOptions = {}) {
    this.interval = options.interval ?? ANNUAL_365;
    this.period = options.period ?? DAILY;
    this.riskFree = options.riskFree ?? 0;
    this.rfPerPeriod = convertRate(this.riskFree, this.interval, this.period);
    this.minPeriods = Math.max(2, options.minPeriods ?? 3);
    this.portfolio = new Portfolio(this.period, this.rfPerPeriod, options.curvePoints ?? 64);
  }

  /** The equity curve at bounded resolution (for the sparkline). */
  get curve(): readonly number[] {
    return this.portfolio.curve.points;
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    const type = rec.type;
    if (!CONSUMED.has(type)) return;
    // Records of one moment (an equity point, its fills and balances) share their time text.
    let t: number;
    if (rec.time === this.lastTimeText) t = this.timeEnd;
    else {
      const parsed = parseTime(rec.time);
      if (parsed === undefined)
        throw new DataError(this.where(rec), `expected a time for "time", found ${JSON.stringify(rec.time)}`);
      t = parsed.us;
      if (parsed.precision === 'us') this.precision = 'us';
      this.lastTimeText = rec.time as string;
    }
    if (t < this.timeEnd)
      throw new DataError(
        this.where(rec),
        `record at ${String(rec.time)} is older than the one before (${formatTime(this.timeEnd, this.precision)}); sort the input first (tickpipe sanitize --reorder-window N)`,
      );
    const every = this.options.everyUs;
    if (every !== undefined) {
      if (Number.isNaN(this.boundary)) this.boundary = Math.ceil(t / every) * every;
      else if (t > this.boundary) {
        out.push(this.summary(this.boundary));
        this.boundary = Math.ceil(t / every) * every;
      }
    }
    if (Number.isNaN(this.timeStart)) this.timeStart = t;
    this.timeEnd = t;
    this.consumed++;
    if (this.strategy === undefined && typeof rec.strategy === 'string') this.strategy = rec.strategy;
    switch (type) {
      case 'equity':
        this.onEquity(rec, t);
        return;
      case 'position':
        this.onPosition(rec, t);
        return;
      case 'fill':
        this.onFill(rec, t);
        return;
      case 'order':
        this.onOrder(rec, t);
        return;
      case 'balance':
        this.onBalance(rec, t);
        return;
      case 'funding_payment':
        this.instrument(rec, t).funding.add(this.num(rec, 'amount'));
        return;
    }
  }

  finish(out: WireRecord[]): void {
    if (this.consumed === 0) return;
    out.push(this.summary(this.timeEnd));
  }

  // ---------------------------------------------------------------------------------------------

  private where(rec: WireRecord): string {
    return whereOf(rec, this.options.source);
  }

  private num(rec: WireRecord, field: string): number {
    const v = toNumber(rec[field]);
    if (!Number.isFinite(v))
      throw new DataError(
        this.where(rec),
        `expected a number for "${field}", found ${JSON.stringify(rec[field]) ?? 'nothing'}`,
      );
    return v;
  }

  private str(rec: WireRecord, field: string): string {
    const v = rec[field];
    if (typeof v !== 'string' || v.length === 0)
      throw new DataError(this.where(rec), `a ${rec.type} record needs "${field}"`);
    return v;
  }

  private time(rec: WireRecord, field: string): number {
    const p = parseTime(rec[field]);
    if (p === undefined)
      throw new DataError(
        this.where(rec),
        `expected a time for "${field}", found ${JSON.stringify(rec[field])}`,
      );
    return p.us;
  }

  private instrument(rec: WireRecord, t: number): Instrument {
    const last = this.lastInstrument;
    if (last !== undefined && rec.symbol === last.symbol && rec.exchange === last.exchange) return last;
    const exchange = this.str(rec, 'exchange');
    const symbol = this.str(rec, 'symbol');
    const key = `${exchange}:${symbol}`;
    let inst = this.instruments.get(key);
    if (inst === undefined) {
      inst = new Instrument(exchange, symbol, t);
      this.instruments.set(key, inst);
    }
    this.lastInstrument = inst;
    return inst;
  }

  private onEquity(rec: WireRecord, t: number): void {
    const value = this.num(rec, 'equity');
    const asset = typeof rec.asset === 'string' ? rec.asset : '';
    const p = this.portfolio;
    if (p.asset === undefined) p.asset = asset;
    else if (asset !== p.asset)
      throw new DataError(
        this.where(rec),
        `equity in "${asset}" after equity in "${p.asset}": summarize one account at a time`,
      );
    p.add(value, t);
  }

  private onPosition(rec: WireRecord, t: number): void {
    const inst = this.instrument(rec, t);
    if (rec.status === 'open') {
      inst.openSince ??= this.time(rec, 'time_open');
      return;
    }
    if (rec.status !== 'closed')
      throw new DataError(
        this.where(rec),
        `expected "status" "open" or "closed" in a position record, found ${JSON.stringify(rec.status)}`,
      );
    const pnl = this.num(rec, 'pnl');
    const notional =
      Math.abs(this.num(rec, 'amount') * this.num(rec, 'entry_price')) *
      (rec.contract_size === undefined ? 1 : this.num(rec, 'contract_size'));
    if (!(notional > 0))
      throw new DataError(this.where(rec), 'a closed position needs "amount" and "entry_price" > 0');
    const open = this.time(rec, 'time_open');
    const close = rec.time_close === undefined || rec.time_close === null ? t : this.time(rec, 'time_close');
    const r = pnl / notional;
    const rf = convertRate(this.riskFree, this.interval, { name: 'holding', us: Math.max(0, close - open) });
    inst.close(pnl, r, r - rf, open, close);
  }

  private onFill(rec: WireRecord, t: number): void {
    const inst = this.instrument(rec, t);
    inst.fills++;
    inst.fees.add(rec.fee === undefined ? 0 : this.num(rec, 'fee'));
    const size = rec.contract_size === undefined ? 1 : this.num(rec, 'contract_size');
    inst.volume.add(Math.abs(this.num(rec, 'price') * this.num(rec, 'amount')) * size);
  }

  private onOrder(rec: WireRecord, t: number): void {
    const inst = this.instrument(rec, t);
    switch (rec.status) {
      case 'new':
        inst.orders++;
        break;
      case 'rejected':
        inst.rejected++;
        break;
      case 'cancelled':
        inst.cancelled++;
        break;
      case 'expired':
        inst.expired++;
        break;
    }
  }

  private onBalance(rec: WireRecord, t: number): void {
    const key = `${this.str(rec, 'exchange')}:${this.str(rec, 'asset')}`;
    const total = this.num(rec, 'total');
    const free = rec.free === undefined ? total : this.num(rec, 'free');
    let a = this.assets.get(key);
    if (a === undefined) {
      a = {
        start: { total, free },
        end: { total, free },
        tracker: new DrawdownTracker(),
        drawdowns: new DrawdownStats(),
      };
      this.assets.set(key, a);
    }
    a.end = { total, free };
    const done = a.tracker.update(total, t);
    if (done !== undefined) a.drawdowns.add(done);
  }

  // ---------------------------------------------------------------------------------------------
  // The summary record

  /**
   * The summary of everything consumed so far, stamped `time: stamp` (microseconds): the end of input,
   * or with `everyUs` the end of the period. It covers time_start to the last record consumed.
   */
  summary(stamp: number): WireRecord {
    const end = this.timeEnd;
    const ft = (us: number) => formatTime(us, this.precision);
    const instruments: Record<string, unknown> = {};
    for (const [key, inst] of this.instruments) instruments[key] = this.tearSheet(inst, end);
    const assets: Record<string, unknown> = {};
    for (const [key, a] of this.assets) {
      const stats = a.drawdowns.with(a.tracker.current());
      assets[key] = {
        balance_start: a.start,
        balance_end: a.end,
        drawdown: this.drawdown(a.tracker.current()),
        drawdown_mean: meanOf(stats),
        drawdown_max: this.drawdown(stats.max),
      };
    }
    return {
      type: 'summary',
      time: ft(stamp),
      ...(this.strategy === undefined ? {} : { strategy: this.strategy }),
      time_start: ft(this.timeStart),
      time_end: ft(end),
      interval: this.interval.name,
      period: this.period.name,
      risk_free_return: this.riskFree,
      instruments,
      assets,
      portfolio: this.portfolioSheet(),
    };
  }

  private drawdown(p: DrawdownPeriod | undefined): Record<string, unknown> {
    return p === undefined ? { value: 0 } : periodFields(p, this.precision);
  }

  private enough(count: number): string | undefined {
    return count < this.minPeriods
      ? `needs at least ${this.minPeriods} returns, found ${count} (--min-periods)`
      : undefined;
  }

  private tearSheet(inst: Instrument, end: number): Record<string, unknown> {
    const iv = this.interval;
    const n = inst.trades;
    const span = end - this.timeStart;
    const stats = inst.drawdowns.with(inst.tracker.current());
    const maxDd = stats.max?.value ?? 0;
    let pnlReturn: Metric;
    let sharpe: Metric;
    let sortino: Metric;
    let calmar: Metric;
    const short =
      n === 0
        ? 'no closed positions'
        : (this.enough(n) ?? (span > 0 ? undefined : 'the run has no length in time'));
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
      calmar = calmarRatio(pnlReturn.value as number, this.riskFree, maxDd, iv);
    }
    const inMarket = inst.inMarket + (inst.openSince === undefined ? 0 : Math.max(0, end - inst.openSince));
    return {
      pnl: inst.pnl.value,
      pnl_return: pnlReturn,
      sharpe_ratio: sharpe,
      sortino_ratio: sortino,
      calmar_ratio: calmar,
      pnl_drawdown: this.drawdown(inst.tracker.current()),
      pnl_drawdown_mean: meanOf(stats),
      pnl_drawdown_max: this.drawdown(stats.max),
      win_rate: winRate(inst.wins, n),
      profit_factor: profitFactor(inst.grossProfit.value, inst.grossLoss.value, n),
      trades: n,
      wins: inst.wins,
      losses: inst.losses,
      avg_win: inst.wins > 0 ? metric(inst.grossProfit.value / inst.wins) : noMetric('no winning positions'),
      avg_loss:
        inst.losses > 0 ? metric(-inst.grossLoss.value / inst.losses) : noMetric('no losing positions'),
      largest_win: inst.largestWin === undefined ? noMetric('no winning positions') : metric(inst.largestWin),
      largest_loss:
        inst.largestLoss === undefined ? noMetric('no losing positions') : metric(inst.largestLoss),
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

  private portfolioSheet(): Record<string, unknown> {
    const p = this.portfolio;
    const iv = this.interval;
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
        ? annualisedReturn(p.start, p.last, n, this.period, iv)
        : noMetric('the run has no length in time', iv);
    const short = this.enough(n);
    const r = { mean: snap.returns.mean, stdDev: snap.returns.stdDev('sample'), count: n };
    const sd = r.stdDev * Math.sqrt(iv.us / this.period.us);
    const ft = (us: number) => formatTime(us, this.precision);
    return {
      asset: p.asset === '' ? null : p.asset,
      equity_start: p.start,
      equity_end: p.last,
      total_return:
        p.start > 0
          ? metric(p.last / p.start - 1)
          : noMetric(`the starting equity ${p.start} is not positive`),
      annualised_return: growth,
      volatility:
        short !== undefined
          ? noMetric(short, iv)
          : Number.isFinite(sd)
            ? metric(sd, iv)
            : noMetric(`needs at least 2 returns, found ${n}`, iv),
      sharpe_ratio:
        short !== undefined ? noMetric(short, iv) : sharpeRatio(r, this.rfPerPeriod, this.period, iv),
      sortino_ratio:
        short !== undefined
          ? noMetric(short, iv)
          : sortinoRatio(r, snap.down.value, this.rfPerPeriod, this.period, iv),
      calmar_ratio:
        growth.value === null
          ? noMetric(growth.reason ?? 'no annualised return', iv)
          : calmarRatio(growth.value, this.riskFree, maxDd, iv),
      max_drawdown: this.drawdown(stats.max),
      max_drawdown_duration_ms:
        stats.max === undefined ? 0 : (stats.max.timeEnd - stats.max.timeStart) / 1000,
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
}

function meanOf(stats: DrawdownStats): Metric {
  const m = stats.mean;
  return m === undefined ? noMetric('no drawdown period') : metric(m);
}

/**
 * Summarises a stream of account records: one `summary` record at the end (and, with `everyUs`, one
 * at the end of every period of event time, cumulative from the start).
 */
export function summarize(input: RecordStream, summarizer: Summarizer): RecordStream {
  return runStage(input, summarizer);
}

/** Passes every record through and appends the summary of them at the end (`backtest --summary`). */
export class SummaryTap implements Stage {
  constructor(readonly summarizer: Summarizer) {}

  push(rec: WireRecord, out: WireRecord[]): void {
    out.push(rec);
    this.summarizer.push(rec, out);
  }

  finish(out: WireRecord[]): void {
    this.summarizer.finish(out);
  }
}

/** The stream with, at its end, the summary `summarize` would write of it. */
export function withSummary(input: RecordStream, summarizer: Summarizer): RecordStream {
  return runStage(input, new SummaryTap(summarizer));
}
