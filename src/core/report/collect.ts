/**
 * What the report reads, gathered in one pass: the equity curve, each instrument's price (candles, or
 * a line of trade prices or quote mid-prices), its fills and closed positions, a `summary` record if
 * the input has one, and `sweep` records. Long series are kept as columns of doubles, not objects.
 * Every account record is also handed to a Summarizer, so the tear sheet is summarize's own.
 */

import { dec } from '../backtest/exact.js';
import { DataError, describeFound } from '../errors.js';
import type { Stage } from '../io/stream.js';
import { applyFill, Position } from '../portfolio/position.js';
import { toNumber } from '../records/bounds.js';
import { type WireRecord, whereOf } from '../records/record.js';
import { formatTime, parseTime } from '../records/time.js';
import type { Summarizer } from '../stats/summary.js';
import { Column } from './downsample.js';

export interface FillPoint {
  readonly t: number;
  readonly side: 'buy' | 'sell';
  readonly price: number;
  readonly amount: number;
  readonly fee: number;
}

export interface ClosedTrade {
  readonly side: string;
  readonly amount: number;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly exitTime: number;
  readonly exitPrice: number | null;
  readonly pnl: number;
  readonly fees: number;
}

/** One instrument's market series and account activity. */
export class InstrumentData {
  /** Candles by open time (microseconds), or a line of prices when `kind` is 'line'. */
  kind: 'candles' | 'line' | 'none' = 'none';
  readonly t = new Column();
  readonly open = new Column();
  readonly high = new Column();
  readonly low = new Column();
  readonly close = new Column();
  readonly fills: FillPoint[] = [];
  /** Closed positions as the input's `position` records say. */
  readonly trades: ClosedTrade[] = [];
  /** Position records seen (open or closed). */
  positionRecords = 0;
  /**
   * Closed positions rebuilt from the fills by backtest's own accounting (applyFill: volume-weighted
   * entry, fees pro rata across a flip), for input that has fills but no position records.
   */
  readonly fromFills: ClosedTrade[] = [];
  private rebuilt: Position | undefined;
  /** The signed position after each fill (buy adds, sell subtracts). */
  readonly position = { t: new Column(), v: new Column() };
  private held = 0;

  constructor(
    readonly exchange: string,
    readonly symbol: string,
  ) {}

  get key(): string {
    return `${this.exchange}:${this.symbol}`;
  }

  addCandle(t: number, o: number, h: number, l: number, c: number): void {
    if (this.kind === 'line') this.clearPrice();
    this.kind = 'candles';
    if (this.t.length > 0 && t <= this.t.last()) return;
    this.t.push(t);
    this.open.push(o);
    this.high.push(h);
    this.low.push(l);
    this.close.push(c);
  }

  addPrice(t: number, price: number): void {
    if (this.kind === 'candles') return;
    this.kind = 'line';
    // Points of one moment collapse to the last price at it.
    if (this.t.length > 0 && t <= this.t.last()) {
      this.close.data[this.close.length - 1] = price;
      return;
    }
    this.t.push(t);
    this.close.push(price);
  }

  /** Closed positions: the input's, else those rebuilt from its fills. */
  get closedTrades(): ClosedTrade[] {
    return this.positionRecords > 0 ? this.trades : this.fromFills;
  }

  addFill(f: FillPoint, time: string, contractSize: number): void {
    this.fills.push(f);
    this.rebuilt ??= new Position('spot', dec(contractSize));
    const done = applyFill(this.rebuilt, f.side, dec(f.price), dec(f.amount), dec(f.fee), time).closed;
    if (done !== undefined)
      this.fromFills.push({
        side: done.side,
        amount: done.amount,
        entryTime: parseTime(done.time_open)!.us,
        entryPrice: done.entry_price,
        exitTime: f.t,
        exitPrice: done.exit_price,
        pnl: done.pnl,
        fees: done.fees,
      });
    this.held += f.side === 'buy' ? f.amount : -f.amount;
    if (Math.abs(this.held) < 1e-12 * Math.max(1, f.amount)) this.held = 0;
    const pt = this.position.t;
    if (pt.length > 0 && pt.last() === f.t) this.position.v.data[this.position.v.length - 1] = this.held;
    else {
      pt.push(f.t);
      this.position.v.push(this.held);
    }
  }

  private clearPrice(): void {
    this.t.length = 0;
    this.close.length = 0;
  }
}

const ACCOUNT = new Set(['equity', 'position', 'fill', 'order', 'balance', 'funding_payment']);
const SWEEP = new Set(['sweep_run', 'sweep_summary', 'sweep_fold']);

/** The report's one pass over its input (a Stage that writes nothing). */
export class ReportCollector implements Stage {
  readonly equity = { t: new Column(), v: new Column() };
  equityAsset: string | undefined;
  readonly instruments = new Map<string, InstrumentData>();
  /** The last summary record of the input, if it had one. */
  inputSummary: WireRecord | undefined;
  readonly sweep: { runs: WireRecord[]; summary: WireRecord | undefined; folds: WireRecord[] } = {
    runs: [],
    summary: undefined,
    folds: [],
  };
  accountRecords = 0;
  marketRecords = 0;
  records = 0;
  private last: InstrumentData | undefined;

  constructor(
    private readonly summarizer: Summarizer,
    private readonly source = 'input',
  ) {}

  push(rec: WireRecord, out: WireRecord[]): void {
    this.records++;
    const type = rec.type;
    if (ACCOUNT.has(type)) {
      this.accountRecords++;
      this.summarizer.push(rec, out);
      this.account(rec);
      return;
    }
    switch (type) {
      case 'candle': {
        this.marketRecords++;
        const open = rec.open_time === undefined ? rec.time : rec.open_time;
        this.instrument(rec).addCandle(
          this.time(rec, open, 'open_time'),
          this.num(rec, 'open'),
          this.num(rec, 'high'),
          this.num(rec, 'low'),
          this.num(rec, 'close'),
        );
        return;
      }
      case 'trade':
        this.marketRecords++;
        this.instrument(rec).addPrice(this.time(rec, rec.time, 'time'), this.num(rec, 'price'));
        return;
      case 'quote':
        this.marketRecords++;
        this.instrument(rec).addPrice(
          this.time(rec, rec.time, 'time'),
          (this.num(rec, 'bid_price') + this.num(rec, 'ask_price')) / 2,
        );
        return;
      case 'summary':
        this.inputSummary = rec;
        return;
    }
    if (SWEEP.has(type)) {
      if (type === 'sweep_run') this.sweep.runs.push(rec);
      else if (type === 'sweep_fold') this.sweep.folds.push(rec);
      else this.sweep.summary = rec;
    }
  }

  finish(out: WireRecord[]): void {
    this.summarizer.finish(out);
  }

  private account(rec: WireRecord): void {
    switch (rec.type) {
      case 'equity': {
        this.equityAsset ??= typeof rec.asset === 'string' ? rec.asset : '';
        const t = this.time(rec, rec.time, 'time');
        const eq = this.equity;
        if (eq.t.length > 0 && eq.t.last() === t) eq.v.data[eq.v.length - 1] = this.num(rec, 'equity');
        else {
          eq.t.push(t);
          eq.v.push(this.num(rec, 'equity'));
        }
        return;
      }
      case 'fill': {
        const side = rec.side === 'sell' ? 'sell' : 'buy';
        const t = this.time(rec, rec.time, 'time');
        this.instrument(rec).addFill(
          {
            t,
            side,
            price: this.num(rec, 'price'),
            amount: Math.abs(this.num(rec, 'amount')),
            fee: rec.fee === undefined || rec.fee === null ? 0 : this.num(rec, 'fee'),
          },
          formatTime(t, 'us'),
          rec.contract_size === undefined ? 1 : this.num(rec, 'contract_size'),
        );
        return;
      }
      case 'position': {
        const inst = this.instrument(rec);
        inst.positionRecords++;
        if (rec.status !== 'closed') return;
        const exitPrice =
          rec.exit_price === undefined || rec.exit_price === null ? null : this.num(rec, 'exit_price');
        const close = rec.time_close === undefined || rec.time_close === null ? rec.time : rec.time_close;
        inst.trades.push({
          side: typeof rec.side === 'string' ? rec.side : '',
          amount: Math.abs(this.num(rec, 'amount')),
          entryTime: this.time(rec, rec.time_open, 'time_open'),
          entryPrice: this.num(rec, 'entry_price'),
          exitTime: this.time(rec, close, 'time_close'),
          exitPrice,
          pnl: this.num(rec, 'pnl'),
          fees: rec.fees === undefined || rec.fees === null ? 0 : this.num(rec, 'fees'),
        });
        return;
      }
    }
  }

  private instrument(rec: WireRecord): InstrumentData {
    const last = this.last;
    if (last !== undefined && rec.symbol === last.symbol && rec.exchange === last.exchange) return last;
    const exchange = typeof rec.exchange === 'string' ? rec.exchange : '';
    const symbol = typeof rec.symbol === 'string' ? rec.symbol : '';
    if (symbol === '') throw new DataError(whereOf(rec, this.source), `a ${rec.type} record needs "symbol"`);
    const key = `${exchange}:${symbol}`;
    let inst = this.instruments.get(key);
    if (inst === undefined) {
      inst = new InstrumentData(exchange, symbol);
      this.instruments.set(key, inst);
    }
    this.last = inst;
    return inst;
  }

  private num(rec: WireRecord, field: string): number {
    const v = toNumber(rec[field]);
    if (!Number.isFinite(v))
      throw new DataError(
        whereOf(rec, this.source),
        `expected a number for "${field}", found ${describeFound(rec[field])}`,
      );
    return v;
  }

  private time(rec: WireRecord, value: unknown, field: string): number {
    const p = parseTime(value);
    if (p === undefined)
      throw new DataError(
        whereOf(rec, this.source),
        `expected a time for "${field}", found ${JSON.stringify(value) ?? 'nothing'}`,
      );
    return p.us;
  }
}
