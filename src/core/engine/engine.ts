/**
 * The event-driven backtest engine, the conductor (docs/backtest.md, docs/execution.md,
 * docs/architecture.md "The engine").
 *
 * One clock: the receive time of the records read (`local_time`, else `time`: engine/clock.ts).
 * Each record, in order:
 * 1. moves the clock (a record older than the clock is an error), emitting the equity owed for the
 *    times before it, and applies cancels and order activations whose latency has elapsed;
 * 2. updates the instrument's market state and lets the matcher of its data kind fill live orders
 *    against it (matching/: candle, trade, book), by the fill model;
 * 3. shows the record to the strategy, whose intents pass the risk checks and become orders
 *    (placement.ts). A decision can only fill on a later record (or at the same candle's close with
 *    fill_at=close), so there is no look-ahead.
 * Output is the account's story: `order`, `fill`, `position`, `balance`, `equity`, `trading_state`.
 *
 * The parts: market/ (instruments and their last state), matching/ (fills per data kind), orders/
 * (the life cycle and the desk), risk/ (the checks, the trading state), portfolio/ (balances,
 * reservations, positions, settlement, fees), sizing/, marks/ (equity and its cadence).
 */

import type { BacktestConfig, InstrumentConfig } from '../backtest/config.js';
import { parseInstrument } from '../backtest/config.js';
import { dec } from '../backtest/exact.js';
import type { Decision, Intent, Strategy, StrategyContext } from '../backtest/strategy.js';
import { DataError } from '../errors.js';
import type { Stage } from '../io/stream.js';
import { type Instrument, inferKind, splitSymbol } from '../market/instrument.js';
import { Instruments } from '../market/instruments.js';
import { applyBook, applyQuote, type DataKind, KIND_RANK, seen } from '../market/market.js';
import { EquityCadence } from '../marks/cadence.js';
import { Marks } from '../marks/equity.js';
import { bookFills } from '../matching/book.js';
import { candleFills } from '../matching/candle.js';
import { fillsFrom } from '../matching/model.js';
import { tradeFills } from '../matching/trade.js';
import { ConditionalDesk } from '../orders/conditional.js';
import { OrderDesk } from '../orders/orders.js';
import { candleEvent, topEvent, tradeEvent } from '../orders/triggers.js';
import { Balances } from '../portfolio/balances.js';
import { Fees } from '../portfolio/fees.js';
import { fundingPayment } from '../portfolio/funding.js';
import { marginCall } from '../portfolio/liquidation.js';
import { type WireRecord, whereOf } from '../records/record.js';
import { formatTime, parseTime, type TimePrecision } from '../records/time.js';
import { TradingState } from '../risk/trading-state.js';
import { KellyStats } from '../sizing/sizing.js';
import { Amender } from './amend.js';
import { badTime, Clock, ClockReader } from './clock.js';
import { strategyContext } from './context.js';
import { Control, ENGINE_TYPES } from './control.js';
import { FillDesk } from './fills.js';
import { Placement } from './placement.js';
import { Recorder } from './records.js';
import { type BacktestReport, newReport } from './report.js';

/** The starting cash when no balance is configured. */
export const DEFAULT_CASH = 10_000;
/** How many unconfigured instruments are named one by one in warnings; the rest are counted. */
export const UNCONFIGURED_NAMED = 10;
/** Instruments closed per output batch at the end of input. */
const FINISH_BATCH = 1024;

export interface EngineOptions {
  readonly config: BacktestConfig;
  readonly strategy: Strategy;
  /** Name written on every output record (`strategy`). */
  readonly strategyName: string;
  /** Instruments from `--instruments FILE`. */
  readonly instruments?: readonly WireRecord[];
  readonly source?: string;
  readonly warn?: (message: string) => void;
}

export class BacktestEngine implements Stage {
  readonly report: BacktestReport = newReport();
  private readonly cfg: BacktestConfig;
  private readonly strategy: Strategy;
  private readonly clock = new Clock();
  private readonly clockReader = new ClockReader();
  private readonly rec: Recorder;
  private readonly instruments: Instruments;
  private readonly balances = new Balances();
  private readonly marks: Marks;
  private readonly cadence: EquityCadence;
  private readonly state: TradingState;
  private readonly kelly = new KellyStats();
  private readonly orders: OrderDesk;
  private readonly fills: FillDesk;
  private readonly placement: Placement;
  private readonly conditional: ConditionalDesk;
  private readonly control: Control;
  private readonly ctx: StrategyContext;
  private readonly fillAtClose: boolean;
  private current: WireRecord | undefined;
  private lastInst: Instrument | undefined;
  /** Instruments met in the stream without a configuration (named up to UNCONFIGURED_NAMED). */
  private unconfigured = 0;

  constructor(private readonly options: EngineOptions) {
    const cfg = options.config;
    this.cfg = cfg;
    this.strategy = options.strategy;
    this.rec = new Recorder(this.clock, options.strategyName, this.report);
    this.instruments = new Instruments(options.strategyName);
    this.marks = new Marks(this.balances, this.instruments.list);
    this.cadence = new EquityCadence(cfg.equity_every_us);
    this.state = new TradingState(cfg.risk.daily_loss_limit_percent);
    const fees = new Fees(cfg.execution);
    const latencyUs = Math.round(cfg.execution.latency_ms * 1000);
    this.orders = new OrderDesk(this.clock, this.rec, this.report, latencyUs);
    this.fills = new FillDesk(
      this.clock,
      cfg,
      this.balances,
      fees,
      this.orders,
      this.rec,
      this.report,
      this.kelly,
      this.strategy.onFill === undefined ? undefined : (fill) => this.call('onFill', fill),
    );
    this.conditional = new ConditionalDesk(cfg, this.clock, this.orders, this.fills);
    this.fills.conditional = this.conditional;
    this.placement = new Placement(
      cfg,
      this.clock,
      this.instruments,
      this.balances,
      fees,
      this.marks,
      this.kelly,
      this.state,
      this.orders,
      this.fills,
      this.rec,
    );
    this.control = new Control(
      cfg,
      this.instruments.list,
      this.balances,
      this.state,
      this.orders,
      this.fills,
      this.rec,
      (rec) => this.where(rec),
      (rec) => this.call('onDisconnect', rec),
    );
    this.placement.amender = new Amender(
      cfg,
      this.clock,
      this.balances,
      fees,
      this.orders,
      this.rec,
      latencyUs,
    );
    this.fillAtClose = cfg.execution.fill_at === 'close';
    for (const ic of cfg.instruments) this.addInstrument(ic, false);
    for (const r of options.instruments ?? [])
      this.addInstrument(parseInstrument(`${options.source ?? 'instruments'}: ${r.symbol}`, r, true), false);
    for (const b of cfg.balances) {
      const bal = this.balances.of(b.exchange, b.asset);
      bal.set(dec(b.total));
      if (b.free !== undefined) bal.held = dec(b.total).minus(dec(b.free));
    }
    this.ctx = strategyContext(
      cfg,
      this.clock,
      this.instruments,
      this.balances,
      this.marks,
      () => this.current,
      (inst, price) => this.placement.size(inst, price),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // The stage

  push(rec: WireRecord, out: WireRecord[]): void {
    const type = rec.type;
    if (!(type in KIND_RANK) && type !== 'funding' && !ENGINE_TYPES.has(type)) {
      this.rec.out = out;
      this.report.records++;
      if (type === 'instrument') this.addInstrument(parseInstrument(this.where(rec), rec, true), true);
      return;
    }
    // The clock time read without a ParsedTime object (this runs per record).
    const cr = this.clockReader;
    if (!cr.read(rec)) throw badTime(this.where(rec), rec);
    this.step(rec, cr.us, cr.text, cr.precision, out);
  }

  /**
   * One timed record (a market or engine record) whose time was read already: `text` is its time
   * as written (undefined: formatted from `us` at `precision` when the clock moves). Records of
   * other types go through `push`. A sweep over pre-parsed data (engine/data.ts) calls this.
   */
  step(
    rec: WireRecord,
    us: number,
    text: string | undefined,
    precision: TimePrecision,
    out: WireRecord[],
  ): void {
    this.rec.out = out;
    this.report.records++;
    const type = rec.type;
    const clock = this.clock;
    if (us < clock.us)
      throw new DataError(
        this.where(rec),
        `record at ${rec.local_time === undefined ? rec.time : `local_time ${rec.local_time}`} is older than the engine clock (${clock.text}); sort the input first (tickpipe sanitize --reorder-window N)`,
      );
    if (us > clock.us) {
      const first = !clock.started;
      this.flushEquity(us);
      clock.advance(us, text ?? formatTime(us, precision), precision);
      // The seeded balances, as they start (what summarize reads as balance_start).
      if (first) for (const b of this.cfg.balances) this.rec.balance(this.balances.of(b.exchange, b.asset));
      this.onNewTime();
    }
    this.current = rec;
    if (type in KIND_RANK) this.state.resumed(rec.exchange, rec.symbol);
    switch (type) {
      case 'candle':
        this.onCandle(rec);
        break;
      case 'trade':
        this.onTrade(rec);
        break;
      case 'quote': {
        const inst = this.instOf(rec);
        applyQuote(inst, rec);
        this.onTop(inst, rec, 'quote');
        break;
      }
      case 'book': {
        const inst = this.instOf(rec);
        applyBook(inst, rec);
        this.onTop(inst, rec, 'book');
        break;
      }
      case 'funding':
        this.onFunding(rec);
        break;
      default:
        this.control.apply(rec);
    }
    this.current = undefined;
  }

  finish(out: WireRecord[]): void {
    for (const batch of this.finishBatches()) for (const r of batch) out.push(r);
  }

  /**
   * The end of input, in batches of the records of at most FINISH_BATCH instruments: closing 100,000
   * positions writes about 600,000 records, which are not held in memory at once.
   */
  *finishBatches(): Generator<WireRecord[]> {
    let out: WireRecord[] = [];
    this.rec.out = out;
    if (!this.clock.started) return;
    this.onNewTime();
    // The clean-up: from here no strategy call opens an order (the strategy still sees its closing
    // fills); every open order is cancelled and its reservation released.
    this.placement.ended = true;
    const list = this.instruments.list;
    const passes = this.cfg.close_at_end ? 2 : 1;
    for (let pass = 0; pass < passes; pass++)
      for (let i = 0; i < list.length; i++) {
        if (pass === 0) this.orders.cancelAll(list[i]!, 'end of input');
        else this.fills.closeAtLast(list[i]!, 'end of input');
        if (i % FINISH_BATCH === FINISH_BATCH - 1 && out.length > 0) {
          yield out;
          out = [];
          this.rec.out = out;
        }
      }
    if (this.marks.quoteAsset !== undefined) this.emitEquity(this.clock.us);
    if (this.unconfigured > UNCONFIGURED_NAMED)
      this.say(
        `${this.unconfigured} instruments were not configured in all (${UNCONFIGURED_NAMED} named above): traded with no tick, lot or minimum notional rules`,
        this.cfg.instruments.length + (this.options.instruments?.length ?? 0) > 0,
      );
    if (out.length > 0) yield out;
  }

  /** A warning for the report, and on stderr where the run has a configuration to disagree with. */
  private say(msg: string, known: boolean): void {
    this.report.warnings.push(msg);
    if (known || this.cfg.balances.length > 0) this.options.warn?.(msg);
  }

  // ---------------------------------------------------------------------------------------------
  // Instruments and balances

  private where(rec: WireRecord): string {
    return whereOf(rec, this.options.source);
  }

  private addInstrument(ic: InstrumentConfig, fromStream: boolean): Instrument {
    return this.instruments.add(ic, fromStream);
  }

  /** The instrument of a market record, which marks/equity.ts then revalues on every call (its price moves). */
  private instOf(rec: WireRecord): Instrument {
    const inst = this.findInst(rec);
    this.marks.setCurrent(inst);
    return inst;
  }

  /** The instrument of a market record: configured, or inferred from the symbol with no rounding rules. */
  private findInst(rec: WireRecord): Instrument {
    const exchange = rec.exchange;
    const symbol = rec.symbol;
    const last = this.lastInst;
    if (last !== undefined && last.symbol === symbol && last.exchange === exchange) return last;
    if (typeof exchange !== 'string' || typeof symbol !== 'string')
      throw new DataError(this.where(rec), `a ${rec.type} record needs "exchange" and "symbol"`);
    const hit = this.instruments.get(exchange, symbol);
    if (hit !== undefined) {
      this.lastInst = hit;
      if (this.marks.quoteAsset === undefined) this.setQuote(this.instruments.firstConfigured ?? hit);
      return hit;
    }
    const known = this.cfg.instruments.length + (this.options.instruments?.length ?? 0) > 0;
    if (known && this.cfg.strict_instruments)
      throw new DataError(
        this.where(rec),
        `${exchange} ${symbol} is not in the configured instruments (--strict-instruments)`,
      );
    const [base, quote] = splitSymbol(symbol);
    const inst = this.addInstrument({ exchange, symbol, base, quote, kind: inferKind(exchange) }, false);
    if (this.marks.quoteAsset === undefined) this.setQuote(this.instruments.firstConfigured ?? inst);
    // The first few are named; past them one line says the rest are counted, and finish() gives
    // the count (100,000 symbols would otherwise be 100,000 lines on stderr).
    const n = ++this.unconfigured;
    if (n > UNCONFIGURED_NAMED + 1) return inst;
    const inverse = inst.inverse ? ` inverse (settled in ${base}, contract size ${inst.csNum} ${quote})` : '';
    const msg =
      n <= UNCONFIGURED_NAMED
        ? `${exchange} ${symbol} is not configured: trading it as ${inst.kind}${inverse} ${base}/${quote} with no tick, lot or minimum notional rules`
        : `more instruments are not configured (${exchange} ${symbol} and later ones): traded the same way, counted and not named one by one`;
    this.say(msg, known);
    return inst;
  }

  /**
   * The account's quote asset (the first configured instrument's, else the first traded one's), set
   * on the first market record; with no balances at all, the account starts with 10,000 of it (as
   * backtrader does).
   */
  private setQuote(inst: Instrument): void {
    this.marks.setQuote(inst.settle);
    if (this.balances.size === 0) {
      const b = this.balances.of(inst.exchange, inst.settle);
      b.set(dec(DEFAULT_CASH));
      this.report.warnings.push(
        `no balances given: starting with ${DEFAULT_CASH} ${inst.settle} on ${inst.exchange}`,
      );
      this.rec.balance(b);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Time and equity

  private onNewTime(): void {
    // Daily loss limit: trading resumes on the next UTC day.
    if (this.state.resumes(this.clock.us)) this.rec.tradingState(true, 'new UTC day');
    this.orders.due();
  }

  /** Emits the equity owed before the clock moves to `nextUs`. */
  private flushEquity(nextUs: number): void {
    const clock = this.clock;
    if (this.marks.quoteAsset === undefined || !clock.started) return;
    const cadence = this.cadence;
    if (cadence.due) {
      cadence.due = false;
      this.emitEquity(clock.us);
      return;
    }
    if (cadence.candles) return;
    const end = cadence.boundary(clock.us, nextUs);
    if (Number.isNaN(end)) return;
    // An interval that ends exactly at the next record's time is written after the records of
    // that time (they belong to it), not before them with the state they have not changed yet.
    if (end === nextUs) {
      cadence.due = true;
      return;
    }
    const saved = clock.text;
    clock.text = formatTime(end, clock.precision);
    this.emitEquity(end);
    clock.text = saved;
  }

  private emitEquity(us: number): void {
    if (!this.cadence.claim(us)) return;
    const e = this.marks.equity();
    this.rec.equity(this.marks.quoteAsset!, e);
    const reason = this.state.dailyLoss(us, e.equity);
    if (reason !== undefined) this.rec.tradingState(false, reason);
  }

  // ---------------------------------------------------------------------------------------------
  // Market records

  private fillsFrom(inst: Instrument, kind: DataKind): boolean {
    return fillsFrom(this.cfg.execution.fill_model, inst, kind);
  }

  private onCandle(rec: WireRecord): void {
    const inst = this.instOf(rec);
    const open = rec.open as number;
    const high = rec.high as number;
    const low = rec.low as number;
    const close = rec.close as number;
    if (!(open > 0 && high > 0 && low > 0 && close > 0))
      throw new DataError(this.where(rec), 'a candle needs positive open, high, low and close');
    this.cadence.candles = true;
    seen(inst, 'candle');
    if (inst.orders.length > 0 && this.fillsFrom(inst, 'candle')) {
      const clock = this.clock;
      const ot = parseTime(rec.open_time);
      const openUs = ot === undefined ? clock.us : ot.us;
      // Fills at the open are stamped at the open (or the time of the previous record, if later).
      const stampUs = Math.min(clock.us, Math.max(openUs, clock.prevUs));
      const openText = stampUs === clock.us ? clock.text : formatTime(stampUs, clock.precision);
      candleFills(
        inst,
        { openUs, open, high, low, openText, fillAtTouch: this.cfg.execution.fill_at_touch },
        this.fills,
      );
      // Conditional orders after the live ones: one triggered here fills here only at the market.
      this.conditional.evaluate(inst, candleEvent(open, high, low, close), openText);
    }
    inst.last = close;
    if (inst.kind === 'perpetual') this.checkMargin(inst);
    this.cadence.due = true;
    this.call('onRecord', rec);
    if (this.fillAtClose && inst.orders.length > 0) {
      for (const o of [...inst.orders])
        if (o.atClose && o.kind === 'market' && o.live) this.fills.fillMarket(o, close);
    }
  }

  private onTrade(rec: WireRecord): void {
    const inst = this.instOf(rec);
    const price = rec.price as number;
    if (!(price > 0))
      throw new DataError(this.where(rec), `expected a price > 0, found ${JSON.stringify(rec.price)}`);
    seen(inst, 'trade');
    // The trade is the last price by the time its fills are reported (a strategy's onFill sees it).
    inst.last = price;
    if (inst.kind === 'perpetual') this.checkMargin(inst);
    if (inst.orders.length > 0 && this.fillsFrom(inst, 'trade')) {
      this.conditional.evaluate(inst, tradeEvent(price));
      tradeFills(inst, { price, amount: rec.amount as number, side: rec.side as string }, this.fills);
    }
    this.call('onRecord', rec);
  }

  /** After a new top of book (market/market.ts): orders may fill, then the strategy sees it. */
  private onTop(inst: Instrument, rec: WireRecord, kind: 'quote' | 'book'): void {
    seen(inst, kind);
    if (inst.kind === 'perpetual') this.checkMargin(inst);
    if (inst.orders.length > 0 && this.fillsFrom(inst, kind)) {
      this.conditional.evaluate(inst, topEvent(inst.bid, inst.ask));
      bookFills(inst, undefined, this.fills);
    }
    this.call('onRecord', rec);
  }

  /** A perpetual's new mark: its account is liquidated when its equity is below maintenance margin. */
  private checkMargin(inst: Instrument): void {
    if (inst.maintenanceMargin === undefined || inst.pos.qtyNum === 0) return;
    const call = marginCall(this.instruments.list, this.balances, inst);
    if (call !== undefined) this.fills.liquidate(call, this.orders);
  }

  /** Funding on an open perpetual position: longs pay a positive rate (amount x mark x contract size x rate). */
  private onFunding(rec: WireRecord): void {
    const inst = this.instOf(rec);
    const rate = Number(rec.rate);
    if (!Number.isFinite(rate))
      throw new DataError(this.where(rec), `expected a number for "rate", found ${JSON.stringify(rec.rate)}`);
    const mark = Number(rec.mark_price ?? inst.last);
    const payment = fundingPayment(inst, rate, mark);
    if (payment !== undefined) {
      const b = this.balances.of(inst.exchange, inst.settle);
      b.add(payment);
      this.rec.fundingPayment(inst, rate, mark, payment.toNumber());
      this.rec.balance(b);
    }
    this.call('onRecord', rec);
  }

  // ---------------------------------------------------------------------------------------------
  // The strategy

  /** Calls the strategy; an exception becomes an error naming the record that triggered it. */
  private call(hook: 'onRecord' | 'onFill' | 'onDisconnect', rec: WireRecord): void {
    const fn = this.strategy[hook];
    if (fn === undefined) return;
    let decision: Decision;
    try {
      decision = fn.call(this.strategy, rec, this.ctx);
    } catch (error) {
      const text = JSON.stringify(rec);
      throw new DataError(
        this.where(this.current ?? rec),
        `strategy ${this.rec.name} threw in ${hook}: ${(error as Error)?.message ?? String(error)}\n  record: ${text.length > 300 ? `${text.slice(0, 297)}...` : text}`,
      );
    }
    if (decision === undefined || decision === null) return;
    const list = Array.isArray(decision) ? decision : [decision];
    const candle = this.current?.type === 'candle';
    for (const intent of list as Intent[]) this.placement.intent(intent, rec, candle);
  }
}
