/**
 * `summarize`: one streaming pass over what a backtest (or a live account) wrote, in memory that does
 * not grow with the input, to a `summary` record shaped like barter's TradingSummary (per-instrument
 * tear sheets, per-asset balances, and the portfolio's equity curve statistics). docs/statistics.md
 * has every formula; docs/format.md the record.
 */

import { DataError, describeFound } from '../errors.js';
import type { RecordStream, Stage } from '../io/stream.js';
import { runStage } from '../io/stream.js';
import { toNumber } from '../records/bounds.js';
import { type WireRecord, whereOf } from '../records/record.js';
import { formatTime, parseTime, type TimePrecision } from '../records/time.js';
import { type AssetBalances, Instrument, Portfolio } from './accumulators.js';
import { DrawdownStats, DrawdownTracker } from './drawdown.js';
import { ANNUAL_365, DAILY, type StatInterval } from './interval.js';
import { convertRate } from './metrics.js';
import { drawdown, meanOf, portfolioSheet, type SheetContext, tearSheet } from './sheets.js';

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
        `expected a number for "${field}", found ${describeFound(rec[field])}`,
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
    const ctx: SheetContext = {
      interval: this.interval,
      period: this.period,
      riskFree: this.riskFree,
      rfPerPeriod: this.rfPerPeriod,
      minPeriods: this.minPeriods,
      precision: this.precision,
      timeStart: this.timeStart,
    };
    const instruments: Record<string, unknown> = {};
    for (const [key, inst] of this.instruments) instruments[key] = tearSheet(ctx, inst, end);
    const assets: Record<string, unknown> = {};
    for (const [key, a] of this.assets) {
      const stats = a.drawdowns.with(a.tracker.current());
      assets[key] = {
        balance_start: a.start,
        balance_end: a.end,
        drawdown: drawdown(ctx, a.tracker.current()),
        drawdown_mean: meanOf(stats),
        drawdown_max: drawdown(ctx, stats.max),
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
      portfolio: portfolioSheet(ctx, this.portfolio),
    };
  }
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
