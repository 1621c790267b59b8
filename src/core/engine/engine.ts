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

import type { BacktestConfig } from '../backtest/config.js';
import { parseInstrument } from '../backtest/config.js';
import { dec } from '../backtest/exact.js';
import type { Decision, Intent, Strategy, StrategyContext } from '../backtest/strategy.js';
import { DataError } from '../errors.js';
import { ByteOut } from '../io/bytes.js';
import type { ByteBatch, Stage } from '../io/stream.js';
import { Instruments } from '../market/instruments.js';
import { applyBook, applyQuote, KIND_RANK } from '../market/market.js';
import { EquityCadence } from '../marks/cadence.js';
import { Marks } from '../marks/equity.js';
import { ConditionalDesk } from '../orders/conditional.js';
import { OrderDesk } from '../orders/orders.js';
import { Balances } from '../portfolio/balances.js';
import { Fees } from '../portfolio/fees.js';
import { type WireRecord, whereOf } from '../records/record.js';
import { formatTime, type TimePrecision } from '../records/time.js';
import { TradingState } from '../risk/trading-state.js';
import { KellyStats } from '../sizing/sizing.js';
import { Amender } from './amend.js';
import { badTime, Clock, ClockReader } from './clock.js';
import { strategyContext } from './context.js';
import { Control, ENGINE_TYPES } from './control.js';
import { EquityWriter } from './equity-writer.js';
import { FillDesk } from './fills.js';
import { endOfInput } from './finish.js';
import { InstrumentLookup } from './instrument-of.js';
import { MarketRecords } from './market-records.js';
import { Placement } from './placement.js';
import { Recorder } from './records.js';
import { type BacktestReport, newReport } from './report.js';

export { DEFAULT_CASH, UNCONFIGURED_NAMED } from './instrument-of.js';

/** Market data the engine does not model (docs/format.md): counted, and said at the end of the run. */
const UNMODELLED = new Set(['venue_liquidation', 'volatility_index', 'option_summary', 'option_mark']);

export interface EngineOptions {
  readonly config: BacktestConfig;
  readonly strategy: Strategy;
  /** Name written on every output record (`strategy`). */
  readonly strategyName: string;
  /** Instruments from `--instruments FILE`. */
  readonly instruments?: readonly WireRecord[];
  readonly source?: string;
  readonly warn?: (message: string) => void;
  /** False: output records get no JSON text (nobody writes them: a sweep run). */
  readonly texts?: boolean;
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
  private readonly lookup: InstrumentLookup;
  private readonly market: MarketRecords;
  private readonly equity: EquityWriter;
  private readonly ctx: StrategyContext;
  private current: WireRecord | undefined;
  private readonly unmodelled = new Map<string, number>();

  constructor(private readonly options: EngineOptions) {
    const cfg = options.config;
    this.cfg = cfg;
    this.strategy = options.strategy;
    this.rec = new Recorder(this.clock, options.strategyName, this.report, options.texts ?? true);
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
    this.lookup = new InstrumentLookup(
      cfg,
      this.instruments,
      this.balances,
      this.marks,
      this.rec,
      this.report,
      options.instruments?.length ?? 0,
      (rec) => this.where(rec),
      options.warn,
    );
    this.market = new MarketRecords(
      cfg,
      this.clock,
      this.instruments,
      this.balances,
      this.cadence,
      this.orders,
      this.fills,
      this.conditional,
      this.rec,
      (rec) => this.where(rec),
      (rec) => this.call('onRecord', rec),
    );
    this.equity = new EquityWriter(this.clock, this.marks, this.cadence, this.state, this.rec);
    for (const ic of cfg.instruments) this.lookup.add(ic, false);
    for (const r of options.instruments ?? [])
      this.lookup.add(parseInstrument(`${options.source ?? 'instruments'}: ${r.symbol}`, r, true), false);
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
      if (type === 'instrument') this.lookup.add(parseInstrument(this.where(rec), rec, true), true);
      else if (UNMODELLED.has(type)) this.unmodelled.set(type, (this.unmodelled.get(type) ?? 0) + 1);
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
      this.equity.flush(us);
      clock.advance(us, text ?? formatTime(us, precision), precision);
      // The seeded balances, as they start (what summarize reads as balance_start).
      if (first) for (const b of this.cfg.balances) this.rec.balance(this.balances.of(b.exchange, b.asset));
      this.onNewTime();
    }
    this.current = rec;
    if (type in KIND_RANK) this.state.resumed(rec.exchange, rec.symbol);
    switch (type) {
      case 'candle':
        this.market.candle(this.lookup.of(rec), rec);
        break;
      case 'trade':
        this.market.trade(this.lookup.of(rec), rec);
        break;
      case 'quote': {
        const inst = this.lookup.of(rec);
        applyQuote(inst, rec);
        this.market.top(inst, rec, 'quote');
        break;
      }
      case 'book': {
        const inst = this.lookup.of(rec);
        applyBook(inst, rec);
        this.market.top(inst, rec, 'book');
        break;
      }
      case 'funding':
        this.market.funding(this.lookup.of(rec), rec);
        break;
      default:
        this.control.apply(rec);
    }
    this.current = undefined;
  }

  /**
   * From now on every output record is also written as its NDJSON line as it is made, and equity
   * records only so (engine/records.ts `lines`); `takeLines` hands over the lines written since
   * the last call. For a caller that writes the output and reads only the other records.
   */
  writeLines(linesOnly = false): void {
    const rec = this.rec;
    rec.lines ??= new ByteOut(1 << 16);
    // Lines only: the caller reads no record but the rejected orders (engine/records.ts
    // `linesOnly`); a strategy's onFill still gets its fill records.
    rec.linesOnly = linesOnly;
    rec.fillRecords = this.strategy.onFill !== undefined;
  }

  /** The lines written since the last call (`writeLines`), or undefined when there are none. */
  takeLines(): ByteBatch | undefined {
    const rec = this.rec;
    const lines = rec.lines;
    if (lines === undefined || lines.at === 0) return undefined;
    const batch = { bytes: lines.bytes(), records: rec.lineCount };
    // A new buffer: the writer may hold the last one until the stream has taken it.
    rec.lines = new ByteOut(Math.max(1 << 16, lines.at + (lines.at >> 2)));
    rec.lineCount = 0;
    return batch;
  }

  finish(out: WireRecord[]): void {
    for (const batch of this.finishBatches()) for (const r of batch) out.push(r);
  }

  /** The end of input (engine/finish.ts), in batches of records. */
  finishBatches(): Generator<WireRecord[]> {
    for (const [type, n] of this.unmodelled)
      this.lookup.say(
        `${n} ${type} record${n === 1 ? ' was' : 's were'} not used: the engine does not model them`,
        true,
      );
    return endOfInput({
      closeAtEnd: this.cfg.close_at_end,
      clock: this.clock,
      rec: this.rec,
      instruments: this.instruments,
      orders: this.orders,
      fills: this.fills,
      placement: this.placement,
      marks: this.marks,
      equity: this.equity,
      lookup: this.lookup,
      onNewTime: () => this.onNewTime(),
    });
  }

  private where(rec: WireRecord): string {
    return whereOf(rec, this.options.source);
  }

  private onNewTime(): void {
    // Daily loss limit: trading resumes on the next UTC day.
    if (this.state.resumes(this.clock.us)) this.rec.tradingState(true, 'new UTC day');
    this.orders.due();
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
