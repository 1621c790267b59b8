/**
 * The event-driven backtest engine (docs/backtest.md, docs/execution.md).
 *
 * One clock: the `time` of the records read. Each record, in order:
 * 1. moves the clock (a record older than the clock is an error), emitting the equity owed for the
 *    times before it, and applies cancels and order activations whose latency has elapsed;
 * 2. lets the simulator fill live orders against it (candle, trade or book rules, by the fill model);
 * 3. updates the last price, then shows the record to the strategy, whose intents pass the risk
 *    manager and become orders. A decision can only fill on a later record (or at the same candle's
 *    close with fill_at=close), so there is no look-ahead.
 * Output is the account's story: `order`, `fill`, `position`, `balance`, `equity`, `trading_state`.
 */

import { OrderBook } from '../book/book.js';
import { DataError, TickpipeError, UsageError } from '../errors.js';
import type { Stage } from '../io/stream.js';
import { fixedText, POW10 } from '../records/number-text.js';
import { attachText, type WireRecord, whereOf } from '../records/record.js';
import { formatTime, parseTime, type TimePrecision, TimeReader, US_PER_DAY } from '../records/time.js';
import { applyFill, Balance, Position } from './account.js';
import type { BacktestConfig, InstrumentConfig } from './config.js';
import { parseInstrument } from './config.js';
import { type Exact as Dec, dec, ROUND_DOWN, ROUND_HALF_UP, ZERO } from './exact.js';
import { indicators } from './indicators.js';
import { LIFECYCLE, type OrderEvent, type OrderStatus } from './orders.js';
import type {
  Decision,
  Intent,
  OpenOrderView,
  OrderIntent,
  PositionView,
  Strategy,
  StrategyContext,
  TimeInForce,
} from './strategy.js';

/** Finest data kind seen per instrument (the `auto` fill model uses it). */
const KIND_RANK = { candle: 1, trade: 2, quote: 3, book: 4 } as const;
type DataKind = keyof typeof KIND_RANK;

interface Inst {
  readonly key: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly kind: 'spot' | 'perpetual';
  tick: Dec | undefined;
  lot: Dec | undefined;
  minNotional: number;
  cs: Dec;
  csNum: number;
  last: number;
  finest: number;
  /** Top of book (quotes or books). */
  bid: number;
  bidAmt: number;
  ask: number;
  askAmt: number;
  book: OrderBook | undefined;
  /** Liquidity taken at each price since the last book or quote update. */
  taken: Map<number, number>;
  readonly orders: Order[];
  readonly pos: Position;
  /** `"exchange":...,"symbol":...,"strategy":...` as JSON, for the records built as text. */
  readonly head: string;
  /** The quote asset as JSON. */
  readonly quoteJson: string;
}

interface Order {
  readonly id: number;
  readonly inst: Inst;
  readonly side: 'buy' | 'sell';
  readonly kind: 'market' | 'limit';
  readonly price: number | undefined;
  readonly amount: Dec;
  readonly amountNum: number;
  filled: Dec;
  filledNum: number;
  readonly tif: TimeInForce;
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  status: OrderStatus;
  readonly liveUs: number;
  cancelUs: number;
  /** Eligible to fill (its entry latency has elapsed). */
  live: boolean;
  /** Taker on arrival (a limit that crossed the market when it became live). */
  taker: boolean;
  /** What it reserves from its balance. */
  reserve: Balance | undefined;
  reserved: Dec;
  /** Amount ahead of it at its price (trade and book fills), when known. */
  queue: number;
  readonly tag: string | undefined;
  /** Market orders created on a candle fill at that candle's close (fill_at=close). */
  atClose: boolean;
}

export interface BacktestReport {
  records: number;
  orders: number;
  rejected: number;
  fills: number;
  positionsClosed: number;
  warnings: string[];
}

/** The starting cash when no balance is configured. */
export const DEFAULT_CASH = 10_000;

/** The shortest decimal of at most 12 significant digits: float noise off computed prices. */
function tidy(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const d = 11 - mag;
  if (d < 0 || d > 18) return Number(x.toPrecision(12));
  const p = POW10[d]!;
  return Math.round(x * p) / p;
}

/** Money figures to 1e-8, as they are written. */
export function money(x: number): number {
  const r = Math.round(x * 1e8) / 1e8;
  return Math.abs(x) < 1e7 ? (r === 0 ? 0 : r) : tidy(x);
}

/**
 * `String(money(x))` without the general double-to-string conversion, which is most of the cost of
 * an equity record: a money value has at most 8 decimal places (records/number-text.ts).
 */
export function moneyText(x: number): string {
  return fixedText(money(x), 8);
}

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
  readonly report: BacktestReport = {
    records: 0,
    orders: 0,
    rejected: 0,
    fills: 0,
    positionsClosed: 0,
    warnings: [],
  };
  private readonly cfg: BacktestConfig;
  private readonly strategy: Strategy;
  private readonly name: string;
  private readonly insts = new Map<string, Inst>();
  private readonly instList: Inst[] = [];
  private readonly balances = new Map<string, Balance>();
  private nextId = 1;
  private clock = Number.NEGATIVE_INFINITY;
  /** The clock before the current record's time. */
  private prevClock = Number.NEGATIVE_INFINITY;
  private clockText = '';
  private precision: TimePrecision = 'ms';
  private out: WireRecord[] = [];
  /** The account's quote asset: equity is valued in it. */
  private quoteAsset: string | undefined;
  private firstConfigured: Inst | undefined;
  /** The equity marking plan; undefined when instruments or balances changed. */
  private plan: { cash: Balance[]; insts: Inst[]; bases: (Balance | undefined)[] } | undefined;
  private equityHead: string | undefined;
  private equityTail: string | undefined;
  /** The last equity figures written and their text. */
  private readonly equityText = {
    equity: Number.NaN,
    equityText: '',
    cash: Number.NaN,
    cashText: '',
    exposure: Number.NaN,
    exposureText: '',
  };
  private lastInst: Inst | undefined;
  private readonly marked = { equity: 0, cash: 0, exposure: 0 };
  private readonly timeReader = new TimeReader();
  private equityDue = false;
  private lastEquityUs = Number.NEGATIVE_INFINITY;
  private equityBucket = Number.NaN;
  private candles = false;
  private enabled = true;
  private disabledUntilUs = Number.NEGATIVE_INFINITY;
  private dayStartEquity = Number.NaN;
  private day = Number.NaN;
  private readonly venuesDown = new Set<string>();
  private readonly maker: Dec;
  private readonly taker: Dec;
  /** The higher of the two fee rates (what an order reserves for), and 1 plus it. */
  private readonly worstFee: Dec;
  private readonly worstFeeOne: Dec;
  private readonly latencyUs: number;
  private readonly ctx: StrategyContext;
  private current: WireRecord | undefined;
  /** Kelly: closed positions' results. */
  private wins = 0;
  private losses = 0;
  private winSum = 0;
  private lossSum = 0;

  constructor(private readonly options: EngineOptions) {
    this.cfg = options.config;
    this.strategy = options.strategy;
    this.name = options.strategyName;
    this.maker = dec(this.cfg.execution.fees.maker_bps).dividedBy(dec(10_000));
    this.taker = dec(this.cfg.execution.fees.taker_bps).dividedBy(dec(10_000));
    this.worstFee = this.taker.greaterThan(this.maker) ? this.taker : this.maker;
    this.worstFeeOne = this.worstFee.plus(dec(1));
    this.latencyUs = Math.round(this.cfg.execution.latency_ms * 1000);
    for (const ic of this.cfg.instruments) this.addInstrument(ic, false);
    for (const r of options.instruments ?? [])
      this.addInstrument(parseInstrument(`${options.source ?? 'instruments'}: ${r.symbol}`, r, true), false);
    for (const b of this.cfg.balances) this.balance(b.exchange, b.asset).set(dec(b.total));
    this.ctx = this.makeContext();
  }

  // ---------------------------------------------------------------------------------------------
  // The stage

  push(rec: WireRecord, out: WireRecord[]): void {
    this.out = out;
    this.report.records++;
    const type = rec.type;
    if (type === 'instrument') {
      this.addInstrument(parseInstrument(this.where(rec), rec, true), true);
      return;
    }
    if (!(type in KIND_RANK) && type !== 'funding' && !ENGINE_TYPES.has(type)) return;
    // The time read without a ParsedTime object (this runs per record).
    const tr = this.timeReader;
    if (!tr.read(rec.time))
      throw new DataError(this.where(rec), `expected a time for "time", found ${JSON.stringify(rec.time)}`);
    const us = tr.us;
    const canonical = tr.canonical;
    const precision = tr.precision;
    if (us < this.clock)
      throw new DataError(
        this.where(rec),
        `record at ${rec.time as string} is older than the engine clock (${this.clockText}); sort the input first (tickpipe sanitize --reorder-window N)`,
      );
    if (us > this.clock) {
      this.flushEquity(us);
      this.prevClock = this.clock;
      this.clock = us;
      this.clockText = canonical ? (rec.time as string) : formatTime(us, precision);
      this.precision = precision;
      this.onNewTime();
    }
    this.current = rec;
    // Data from a venue marked disconnected means it resumed.
    if (this.venuesDown.size > 0 && type in KIND_RANK) {
      this.venuesDown.delete(String(rec.exchange));
      this.venuesDown.delete(`${String(rec.exchange)}:${String(rec.symbol)}`);
    }
    switch (type) {
      case 'candle':
        this.onCandle(rec);
        break;
      case 'trade':
        this.onTrade(rec);
        break;
      case 'quote':
        this.onQuote(rec);
        break;
      case 'book':
        this.onBook(rec);
        break;
      case 'funding':
        this.onFunding(rec);
        break;
      default:
        this.onEngineRecord(rec);
    }
    this.current = undefined;
  }

  finish(out: WireRecord[]): void {
    this.out = out;
    if (this.clock === Number.NEGATIVE_INFINITY) return;
    this.onNewTime();
    for (const inst of this.instList) this.cancelAll(inst, 'end of input');
    if (this.cfg.close_at_end) for (const inst of this.instList) this.closeAtLast(inst, 'end of input');
    if (this.quoteAsset !== undefined) this.emitEquity(this.clock);
  }

  // ---------------------------------------------------------------------------------------------
  // Instruments and balances

  private where(rec: WireRecord): string {
    return whereOf(rec, this.options.source);
  }

  private addInstrument(ic: InstrumentConfig, fromStream: boolean): Inst {
    const key = `${ic.exchange}:${ic.symbol}`;
    // Coin-margined (inverse) contracts settle PnL in the base coin, (1/entry - 1/exit) per unit of
    // contract value: the accounting here is linear in the quote asset, so they are refused rather
    // than simulated wrongly.
    if (/coin|inverse/.test(ic.exchange))
      throw new UsageError(
        `${ic.exchange} ${ic.symbol}: inverse (coin-margined) contracts are not simulated; the engine's PnL is linear in the quote asset (docs/execution.md)`,
      );
    const cs = dec(ic.contract_size ?? 1);
    const prev = this.insts.get(key);
    if (prev !== undefined) {
      // Rules read later (an `instrument` record) update the known ones.
      prev.tick = ic.tick_size === undefined ? prev.tick : dec(ic.tick_size);
      prev.lot = ic.lot_size === undefined ? prev.lot : dec(ic.lot_size);
      prev.minNotional = ic.min_notional ?? prev.minNotional;
      return prev;
    }
    const inst: Inst = {
      key,
      exchange: ic.exchange,
      symbol: ic.symbol,
      base: ic.base,
      quote: ic.quote,
      kind: ic.kind,
      tick: ic.tick_size === undefined ? undefined : dec(ic.tick_size),
      lot: ic.lot_size === undefined ? undefined : dec(ic.lot_size),
      minNotional: ic.min_notional ?? 0,
      cs,
      csNum: cs.toNumber(),
      last: Number.NaN,
      finest: 0,
      bid: Number.NaN,
      bidAmt: 0,
      ask: Number.NaN,
      askAmt: 0,
      book: undefined,
      taken: new Map(),
      orders: [],
      pos: new Position(ic.kind, cs),
      head: `"exchange":${JSON.stringify(ic.exchange)},"symbol":${JSON.stringify(ic.symbol)},"strategy":${JSON.stringify(this.options.strategyName)}`,
      quoteJson: JSON.stringify(ic.quote),
    };
    this.insts.set(key, inst);
    this.instList.push(inst);
    this.plan = undefined;
    if (!fromStream) this.firstConfigured ??= inst;
    return inst;
  }

  /** The instrument of a market record: configured, or inferred from the symbol with no rounding rules. */
  private instOf(rec: WireRecord): Inst {
    const exchange = rec.exchange;
    const symbol = rec.symbol;
    const last = this.lastInst;
    if (last !== undefined && last.symbol === symbol && last.exchange === exchange) return last;
    if (typeof exchange !== 'string' || typeof symbol !== 'string')
      throw new DataError(this.where(rec), `a ${rec.type} record needs "exchange" and "symbol"`);
    const hit = this.insts.get(`${exchange}:${symbol}`);
    if (hit !== undefined) this.lastInst = hit;
    if (hit !== undefined) {
      if (this.quoteAsset === undefined) this.setQuote(this.firstConfigured ?? hit);
      return hit;
    }
    const known = this.cfg.instruments.length + (this.options.instruments?.length ?? 0) > 0;
    if (known && this.cfg.strict_instruments)
      throw new DataError(
        this.where(rec),
        `${exchange} ${symbol} is not in the configured instruments (--strict-instruments)`,
      );
    const [base, quote] = splitSymbol(symbol);
    const inst = this.addInstrument(
      { exchange, symbol, base, quote, kind: /perp|futures|swap/.test(exchange) ? 'perpetual' : 'spot' },
      false,
    );
    if (this.quoteAsset === undefined) this.setQuote(this.firstConfigured ?? inst);
    const msg = `${exchange} ${symbol} is not configured: trading it as ${inst.kind} ${base}/${quote} with no tick, lot or minimum notional rules`;
    this.report.warnings.push(msg);
    if (known || this.cfg.balances.length > 0) this.options.warn?.(msg);
    return inst;
  }

  /**
   * The account's quote asset (the first configured instrument's, else the first traded one's), set
   * on the first market record; with no balances at all, the account starts with 10,000 of it (as backtrader does). */
  private setQuote(inst: Inst): void {
    this.quoteAsset = inst.quote;
    this.plan = undefined;
    if (this.balances.size === 0) {
      const b = this.balance(inst.exchange, inst.quote);
      b.set(dec(DEFAULT_CASH));
      this.report.warnings.push(
        `no balances given: starting with ${DEFAULT_CASH} ${inst.quote} on ${inst.exchange}`,
      );
      this.emitBalance(b);
    }
  }

  private balance(exchange: string, asset: string): Balance {
    const k = `${exchange}:${asset}`;
    let b = this.balances.get(k);
    if (b === undefined) {
      b = new Balance(exchange, asset, ZERO);
      this.balances.set(k, b);
      this.plan = undefined;
    }
    return b;
  }

  private emitBalance(b: Balance): void {
    const rec: WireRecord = {
      type: 'balance',
      time: this.clockText,
      exchange: b.exchange,
      asset: b.asset,
      total: b.totalNum,
      free: b.freeNum,
    };
    // Its JSON built directly, as for equity: a balance record follows every fill and order.
    attachText(
      rec,
      `{"type":"balance","time":"${this.clockText}",${b.head},"total":${b.totalNum},"free":${b.freeNum}}`,
    );
    this.out.push(rec);
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  private onNewTime(): void {
    const now = this.clock;
    // Daily loss limit: trading resumes on the next UTC day.
    if (!this.enabled && this.disabledUntilUs !== Number.NEGATIVE_INFINITY && now >= this.disabledUntilUs) {
      this.enabled = true;
      this.disabledUntilUs = Number.NEGATIVE_INFINITY;
      this.out.push({
        type: 'trading_state',
        time: this.clockText,
        enabled: true,
        reason: 'new UTC day',
        strategy: this.name,
      });
    }
    for (const inst of this.instList) {
      if (inst.orders.length === 0) continue;
      for (const o of [...inst.orders]) {
        if (o.cancelUs <= now) this.endOrder(o, 'cancelled', undefined);
        else if (!o.live && o.liveUs <= now) this.activate(o);
      }
    }
  }

  /** Emits the equity owed before the clock moves to `nextUs`. */
  private flushEquity(nextUs: number): void {
    if (this.quoteAsset === undefined || this.clock === Number.NEGATIVE_INFINITY) return;
    if (this.equityDue) {
      this.equityDue = false;
      this.emitEquity(this.clock);
      return;
    }
    if (this.candles) return;
    const every = this.cfg.equity_every_us;
    const bucket = Math.floor(this.clock / every);
    if (Number.isNaN(this.equityBucket)) this.equityBucket = bucket;
    if (Math.floor(nextUs / every) > this.equityBucket) {
      const end = (this.equityBucket + 1) * every;
      this.equityBucket = Math.floor(nextUs / every);
      const saved = this.clockText;
      this.clockText = formatTime(end, this.precision);
      this.emitEquity(end);
      this.clockText = saved;
    }
  }

  /** What marking equity reads: the quote balances, and per instrument the base balance it values (once per asset). */
  private markPlan(): { cash: Balance[]; insts: Inst[]; bases: (Balance | undefined)[] } {
    if (this.plan !== undefined) return this.plan;
    const q = this.quoteAsset;
    const cash = [...this.balances.values()].filter((b) => b.asset === q);
    const insts: Inst[] = [];
    const bases: (Balance | undefined)[] = [];
    const counted = new Set<string>();
    for (const inst of this.instList) {
      if (inst.quote !== q) continue;
      let base: Balance | undefined;
      if (inst.kind === 'spot') {
        const bk = `${inst.exchange}:${inst.base}`;
        if (!counted.has(bk)) {
          counted.add(bk);
          base = this.balance(inst.exchange, inst.base);
        }
      }
      insts.push(inst);
      bases.push(base);
    }
    this.plan = { cash, insts, bases };
    return this.plan;
  }

  /**
   * Equity, cash and gross exposure in the quote asset, positions marked to the last price. The
   * object returned is reused by the next call (this runs once per candle): read it at once.
   */
  private equity(): { equity: number; cash: number; exposure: number } {
    const plan = this.markPlan();
    let cash = 0;
    for (let i = 0; i < plan.cash.length; i++) cash += plan.cash[i]!.totalNum;
    let equity = cash;
    let exposure = 0;
    for (let i = 0; i < plan.insts.length; i++) {
      const inst = plan.insts[i]!;
      const px = inst.last;
      if (Number.isNaN(px)) continue;
      const qty = inst.pos.qtyNum;
      if (inst.kind === 'spot') {
        const b = plan.bases[i];
        if (b !== undefined) equity += b.totalNum * px;
        exposure += Math.abs(qty) * px;
      } else if (qty !== 0) {
        equity += qty * (px - inst.pos.entryNum) * inst.csNum;
        exposure += Math.abs(qty) * px * inst.csNum;
      }
    }
    const m = this.marked;
    m.equity = equity;
    m.cash = cash;
    m.exposure = exposure;
    return m;
  }

  private emitEquity(us: number): void {
    if (us <= this.lastEquityUs) return;
    this.lastEquityUs = us;
    const e = this.equity();
    const equity = money(e.equity);
    const cash = money(e.cash);
    const exposure = money(e.exposure);
    // Between fills cash does not change, nor equity while flat: reuse their text.
    const f = this.equityText;
    if (equity !== f.equity) {
      f.equity = equity;
      f.equityText = moneyText(equity);
    }
    if (cash !== f.cash) {
      f.cash = cash;
      f.cashText = moneyText(cash);
    }
    if (exposure !== f.exposure) {
      f.exposure = exposure;
      f.exposureText = moneyText(exposure);
    }
    const rec: WireRecord = {
      type: 'equity',
      time: this.clockText,
      asset: this.quoteAsset,
      equity,
      cash,
      exposure,
      strategy: this.name,
    };
    // Its JSON built directly: one equity record per candle is most of what a run writes.
    this.equityTail ??= `,"strategy":${JSON.stringify(this.name)}}`;
    this.equityHead ??= `","asset":${JSON.stringify(this.quoteAsset)},"equity":`;
    attachText(
      rec,
      `{"type":"equity","time":"${this.clockText}${this.equityHead}${f.equityText},"cash":${f.cashText},"exposure":${f.exposureText}${this.equityTail}`,
    );
    this.out.push(rec);
    this.checkDailyLoss(us, e.equity);
  }

  private checkDailyLoss(us: number, equity: number): void {
    const limit = this.cfg.risk.daily_loss_limit_percent;
    if (limit === undefined) return;
    const day = Math.floor(us / US_PER_DAY);
    if (day !== this.day) {
      this.day = day;
      this.dayStartEquity = equity;
    }
    if (this.enabled && equity < this.dayStartEquity * (1 - limit / 100)) {
      this.enabled = false;
      this.disabledUntilUs = (day + 1) * US_PER_DAY;
      this.out.push({
        type: 'trading_state',
        time: this.clockText,
        enabled: false,
        reason: `daily loss limit: equity ${money(equity)} is more than ${limit}% below the day's start (${money(this.dayStartEquity)})`,
        strategy: this.name,
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Market records

  /** Records that the instrument has data of this kind (the `auto` model follows the finest seen). */
  private seen(inst: Inst, kind: DataKind): void {
    if (KIND_RANK[kind] > inst.finest) inst.finest = KIND_RANK[kind];
  }

  /** Whether records of this kind fill the instrument's orders under the fill model. */
  private fillsFrom(inst: Inst, kind: DataKind): boolean {
    const model = this.cfg.execution.fill_model;
    // Tick data (trades, quotes, books) complement each other; candles fill only without them.
    if (model === 'auto') return kind !== 'candle' || inst.finest <= KIND_RANK.candle;
    if (model === 'book') return kind === 'book' || kind === 'quote';
    return model === kind;
  }

  private onCandle(rec: WireRecord): void {
    const inst = this.instOf(rec);
    const open = rec.open as number;
    const high = rec.high as number;
    const low = rec.low as number;
    const close = rec.close as number;
    if (!(open > 0 && high > 0 && low > 0 && close > 0))
      throw new DataError(this.where(rec), 'a candle needs positive open, high, low and close');
    this.candles = true;
    this.seen(inst, 'candle');
    if (inst.orders.length > 0 && this.fillsFrom(inst, 'candle')) {
      const ot = parseTime(rec.open_time);
      const openUs = ot === undefined ? this.clock : ot.us;
      // Fills at the open are stamped at the open (or the time of the previous record, if later).
      const stampUs = Math.min(this.clock, Math.max(openUs, this.prevClock));
      const openText = stampUs === this.clock ? this.clockText : formatTime(stampUs, this.precision);
      this.candleFills(inst, openUs, open, high, low, openText);
    }
    inst.last = close;
    this.equityDue = true;
    this.call('onRecord', rec);
    if (this.cfg.execution.fill_at === 'close' && inst.orders.length > 0) {
      for (const o of [...inst.orders])
        if (o.atClose && o.kind === 'market' && o.live) this.fillMarket(o, close);
    }
  }

  private onTrade(rec: WireRecord): void {
    const inst = this.instOf(rec);
    const price = rec.price as number;
    const amount = rec.amount as number;
    if (!(price > 0))
      throw new DataError(this.where(rec), `expected a price > 0, found ${JSON.stringify(rec.price)}`);
    this.seen(inst, 'trade');
    // The trade is the last price by the time its fills are reported (a strategy's onFill sees it).
    inst.last = price;
    if (inst.orders.length > 0 && this.fillsFrom(inst, 'trade'))
      this.tradeFills(inst, price, amount, rec.side as string);
    this.call('onRecord', rec);
  }

  private onQuote(rec: WireRecord): void {
    const inst = this.instOf(rec);
    this.onTop(
      inst,
      rec,
      'quote',
      rec.bid_price as number,
      rec.bid_amount,
      rec.ask_price as number,
      rec.ask_amount,
    );
  }

  private onBook(rec: WireRecord): void {
    const inst = this.instOf(rec);
    inst.book ??= new OrderBook();
    const levels = (v: unknown): [number, number][] =>
      Array.isArray(v) ? v.map((l) => [Number((l as unknown[])[0]), Number((l as unknown[])[1])]) : [];
    inst.book.apply(levels(rec.bids), levels(rec.asks), rec.snapshot === true);
    const b = inst.book.bestBid();
    const a = inst.book.bestAsk();
    this.onTop(inst, rec, 'book', b?.[0] ?? Number.NaN, b?.[1], a?.[0] ?? Number.NaN, a?.[1]);
  }

  /** A new top of book: the liquidity taken at the old one is back, the mid is the last price, orders may fill. */
  private onTop(
    inst: Inst,
    rec: WireRecord,
    kind: 'quote' | 'book',
    bid: number,
    bidAmt: unknown,
    ask: number,
    askAmt: unknown,
  ): void {
    inst.bid = bid;
    inst.ask = ask;
    inst.bidAmt = typeof bidAmt === 'number' ? bidAmt : 0;
    inst.askAmt = typeof askAmt === 'number' ? askAmt : 0;
    inst.taken.clear();
    if (bid > 0 && ask > 0) inst.last = (bid + ask) / 2;
    this.seen(inst, kind);
    if (inst.orders.length > 0 && this.fillsFrom(inst, kind)) this.bookFills(inst);
    this.call('onRecord', rec);
  }

  /** Funding on an open perpetual position: longs pay a positive rate (amount x mark x contract size x rate). */
  private onFunding(rec: WireRecord): void {
    const inst = this.instOf(rec);
    const rate = Number(rec.rate);
    if (!Number.isFinite(rate))
      throw new DataError(this.where(rec), `expected a number for "rate", found ${JSON.stringify(rec.rate)}`);
    const mark = Number(rec.mark_price ?? inst.last);
    if (inst.kind === 'perpetual' && !inst.pos.qty.isZero() && mark > 0) {
      const payment = inst.pos.qty.times(dec(mark)).times(inst.cs).times(dec(rate)).negated();
      const b = this.balance(inst.exchange, inst.quote);
      b.add(payment);
      this.out.push({
        type: 'funding_payment',
        time: this.clockText,
        exchange: inst.exchange,
        symbol: inst.symbol,
        rate,
        mark_price: mark,
        amount: payment.toNumber(),
        asset: inst.quote,
        strategy: this.name,
      });
      this.emitBalance(b);
    }
    this.call('onRecord', rec);
  }

  private onEngineRecord(rec: WireRecord): void {
    switch (rec.type) {
      case 'balance': {
        const ex = rec.exchange;
        const asset = rec.asset;
        const total = Number(rec.total);
        if (typeof ex !== 'string' || typeof asset !== 'string' || !(total >= 0))
          throw new DataError(this.where(rec), 'a balance record needs "exchange", "asset" and "total" >= 0');
        const b = this.balance(ex, asset.toLowerCase());
        b.set(dec(total));
        this.emitBalance(b);
        return;
      }
      case 'trading_state': {
        if (typeof rec.enabled !== 'boolean')
          throw new DataError(this.where(rec), 'a trading_state record needs "enabled": true or false');
        this.enabled = rec.enabled;
        this.disabledUntilUs = Number.NEGATIVE_INFINITY;
        this.out.push({
          type: 'trading_state',
          time: this.clockText,
          enabled: rec.enabled,
          reason: 'input',
          strategy: this.name,
        });
        if (!rec.enabled && this.cfg.on_disable === 'close')
          for (const inst of this.instList) {
            this.cancelAll(inst, 'trading disabled');
            this.closeAtLast(inst, 'trading disabled');
          }
        return;
      }
      case 'command': {
        const action = rec.action;
        const match = (inst: Inst): boolean =>
          (rec.exchange === undefined || rec.exchange === inst.exchange) &&
          (rec.symbol === undefined || rec.symbol === inst.symbol);
        if (action === 'cancel_orders') {
          for (const inst of this.instList) if (match(inst)) this.cancelAll(inst, 'command');
        } else if (action === 'close_positions') {
          for (const inst of this.instList)
            if (match(inst)) {
              this.cancelAll(inst, 'command');
              this.closeAtLast(inst, 'command');
            }
        } else
          throw new DataError(
            this.where(rec),
            `expected "action": "close_positions" or "cancel_orders", found ${JSON.stringify(action)}`,
          );
        return;
      }
      case 'disconnect': {
        const ex = rec.exchange;
        if (typeof ex === 'string')
          this.venuesDown.add(rec.symbol === undefined ? ex : `${ex}:${String(rec.symbol)}`);
        this.call('onDisconnect', rec);
        return;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Fills

  private slipped(o: Order, price: number, amount: number): number {
    const x = this.cfg.execution;
    const notional = price * amount * o.inst.csNum;
    const bps = x.slippage_bps + x.impact_bps * (notional / 1_000_000);
    if (bps === 0) return price;
    const p = price * (o.side === 'buy' ? 1 + bps / 10_000 : 1 - bps / 10_000);
    return this.roundAgainst(o.inst, p, o.side);
  }

  /** A price moved by slippage, rounded to the tick against the trader. */
  private roundAgainst(inst: Inst, p: number, side: 'buy' | 'sell'): number {
    if (inst.tick === undefined) return tidy(p);
    const t = inst.tick;
    const q = dec(tidy(p)).dividedBy(t);
    return (side === 'buy' ? q.ceil() : q.floor()).times(t).toNumber();
  }

  private candleFills(
    inst: Inst,
    openUs: number,
    open: number,
    high: number,
    low: number,
    openText: string,
  ): void {
    const touch = this.cfg.execution.fill_at_touch;
    const closeText = this.clockText;
    for (const o of [...inst.orders]) {
      this.clockText = closeText;
      if (!o.live || o.liveUs > openUs || o.atClose) continue;
      if (o.kind === 'market') {
        this.clockText = openText;
        this.fillMarket(o, open);
        continue;
      }
      const p = o.price!;
      const buy = o.side === 'buy';
      const atOpen = buy ? open <= p : open >= p;
      if (o.postOnly && o.taker) continue;
      if (atOpen) {
        // Gapped through (or opened at) the limit: filled at the better open.
        this.clockText = openText;
        this.fillAt(o, open, o.amount.minus(o.filled), o.taker ? 'taker' : 'maker');
        continue;
      }
      if (o.tif !== 'gtc') {
        this.endOrder(o, 'expired', `${o.tif} limit did not cross at the open`);
        continue;
      }
      const through = buy ? (touch ? low <= p : low < p) : touch ? high >= p : high > p;
      if (through) this.fillAt(o, p, o.amount.minus(o.filled), 'maker');
    }
    this.clockText = closeText;
  }

  private tradeFills(inst: Inst, price: number, amount: number, side: string): void {
    for (const o of [...inst.orders]) {
      if (!o.live) continue;
      if (o.kind === 'market') {
        this.fillMarket(o, price);
        continue;
      }
      const p = o.price!;
      const buy = o.side === 'buy';
      const crosses = buy ? price <= p : price >= p;
      if (!crosses) {
        if (o.tif !== 'gtc') this.endOrder(o, 'expired', `${o.tif} limit did not cross`);
        continue;
      }
      if (o.taker || o.tif !== 'gtc') {
        if (o.postOnly) continue;
        this.fillAt(o, price, o.amount.minus(o.filled), 'taker');
        continue;
      }
      const through = buy ? price < p : price > p;
      if (through) {
        this.fillAt(o, p, o.amount.minus(o.filled), 'maker');
        continue;
      }
      // At its price: only what trades beyond the queue ahead of it (unknown queue: never at the touch).
      if (!Number.isFinite(o.queue)) continue;
      if (side === (buy ? 'buy' : 'sell')) continue;
      o.queue -= amount;
      if (o.queue < 0) {
        const can = dec(tidy(-o.queue));
        o.queue = 0;
        const rest = o.amount.minus(o.filled);
        this.fillAt(o, p, can.lessThan(rest) ? can : rest, 'maker');
      }
    }
  }

  /** Orders against the visible book (a quote is a book of one level a side). */
  private bookFills(inst: Inst): void {
    for (const o of [...inst.orders]) {
      if (!o.live) continue;
      const buy = o.side === 'buy';
      const best = buy ? inst.ask : inst.bid;
      if (!(best > 0)) continue;
      if (o.kind === 'market') {
        this.walk(o, Number.POSITIVE_INFINITY);
        if (o.status !== 'filled') this.endOrder(o, 'expired', 'the visible book was too thin');
        continue;
      }
      const p = o.price!;
      const crosses = buy ? best <= p : best >= p;
      if (!crosses) {
        if (o.tif !== 'gtc') this.endOrder(o, 'expired', `${o.tif} limit did not cross`);
        continue;
      }
      if (o.taker || o.tif !== 'gtc') {
        if (o.postOnly) continue;
        if (o.tif === 'fok' && this.available(inst, o, p) < o.amount.minus(o.filled).toNumber()) {
          this.endOrder(o, 'expired', 'fok: not enough liquidity at or better than the limit');
          continue;
        }
        this.walk(o, p);
        if (o.tif === 'ioc' && o.status !== 'filled') this.endOrder(o, 'expired', 'ioc remainder');
        continue;
      }
      // A resting order the other side has moved onto: it trades at its own price, as maker.
      this.fillAt(o, p, o.amount.minus(o.filled), 'maker');
    }
  }

  private levels(inst: Inst, buy: boolean): [number, number][] {
    if (inst.book !== undefined) {
      const side = buy ? inst.book.asks : inst.book.bids;
      return side.top(1000);
    }
    const p = buy ? inst.ask : inst.bid;
    const a = buy ? inst.askAmt : inst.bidAmt;
    return p > 0 ? [[p, a]] : [];
  }

  private available(inst: Inst, o: Order, limit: number): number {
    let s = 0;
    for (const [p, a] of this.levels(inst, o.side === 'buy')) {
      if (o.side === 'buy' ? p > limit : p < limit) break;
      s += Math.max(0, a - (inst.taken.get(p) ?? 0));
    }
    return s;
  }

  /** Takes visible liquidity up to `limit`, level by level; what it takes is not there for the next order. */
  private walk(o: Order, limit: number): void {
    const inst = o.inst;
    for (const [p, a] of this.levels(inst, o.side === 'buy')) {
      if (o.status === 'filled') return;
      if (o.side === 'buy' ? p > limit : p < limit) return;
      const left = a - (inst.taken.get(p) ?? 0);
      if (left <= 0) continue;
      const rest = o.amount.minus(o.filled);
      const can = dec(tidy(left));
      const amt = can.lessThan(rest) ? can : rest;
      inst.taken.set(p, (inst.taken.get(p) ?? 0) + amt.toNumber());
      this.fillAt(o, this.slipped(o, p, amt.toNumber()), amt, 'taker');
    }
  }

  private fillMarket(o: Order, price: number): void {
    const rest = o.amount.minus(o.filled);
    this.fillAt(o, this.slipped(o, price, rest.toNumber()), rest, 'taker');
  }

  /** One fill: the account, the position, and the records that say so. */
  private fillAt(o: Order, price: number, amount: Dec, liquidity: 'maker' | 'taker'): void {
    if (amount.lessThanOrEqualTo(ZERO)) return;
    const inst = o.inst;
    const px = dec(price);
    const notional = inst.csNum === 1 ? px.times(amount) : px.times(amount).times(inst.cs);
    const fee = notional.times(liquidity === 'maker' ? this.maker : this.taker);
    const quote = this.balance(inst.exchange, inst.quote);
    // Release what the order reserved for this part.
    if (o.reserve !== undefined && !o.reserved.isZero()) {
      const part = o.filled.plus(amount).greaterThanOrEqualTo(o.amount)
        ? o.reserved
        : o.reserved.times(amount).dividedBy(o.amount.minus(o.filled));
      o.reserve.reserved = o.reserve.reserved.minus(part);
      o.reserved = o.reserved.minus(part);
    }
    const pos = inst.pos;
    const effect = applyFill(pos, o.side, px, amount, fee, this.clockText);
    const touched: Balance[] = [quote];
    if (inst.kind === 'spot') {
      const base = this.balance(inst.exchange, inst.base);
      if (o.side === 'buy') {
        quote.add(notional.plus(fee).negated());
        base.add(amount);
      } else {
        quote.add(notional.minus(fee));
        base.add(amount.negated());
      }
      touched.push(base);
    } else {
      quote.add(effect.realised.minus(fee));
      const lev = dec(this.cfg.risk.max_leverage ?? 1);
      const margin = pos.qty.abs().times(pos.entry).times(inst.cs).dividedBy(lev);
      quote.margin = quote.margin.minus(pos.margin).plus(margin);
      pos.margin = margin;
    }
    o.filled = o.filled.plus(amount);
    o.filledNum = o.filled.toNumber();
    this.report.fills++;
    const fillRec: WireRecord = {
      type: 'fill',
      time: this.clockText,
      exchange: inst.exchange,
      symbol: inst.symbol,
      strategy: this.name,
      order_id: o.id,
      side: o.side,
      price,
      amount: amount.toNumber(),
      fee: fee.toNumber(),
      fee_asset: inst.quote,
      liquidity,
    };
    if (Number.isFinite(price + (fillRec.amount as number) + (fillRec.fee as number)))
      attachText(
        fillRec,
        `{"type":"fill","time":"${this.clockText}",${inst.head},"order_id":${o.id},"side":"${o.side}","price":${price},"amount":${fillRec.amount},"fee":${fillRec.fee},"fee_asset":${inst.quoteJson},"liquidity":"${liquidity}"}`,
      );
    this.out.push(fillRec);
    const done = o.filled.greaterThanOrEqualTo(o.amount);
    this.transition(o, done ? 'fill' : 'partial_fill', undefined);
    if (done) this.removeOrder(o);
    if (effect.closed !== undefined) {
      const c = effect.closed;
      this.report.positionsClosed++;
      if (c.pnl > 0) {
        this.wins++;
        this.winSum += c.pnl;
      } else if (c.pnl < 0) {
        this.losses++;
        this.lossSum -= c.pnl;
      }
      const closed = {
        type: 'position',
        time: this.clockText,
        exchange: inst.exchange,
        symbol: inst.symbol,
        strategy: this.name,
        status: 'closed',
        side: c.side,
        amount: c.amount,
        entry_price: tidy(c.entry_price),
        exit_price: tidy(c.exit_price),
        pnl: c.pnl,
        fees: c.fees,
        time_open: c.time_open,
        time_close: this.clockText,
      };
      if (Number.isFinite(closed.amount + closed.entry_price + closed.exit_price + closed.pnl + closed.fees))
        attachText(
          closed,
          `{"type":"position","time":"${this.clockText}",${inst.head},"status":"closed","side":"${c.side}","amount":${closed.amount},"entry_price":${closed.entry_price},"exit_price":${closed.exit_price},"pnl":${closed.pnl},"fees":${closed.fees},"time_open":${JSON.stringify(c.time_open)},"time_close":"${this.clockText}"}`,
        );
      this.out.push(closed);
    }
    if (effect.opened) {
      const opened = {
        type: 'position',
        time: this.clockText,
        exchange: inst.exchange,
        symbol: inst.symbol,
        strategy: this.name,
        status: 'open',
        side: pos.side,
        amount: Math.abs(pos.qtyNum),
        entry_price: tidy(pos.entryNum),
        exit_price: null,
        pnl: -pos.feesNum,
        fees: pos.feesNum,
        time_open: pos.timeOpen,
        time_close: null,
      };
      if (Number.isFinite(opened.amount + opened.entry_price + opened.fees))
        attachText(
          opened,
          `{"type":"position","time":"${this.clockText}",${inst.head},"status":"open","side":"${opened.side}","amount":${opened.amount},"entry_price":${opened.entry_price},"exit_price":null,"pnl":${opened.pnl},"fees":${opened.fees},"time_open":${JSON.stringify(pos.timeOpen)},"time_close":null}`,
        );
      this.out.push(opened);
    }
    for (const b of touched) this.emitBalance(b);
    if (this.strategy.onFill !== undefined) this.call('onFill', fillRec);
  }

  // ---------------------------------------------------------------------------------------------
  // Orders

  private transition(o: Order, event: OrderEvent, reason: string | undefined): void {
    const next = LIFECYCLE[o.status][event];
    if (next === undefined)
      throw new TickpipeError(`internal: order ${o.id} cannot ${event} when ${o.status}`);
    o.status = next;
    this.emitOrder(o, reason);
  }

  private emitOrder(o: Order, reason: string | undefined): void {
    const rec: Record<string, unknown> = {
      type: 'order',
      time: this.clockText,
      exchange: o.inst.exchange,
      symbol: o.inst.symbol,
      strategy: this.name,
      id: o.id,
      side: o.side,
      kind: o.kind,
      amount: o.amountNum,
      price: o.price ?? null,
      time_in_force: o.tif,
      status: o.status,
      filled_amount: o.filledNum,
    };
    if (o.postOnly) rec.post_only = true;
    if (o.reduceOnly) rec.reduce_only = true;
    if (reason !== undefined) rec.reason = reason;
    if (o.tag !== undefined) rec.tag = o.tag;
    // Its JSON built directly (an order record per state change); the tests check it equals
    // JSON.stringify of the record.
    // (A tag from a JavaScript strategy may be anything: only a string one goes in the template.)
    if (
      Number.isFinite(o.amountNum + o.filledNum + (o.price ?? 0)) &&
      (o.tag === undefined || typeof o.tag === 'string')
    )
      attachText(
        rec,
        `{"type":"order","time":"${this.clockText}",${o.inst.head},"id":${o.id},"side":"${o.side}","kind":"${o.kind}","amount":${o.amountNum},"price":${o.price ?? null},"time_in_force":"${o.tif}","status":"${o.status}","filled_amount":${o.filledNum}${o.postOnly ? ',"post_only":true' : ''}${o.reduceOnly ? ',"reduce_only":true' : ''}${reason === undefined ? '' : `,"reason":${JSON.stringify(reason)}`}${o.tag === undefined ? '' : `,"tag":${JSON.stringify(o.tag)}`}}`,
      );
    this.out.push(rec as WireRecord);
  }

  private activate(o: Order): void {
    o.live = true;
    const inst = o.inst;
    if (o.kind === 'limit') {
      const buy = o.side === 'buy';
      const p = o.price!;
      const ref = buy ? (inst.ask > 0 ? inst.ask : inst.last) : inst.bid > 0 ? inst.bid : inst.last;
      o.taker = ref > 0 && (buy ? p >= ref : p <= ref);
      if (o.postOnly && o.taker) {
        this.endOrder(o, 'rejected', `post-only ${o.side} at ${p} would take liquidity (market at ${ref})`);
        return;
      }
      // Queue ahead: the visible amount at its price on its side, when the book shows one.
      const same = buy ? inst.bid : inst.ask;
      if (inst.book !== undefined) o.queue = (buy ? inst.book.bids : inst.book.asks).amount(p) ?? 0;
      else if (same === p) o.queue = buy ? inst.bidAmt : inst.askAmt;
      else if ((buy && same > 0 && p < same) || (!buy && same > 0 && p > same))
        o.queue = Number.POSITIVE_INFINITY;
      else o.queue = same > 0 ? 0 : Number.POSITIVE_INFINITY;
      if (o.tif === 'gtc' && !o.taker) this.transition(o, 'accept', undefined);
    }
  }

  private removeOrder(o: Order): void {
    const list = o.inst.orders;
    const i = list.indexOf(o);
    if (i >= 0) list.splice(i, 1);
  }

  private endOrder(o: Order, status: 'cancelled' | 'expired' | 'rejected', reason: string | undefined): void {
    if (o.reserve !== undefined) {
      o.reserve.reserved = o.reserve.reserved.minus(o.reserved);
      o.reserved = ZERO;
    }
    this.transition(
      o,
      status === 'cancelled' ? 'cancel' : status === 'expired' ? 'expire' : 'reject',
      reason,
    );
    this.removeOrder(o);
    if (o.reserve !== undefined) this.emitBalance(o.reserve);
  }

  private cancelAll(inst: Inst, reason: string): void {
    for (const o of [...inst.orders]) this.endOrder(o, 'cancelled', reason);
  }

  /** A market order for the whole position at the last price (end of input, commands, trading disabled). */
  private closeAtLast(inst: Inst, reason: string): void {
    if (inst.pos.qty.isZero() || !(inst.last > 0)) return;
    const side = inst.pos.qty.isNegative() ? 'buy' : 'sell';
    const o = this.newOrder(inst, side, 'market', undefined, inst.pos.qty.abs(), 'gtc', false, true, reason);
    this.transition(o, 'submit', undefined);
    this.fillMarket(o, inst.last);
  }

  private newOrder(
    inst: Inst,
    side: 'buy' | 'sell',
    kind: 'market' | 'limit',
    price: number | undefined,
    amount: Dec,
    tif: TimeInForce,
    postOnly: boolean,
    reduceOnly: boolean,
    tag: string | undefined,
  ): Order {
    const o: Order = {
      id: this.nextId++,
      inst,
      side,
      kind,
      price,
      amount,
      amountNum: amount.toNumber(),
      filled: ZERO,
      filledNum: 0,
      tif,
      postOnly,
      reduceOnly,
      status: 'created',
      liveUs: this.clock + this.latencyUs,
      cancelUs: Number.POSITIVE_INFINITY,
      live: false,
      taker: kind === 'market',
      reserve: undefined,
      reserved: ZERO,
      queue: Number.POSITIVE_INFINITY,
      tag,
      atClose: false,
    };
    this.report.orders++;
    return o;
  }

  private reject(intent: Partial<OrderIntent>, inst: Inst | undefined, reason: string): void {
    this.report.rejected++;
    this.report.orders++;
    const rec: Record<string, unknown> = {
      type: 'order',
      time: this.clockText,
      exchange: inst?.exchange ?? intent.exchange ?? null,
      symbol: inst?.symbol ?? intent.symbol ?? null,
      strategy: this.name,
      id: this.nextId++,
      side: intent.side ?? null,
      kind: intent.kind ?? (intent.price === undefined ? 'market' : 'limit'),
      amount: typeof intent.amount === 'number' ? intent.amount : null,
      price: typeof intent.price === 'number' ? intent.price : null,
      time_in_force: intent.time_in_force ?? 'gtc',
      status: 'rejected',
      filled_amount: 0,
      reason,
    };
    this.out.push(rec as WireRecord);
  }

  // ---------------------------------------------------------------------------------------------
  // Strategy decisions, sizing and the risk manager

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
        `strategy ${this.name} threw in ${hook}: ${(error as Error)?.message ?? String(error)}\n  record: ${text.length > 300 ? `${text.slice(0, 297)}...` : text}`,
      );
    }
    this.decide(decision, rec);
  }

  private decide(decision: Decision, rec: WireRecord): void {
    if (decision === undefined || decision === null) return;
    const list = Array.isArray(decision) ? decision : [decision];
    for (const intent of list as Intent[]) this.intent(intent, rec);
  }

  private intent(intent: Intent, rec: WireRecord): void {
    if (typeof intent !== 'object' || intent === null) {
      this.reject({}, undefined, `malformed intent ${JSON.stringify(intent)}: expected an object`);
      return;
    }
    const exchange = (intent as { exchange?: unknown }).exchange ?? rec.exchange;
    const symbol = (intent as { symbol?: unknown }).symbol ?? rec.symbol;
    const inst = this.insts.get(`${String(exchange)}:${String(symbol)}`);
    if ('cancel' in intent) {
      if (inst === undefined) return;
      if (intent.cancel === 'all') {
        for (const o of inst.orders)
          if (o.cancelUs === Number.POSITIVE_INFINITY) o.cancelUs = this.clock + this.latencyUs;
      } else {
        const o = inst.orders.find((x) => x.id === intent.cancel);
        if (o !== undefined && o.cancelUs === Number.POSITIVE_INFINITY)
          o.cancelUs = this.clock + this.latencyUs;
      }
      // Without latency a cancel acts at once.
      if (this.latencyUs === 0)
        for (const o of [...inst.orders])
          if (o.cancelUs <= this.clock) this.endOrder(o, 'cancelled', undefined);
      return;
    }
    if ('close' in intent) {
      if (inst === undefined || inst.pos.qty.isZero()) return;
      // A reduce-only market order for the whole position.
      this.place(
        {
          side: inst.pos.qty.isNegative() ? 'buy' : 'sell',
          amount: inst.pos.qty.abs().toNumber(),
          reduce_only: true,
          tag: 'close',
        },
        inst,
      );
      return;
    }
    if (inst === undefined) {
      this.reject(intent, undefined, `unknown instrument ${String(exchange)} ${String(symbol)}`);
      return;
    }
    this.place(intent, inst);
  }

  private size(inst: Inst, price: number): number {
    const s = this.cfg.sizing;
    if (!(price > 0)) return Number.NaN;
    const value = s.value;
    switch (s.mode) {
      case 'fixed-amount':
        return value;
      case 'fixed-notional':
        return value / (price * inst.csNum);
      case 'percent-equity':
        return (this.equity().equity * value) / (price * inst.csNum);
      case 'kelly': {
        const cap = s.max_fraction ?? 0.5;
        let f: number;
        const n = this.wins + this.losses;
        if (n < 10 || this.wins === 0 || this.losses === 0) f = 0.01;
        else {
          const w = this.wins / n;
          const r = this.winSum / this.wins / (this.lossSum / this.losses);
          f = Math.max(0, Math.min(cap, value * (w - (1 - w) / r)));
        }
        return (this.equity().equity * f) / (price * inst.csNum);
      }
    }
  }

  private place(intent: OrderIntent, inst: Inst): void {
    const x = this.cfg.execution;
    const risk = this.cfg.risk;
    const side = intent.side;
    if (side !== 'buy' && side !== 'sell') {
      this.reject(
        intent,
        inst,
        `malformed intent: "side" must be "buy" or "sell", found ${JSON.stringify(side)}`,
      );
      return;
    }
    const kind = intent.kind ?? (intent.price === undefined ? 'market' : 'limit');
    if (kind !== 'market' && kind !== 'limit') {
      this.reject(
        intent,
        inst,
        `malformed intent: "kind" must be "market" or "limit", found ${JSON.stringify(kind)}`,
      );
      return;
    }
    const tif = intent.time_in_force ?? 'gtc';
    if (tif !== 'gtc' && tif !== 'ioc' && tif !== 'fok') {
      this.reject(
        intent,
        inst,
        `malformed intent: "time_in_force" must be gtc, ioc or fok, found ${JSON.stringify(tif)}`,
      );
      return;
    }
    if (
      kind === 'limit' &&
      !(typeof intent.price === 'number' && intent.price > 0 && Number.isFinite(intent.price))
    ) {
      this.reject(
        intent,
        inst,
        `malformed intent: a limit order needs a "price" > 0, found ${JSON.stringify(intent.price)}`,
      );
      return;
    }
    if (
      intent.amount !== undefined &&
      !(typeof intent.amount === 'number' && intent.amount > 0 && Number.isFinite(intent.amount))
    ) {
      this.reject(
        intent,
        inst,
        `malformed intent: "amount" must be a number > 0, found ${JSON.stringify(intent.amount)}`,
      );
      return;
    }
    const reduceOnly = intent.reduce_only === true;
    const venueDown = this.venuesDown.has(inst.exchange) || this.venuesDown.has(inst.key);
    if (!reduceOnly && !this.enabled) {
      this.reject(intent, inst, 'trading is disabled');
      return;
    }
    if (!reduceOnly && venueDown) {
      this.reject(intent, inst, `${inst.exchange} is disconnected: no new orders until its data resumes`);
      return;
    }
    // Price: to the tick (nearest).
    let price: number | undefined;
    if (kind === 'limit') {
      price = intent.price!;
      if (inst.tick !== undefined) price = dec(tidy(price)).toNearest(inst.tick, ROUND_HALF_UP).toNumber();
      if (!(price > 0)) {
        this.reject(intent, inst, `price ${intent.price} rounds to 0 at tick size ${inst.tick}`);
        return;
      }
    }
    const ref = price ?? inst.last;
    if (!(ref > 0)) {
      this.reject(intent, inst, `no price known yet for ${inst.symbol}`);
      return;
    }
    // Amount: explicit, or sized; down to the lot.
    let raw = intent.amount ?? this.size(inst, ref);
    if (reduceOnly) {
      const pos = inst.pos.qtyNum;
      const reducing = side === 'buy' ? pos < 0 : pos > 0;
      if (!reducing) {
        this.reject(intent, inst, 'reduce-only order would not reduce the position');
        return;
      }
      raw = Math.min(raw, Math.abs(pos));
    }
    if (!(raw > 0) || !Number.isFinite(raw)) {
      this.reject(intent, inst, `sizing gave no amount (${raw})`);
      return;
    }
    let amount = reduceOnly && raw === Math.abs(inst.pos.qtyNum) ? inst.pos.qty.abs() : dec(tidy(raw));
    if (inst.lot !== undefined) amount = amount.toNearest(inst.lot, ROUND_DOWN);
    if (amount.lessThanOrEqualTo(ZERO)) {
      this.reject(intent, inst, `amount ${raw} rounds down to 0 at lot size ${inst.lot}`);
      return;
    }
    const amt = amount.toNumber();
    const notional = amt * ref * inst.csNum;
    if (notional < inst.minNotional) {
      this.reject(intent, inst, `notional ${money(notional)} is below the minimum ${inst.minNotional}`);
      return;
    }
    if (!reduceOnly) {
      if (risk.max_order_notional !== undefined && notional > risk.max_order_notional) {
        this.reject(
          intent,
          inst,
          `order notional ${money(notional)} exceeds max_order_notional ${risk.max_order_notional}`,
        );
        return;
      }
      const after = inst.pos.qtyNum + (side === 'buy' ? amt : -amt);
      if (risk.max_position_amount !== undefined && Math.abs(after) > risk.max_position_amount) {
        this.reject(
          intent,
          inst,
          `position amount ${tidy(Math.abs(after))} would exceed max_position_amount ${risk.max_position_amount}`,
        );
        return;
      }
      if (
        risk.max_position_notional !== undefined &&
        Math.abs(after) * ref * inst.csNum > risk.max_position_notional
      ) {
        this.reject(
          intent,
          inst,
          `position notional ${money(Math.abs(after) * ref * inst.csNum)} would exceed max_position_notional ${risk.max_position_notional}`,
        );
        return;
      }
      if (risk.max_exposure_percent !== undefined || risk.max_leverage !== undefined) {
        const e = this.equity();
        const exposure =
          e.exposure - Math.abs(inst.pos.qtyNum) * ref * inst.csNum + Math.abs(after) * ref * inst.csNum;
        if (
          risk.max_exposure_percent !== undefined &&
          exposure > (e.equity * risk.max_exposure_percent) / 100
        ) {
          this.reject(
            intent,
            inst,
            `exposure ${money(exposure)} would exceed ${risk.max_exposure_percent}% of equity ${money(e.equity)}`,
          );
          return;
        }
        if (risk.max_leverage !== undefined && exposure > e.equity * risk.max_leverage) {
          this.reject(
            intent,
            inst,
            `leverage ${tidy(exposure / e.equity)} would exceed max_leverage ${risk.max_leverage}`,
          );
          return;
        }
      }
      if (kind === 'limit' && risk.max_open_orders !== undefined) {
        let resting = 0;
        for (const i of this.instList) for (const o of i.orders) if (o.kind === 'limit') resting++;
        if (resting >= risk.max_open_orders) {
          this.reject(intent, inst, `${resting} open orders: max_open_orders is ${risk.max_open_orders}`);
          return;
        }
      }
    }
    // Balance, with fees at the taker rate (the worst case).
    let reserve: Balance | undefined;
    let reserved = ZERO;
    const feeRate = this.worstFee;
    const slip =
      1 + (kind === 'market' ? (x.slippage_bps + x.impact_bps * (notional / 1_000_000)) / 10_000 : 0);
    if (inst.kind === 'spot') {
      if (side === 'buy') {
        reserve = this.balance(inst.exchange, inst.quote);
        reserved = dec(tidy(ref * slip))
          .times(amount)
          .times(this.worstFeeOne);
      } else {
        const base = this.balance(inst.exchange, inst.base);
        if (!x.allow_short && base.free.lessThan(amount)) {
          this.reject(
            intent,
            inst,
            `insufficient ${inst.base}: free ${base.free.toNumber()}, order ${amt} (spot cannot go short; execution.allow_short)`,
          );
          return;
        }
        if (!x.allow_short) {
          reserve = base;
          reserved = amount;
        } else {
          reserve = this.balance(inst.exchange, inst.quote);
          reserved = ZERO;
        }
      }
    } else if (!reduceOnly) {
      reserve = this.balance(inst.exchange, inst.quote);
      const lev = dec(risk.max_leverage ?? 1);
      reserved = dec(tidy(ref * slip))
        .times(amount)
        .times(inst.cs)
        .dividedBy(lev)
        .plus(dec(notional).times(feeRate));
    }
    if (reserve !== undefined && reserved.greaterThan(reserve.free)) {
      this.reject(
        intent,
        inst,
        `insufficient ${reserve.asset}: free ${money(reserve.free.toNumber())}, needs ${money(reserved.toNumber())} including fees`,
      );
      return;
    }
    const o = this.newOrder(
      inst,
      side,
      kind,
      price,
      amount,
      tif,
      intent.post_only === true,
      reduceOnly,
      intent.tag,
    );
    if (reserve !== undefined && !reserved.isZero()) {
      o.reserve = reserve;
      o.reserved = reserved;
      reserve.reserved = reserve.reserved.plus(reserved);
    }
    o.atClose =
      kind === 'market' && x.fill_at === 'close' && this.latencyUs === 0 && this.current?.type === 'candle';
    inst.orders.push(o);
    this.transition(o, 'submit', undefined);
    if (o.reserve !== undefined && !o.reserved.isZero()) this.emitBalance(o.reserve);
    if (o.liveUs <= this.clock) this.activate(o);
    // Orders that can act on the data at hand do so now (book data: marketable orders take at once).
    if (o.live && inst.finest >= KIND_RANK.quote && this.fillsFrom(inst, inst.book ? 'book' : 'quote'))
      this.bookFills(inst);
  }

  // ---------------------------------------------------------------------------------------------
  // The strategy's view

  private makeContext(): StrategyContext {
    const self = this;
    const find = (symbol?: string, exchange?: string): Inst | undefined => {
      const rec = self.current;
      return self.insts.get(`${exchange ?? String(rec?.exchange)}:${symbol ?? String(rec?.symbol)}`);
    };
    const FLAT: PositionView = Object.freeze({ amount: 0, entry_price: undefined });
    return {
      get time() {
        return self.clockText;
      },
      get timeUs() {
        return self.clock;
      },
      params: Object.freeze({ ...this.cfg.strategy.params }),
      indicators,
      position(symbol, exchange) {
        const inst = find(symbol, exchange);
        if (inst === undefined || inst.pos.qtyNum === 0) return FLAT;
        return { amount: inst.pos.qtyNum, entry_price: inst.pos.entryNum };
      },
      balance(asset, exchange) {
        const ex = exchange ?? String(self.current?.exchange);
        const b = self.balances.get(`${ex}:${asset.toLowerCase()}`);
        return b === undefined ? { total: 0, free: 0 } : { total: b.totalNum, free: b.freeNum };
      },
      openOrders(symbol, exchange) {
        const inst = find(symbol, exchange);
        if (inst === undefined) return [];
        return inst.orders.map(
          (o): OpenOrderView => ({
            id: o.id,
            side: o.side,
            kind: o.kind,
            price: o.price,
            amount: o.amount.toNumber(),
            filled_amount: o.filled.toNumber(),
            status: o.status,
          }),
        );
      },
      price(symbol, exchange) {
        const p = find(symbol, exchange)?.last;
        return p !== undefined && p > 0 ? p : undefined;
      },
      equity() {
        return self.equity().equity;
      },
      size(symbol, exchange) {
        const inst = find(symbol, exchange);
        return inst === undefined ? Number.NaN : self.size(inst, inst.last);
      },
    };
  }
}

const ENGINE_TYPES = new Set(['balance', 'trading_state', 'command', 'disconnect']);

/** `BTCUSDT` → btc/usdt, by the common quote assets (for instruments not configured). */
function splitSymbol(symbol: string): [string, string] {
  const s = symbol.toUpperCase().replace(/[-_/]/g, '');
  for (const q of [
    'USDT',
    'USDC',
    'FDUSD',
    'BUSD',
    'TUSD',
    'USD',
    'EUR',
    'BTC',
    'ETH',
    'BNB',
    'TRY',
    'JPY',
  ]) {
    if (s.length > q.length && s.endsWith(q)) return [s.slice(0, -q.length).toLowerCase(), q.toLowerCase()];
  }
  return [s.toLowerCase(), 'usd'];
}
