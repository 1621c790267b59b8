/**
 * Amending an open order (docs/execution.md, "Amend"): `{amend: id, price?, trigger_price?,
 * amount?}`. The amend reaches the venue after the order latency (event time); until then the order
 * trades as it was. Then the new price (to the tick) and amount (down to the lot, above what has
 * filled) replace the old ones, the reservation is taken again for the rest at the new price (the
 * amend is refused, the order unchanged, when it does not fit the free balance), and a limit
 * arrives at the market again (taker check, and its queue position is lost, as on venues that
 * re-queue an amended order). The `order` record says `amended` or why the amend was refused.
 */

import type { BacktestConfig } from '../backtest/config.js';
import { dec, ROUND_DOWN, ROUND_HALF_UP } from '../backtest/exact.js';
import { tidy } from '../backtest/money.js';
import type { AmendIntent } from '../backtest/strategy.js';
import { type Instrument, notionalOf } from '../market/instrument.js';
import type { Order } from '../orders/order.js';
import type { OrderDesk } from '../orders/orders.js';
import type { Balances } from '../portfolio/balances.js';
import type { Fees } from '../portfolio/fees.js';
import { reservationFor } from '../portfolio/reserve.js';
import { releaseAll } from '../portfolio/settle.js';
import type { Clock } from './clock.js';
import type { Recorder } from './records.js';

const positive = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);

export class Amender {
  constructor(
    private readonly cfg: BacktestConfig,
    private readonly clock: Clock,
    private readonly balances: Balances,
    private readonly fees: Fees,
    private readonly orders: OrderDesk,
    private readonly rec: Recorder,
    private readonly latencyUs: number,
  ) {
    orders.onAmend = (o) => this.apply(o);
  }

  /** Asks for an amend; an unknown order or a malformed amend is said on the order's record or ignored. */
  request(inst: Instrument, a: AmendIntent): void {
    const o = inst.orders.find((x) => x.id === a.amend);
    if (o === undefined) return;
    for (const k of ['price', 'trigger_price', 'amount'] as const)
      if (a[k] !== undefined && !positive(a[k])) {
        this.orders.changed(o, `amend refused: "${k}" must be a number > 0, found ${JSON.stringify(a[k])}`);
        return;
      }
    o.amend = {
      atUs: this.clock.us + this.latencyUs,
      ...(a.price === undefined ? {} : { price: a.price }),
      ...(a.trigger_price === undefined ? {} : { trigger: a.trigger_price }),
      ...(a.amount === undefined ? {} : { amount: a.amount }),
    };
    if (this.latencyUs === 0) this.apply(o);
    else this.orders.watch(inst);
  }

  private apply(o: Order): void {
    const a = o.amend!;
    o.amend = undefined;
    const inst = o.inst;
    const refuse = (why: string): void => {
      this.orders.changed(o, `amend refused: ${why}`);
    };
    if (a.price !== undefined && o.kind !== 'limit') {
      refuse('a market execution has no price');
      return;
    }
    if (a.trigger !== undefined && o.cond === undefined) {
      refuse('not a conditional order');
      return;
    }
    if (o.type === 'trailing_stop' && a.trigger !== undefined) {
      refuse('a trailing stop trails');
      return;
    }
    const near = (p: number) =>
      inst.tick === undefined ? p : dec(tidy(p)).toNearest(inst.tick, ROUND_HALF_UP).toNumber();
    const price = a.price === undefined ? o.price : near(a.price);
    let amount = a.amount === undefined ? o.amount : dec(tidy(a.amount));
    if (inst.lot !== undefined) amount = amount.toNearest(inst.lot, ROUND_DOWN);
    if (!amount.greaterThan(o.filled)) {
      refuse(`amount ${a.amount} is not above the filled ${o.filledNum}`);
      return;
    }
    const ref = price ?? (a.trigger === undefined ? (o.cond?.trigger ?? inst.last) : near(a.trigger));
    // The reservation again, for the rest at the new price: the old one counts as free meanwhile.
    const old = o.reserved;
    releaseAll(o);
    const rest = amount.minus(o.filled);
    const notional = inst.inverse
      ? notionalOf(inst, rest.toNumber(), ref)
      : rest.toNumber() * ref * inst.csNum;
    const r = reservationFor(
      this.cfg,
      this.balances,
      this.fees,
      inst,
      o.side,
      o.kind,
      ref,
      rest,
      notional,
      o.reduceOnly,
    );
    if (typeof r === 'string') {
      if (o.reserve !== undefined) {
        o.reserved = old;
        o.reserve.reserved = o.reserve.reserved.plus(old);
      }
      refuse(r);
      return;
    }
    if (o.reserve !== undefined && !r.amount.isZero()) {
      o.reserved = r.amount;
      o.reserve.reserved = o.reserve.reserved.plus(r.amount);
    }
    o.price = price;
    o.amount = amount;
    o.amountNum = amount.toNumber();
    if (a.trigger !== undefined) o.cond!.trigger = near(a.trigger);
    this.orders.changed(o, 'amended');
    if (o.reserve !== undefined) this.rec.balance(o.reserve);
    if (o.live && o.kind === 'limit') this.orders.arrive(o);
  }
}
