/**
 * The account side of one fill (docs/execution.md, "Accounting"):
 * - the part of the order's reservation that this fill covers is released (all of it on the last
 *   fill);
 * - the fee is the notional (price x amount x contract size) times the maker or taker rate;
 * - spot: a buy moves notional + fee from the quote asset to the base asset, a sell the reverse;
 * - perpetual: the quote balance takes the realised PnL less the fee, and the position's margin
 *   (|amount| x entry x contract size / leverage) replaces the one held before.
 */

import { type Exact as Dec, dec, ZERO } from '../backtest/exact.js';
import type { Liquidity, Order } from '../orders/order.js';
import type { Balance } from './balance.js';
import type { Balances } from './balances.js';
import type { Fees } from './fees.js';
import { applyFill, type FillEffect } from './position.js';

export interface Settlement {
  readonly fee: Dec;
  readonly effect: FillEffect;
  /** The balances that changed, quote first. */
  readonly touched: readonly Balance[];
}

/** Releases the part of `o`'s reservation that a fill of `amount` covers. */
export function releaseFor(o: Order, amount: Dec): void {
  if (o.reserve === undefined || o.reserved.isZero()) return;
  const part = o.filled.plus(amount).greaterThanOrEqualTo(o.amount)
    ? o.reserved
    : o.reserved.times(amount).dividedBy(o.amount.minus(o.filled));
  o.reserve.reserved = o.reserve.reserved.minus(part);
  o.reserved = o.reserved.minus(part);
}

/** Releases all that `o` still reserves (the order ended). */
export function releaseAll(o: Order): void {
  if (o.reserve === undefined) return;
  o.reserve.reserved = o.reserve.reserved.minus(o.reserved);
  o.reserved = ZERO;
}

export function settle(
  balances: Balances,
  fees: Fees,
  leverage: number | undefined,
  o: Order,
  price: number,
  amount: Dec,
  liquidity: Liquidity,
  time: string,
): Settlement {
  const inst = o.inst;
  const px = dec(price);
  const notional = inst.csNum === 1 ? px.times(amount) : px.times(amount).times(inst.cs);
  const fee = notional.times(fees.rate(liquidity));
  const quote = balances.of(inst.exchange, inst.quote);
  releaseFor(o, amount);
  const pos = inst.pos;
  const effect = applyFill(pos, o.side, px, amount, fee, time);
  const touched: Balance[] = [quote];
  if (inst.kind === 'spot') {
    const base = balances.of(inst.exchange, inst.base);
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
    const lev = dec(leverage ?? 1);
    const margin = pos.qty.abs().times(pos.entry).times(inst.cs).dividedBy(lev);
    quote.margin = quote.margin.minus(pos.margin).plus(margin);
    pos.margin = margin;
  }
  return { fee, effect, touched };
}
