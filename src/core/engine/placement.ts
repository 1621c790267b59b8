/**
 * From a strategy's intents to orders (docs/execution.md, "Placing an order"): cancels and closes;
 * an order intent is read (orders/intent.ts), passes the risk gates, is priced to the tick and sized
 * to the lot, passes the risk limits (risk/checks.ts) and the balance (portfolio/reserve.ts), and
 * becomes an order, live at once without latency. Every refusal is an `order` record with status
 * `rejected` and its reason.
 */

import type { BacktestConfig } from '../backtest/config.js';
import { dec, ROUND_DOWN, ROUND_HALF_UP, ZERO } from '../backtest/exact.js';
import { tidy } from '../backtest/money.js';
import type { Intent, OrderIntent } from '../backtest/strategy.js';
import { type Instrument, notionalOf } from '../market/instrument.js';
import type { Instruments } from '../market/instruments.js';
import { KIND_RANK } from '../market/market.js';
import type { Marks } from '../marks/equity.js';
import { bookFills } from '../matching/book.js';
import { fillsFrom } from '../matching/model.js';
import { readIntent } from '../orders/intent.js';
import type { OrderDesk } from '../orders/orders.js';
import type { Balances } from '../portfolio/balances.js';
import type { Fees } from '../portfolio/fees.js';
import { reservationFor } from '../portfolio/reserve.js';
import type { WireRecord } from '../records/record.js';
import {
  GATES,
  LIMITS,
  REDUCE_ONLY_LIMITS,
  type RiskRequest,
  type RiskView,
  refusal,
} from '../risk/checks.js';
import type { TradingState } from '../risk/trading-state.js';
import { type KellyStats, sizeOrder } from '../sizing/sizing.js';
import type { Amender } from './amend.js';
import type { Clock } from './clock.js';
import type { FillDesk } from './fills.js';
import type { Recorder } from './records.js';

export class Placement {
  private readonly risk: RiskView;

  constructor(
    private readonly cfg: BacktestConfig,
    private readonly clock: Clock,
    private readonly instruments: Instruments,
    private readonly balances: Balances,
    private readonly fees: Fees,
    private readonly marks: Marks,
    private readonly kelly: KellyStats,
    state: TradingState,
    private readonly orders: OrderDesk,
    private readonly fills: FillDesk,
    private readonly rec: Recorder,
  ) {
    const insts = instruments.list;
    this.risk = {
      limits: cfg.risk,
      get nowUs() {
        return clock.us;
      },
      get enabled() {
        return state.enabled;
      },
      venueDown: (inst) => state.venueDown(inst.exchange, inst.key),
      equity: () => marks.equity(),
      openLimitOrders() {
        let resting = 0;
        for (const i of insts) for (const o of i.orders) if (o.kind === 'limit') resting++;
        return resting;
      },
    };
  }

  /** The configured sizing for an order on `inst` at `price` (NaN without a price). */
  size(inst: Instrument, price: number): number {
    const equity = () => this.marks.equity().equity;
    return sizeOrder(this.cfg.sizing, this.kelly, price, inst.csNum, equity, inst.inverse);
  }

  private reject(intent: Partial<OrderIntent>, inst: Instrument | undefined, reason: string): void {
    this.rec.rejected(this.orders.takeId(), intent, inst, reason);
  }

  /** Set at the end of input: order intents are refused from then on. */
  ended = false;
  /** Amends (set once built). */
  amender: Amender | undefined;

  /** One intent, made while the engine shows the strategy `rec`. */
  intent(intent: Intent, rec: WireRecord, candle: boolean): void {
    if (
      this.ended &&
      typeof intent === 'object' &&
      intent !== null &&
      !('cancel' in intent) &&
      !('amend' in intent)
    ) {
      // The clean-up closes every position itself; an order is refused, saying so.
      if ('close' in intent) return;
      const inst = this.instruments.get(intent.exchange ?? rec.exchange, intent.symbol ?? rec.symbol);
      this.reject(intent, inst, 'end of input: no new orders after the clean-up');
      return;
    }
    if (typeof intent !== 'object' || intent === null) {
      this.reject({}, undefined, `malformed intent ${JSON.stringify(intent)}: expected an object`);
      return;
    }
    const exchange = (intent as { exchange?: unknown }).exchange ?? rec.exchange;
    const symbol = (intent as { symbol?: unknown }).symbol ?? rec.symbol;
    const inst = this.instruments.get(exchange, symbol);
    if ('cancel' in intent) {
      if (inst !== undefined) this.orders.requestCancel(inst, intent.cancel);
      return;
    }
    if ('amend' in intent) {
      if (inst !== undefined && !this.ended) this.amender?.request(inst, intent);
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
        candle,
      );
      return;
    }
    if (inst === undefined) {
      this.reject(intent, undefined, `unknown instrument ${String(exchange)} ${String(symbol)}`);
      return;
    }
    this.place(intent, inst, candle);
  }

  place(intent: OrderIntent, inst: Instrument, candle: boolean): void {
    const x = this.cfg.execution;
    const read = readIntent(intent);
    if (typeof read === 'string') {
      this.reject(intent, inst, read);
      return;
    }
    const { side, kind, tif } = read;
    const reduceOnly = intent.reduce_only === true;
    const gate = refusal(
      GATES,
      { inst, side, kind, amount: Number.NaN, ref: Number.NaN, notional: Number.NaN, reduceOnly },
      this.risk,
    );
    if (gate !== undefined) {
      this.reject(intent, inst, gate);
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
    // A trigger price to the tick too; a conditional order is priced (sized, checked, reserved) at
    // its limit, else its trigger, else (trailing) the last price.
    let trigger = read.trigger;
    if (trigger !== undefined && inst.tick !== undefined)
      trigger = dec(tidy(trigger)).toNearest(inst.tick, ROUND_HALF_UP).toNumber();
    const ref = price ?? trigger ?? inst.last;
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
    const notional = inst.inverse ? notionalOf(inst, amt, ref) : amt * ref * inst.csNum;
    const request: RiskRequest = { inst, side, kind, amount: amt, ref, notional, reduceOnly };
    const limit = refusal(reduceOnly ? REDUCE_ONLY_LIMITS : LIMITS, request, this.risk);
    if (limit !== undefined) {
      this.reject(intent, inst, limit);
      return;
    }
    const r = reservationFor(
      this.cfg,
      this.balances,
      this.fees,
      inst,
      side,
      kind,
      ref,
      amount,
      notional,
      reduceOnly,
    );
    if (typeof r === 'string') {
      this.reject(intent, inst, r);
      return;
    }
    const o = this.orders.create({
      inst,
      side,
      kind,
      price,
      amount,
      tif,
      postOnly: intent.post_only === true,
      reduceOnly,
      tag: intent.tag,
      type: read.type,
      cond:
        read.type === 'market' || read.type === 'limit'
          ? undefined
          : {
              trigger: trigger ?? Number.NaN,
              trail: read.trail,
              trailPercent: read.trailPercent,
              best: Number.NaN,
              triggeredAt: undefined,
            },
      oco: read.oco,
      bracket: read.bracket,
      expireUs: read.expireUs,
    });
    if (r.balance !== undefined && !r.amount.isZero()) {
      o.reserve = r.balance;
      o.reserved = r.amount;
      r.balance.reserved = r.balance.reserved.plus(r.amount);
    }
    o.atClose = read.type === 'market' && x.fill_at === 'close' && o.liveUs === this.clock.us && candle;
    this.orders.add(o);
    this.orders.transition(o, 'submit', undefined);
    if (o.reserve !== undefined && !o.reserved.isZero()) this.rec.balance(o.reserve);
    if (o.liveUs <= this.clock.us) this.orders.activate(o);
    // Orders that can act on the data at hand do so now (book data: marketable orders take at once).
    if (
      o.live &&
      inst.finest >= KIND_RANK.quote &&
      fillsFrom(x.fill_model, inst, inst.book ? 'book' : 'quote')
    )
      bookFills(inst, undefined, this.fills);
  }
}
