/**
 * The account side of one fill (docs/execution.md, "Accounting"):
 * - spot: the free balance is checked again first (refusalAtFill): no spot balance goes below zero;
 * - the part of the order's reservation that this fill covers is released (all of it on the last
 *   fill);
 * - the fee is the notional (price x amount x contract size) times the maker or taker rate;
 * - spot: a buy moves notional + fee from the quote asset to the base asset, a sell the reverse;
 * - inverse perpetual: the same in the base coin (the settle asset), the notional being
 *   amount x contract size / price and PnL amount x contract size x (1/entry - 1/exit);
 * - perpetual: the quote balance takes the realised PnL less the fee, and the position's margin
 *   (|amount| x entry x contract size x the instrument's initial margin, else / leverage) replaces
 *   the one held before.
 */

import { type Exact as Dec, dec, ZERO } from '../backtest/exact.js';
import { money } from '../backtest/money.js';
import type { Liquidity, Order } from '../orders/order.js';
import type { Balance } from './balance.js';
import type { Balances } from './balances.js';
import type { Fees } from './fees.js';
import { inverseValue } from './inverse.js';
import { applyFill, type FillEffect } from './position.js';

export interface Settlement {
  readonly fee: Dec;
  readonly effect: FillEffect;
  /** The balances that changed, quote first. */
  readonly touched: readonly Balance[];
}

/** The part of `o`'s reservation that a fill of `amount` covers (all of it on the last fill). */
function partFor(o: Order, amount: Dec): Dec {
  return o.filled.plus(amount).greaterThanOrEqualTo(o.amount)
    ? o.reserved
    : o.reserved.times(amount).dividedBy(o.amount.minus(o.filled));
}

/** Releases the part of `o`'s reservation that a fill of `amount` covers. */
export function releaseFor(o: Order, amount: Dec): void {
  if (o.reserve === undefined || o.reserved.isZero()) return;
  const part = partFor(o, amount);
  o.reserve.reserved = o.reserve.reserved.minus(part);
  o.reserved = o.reserved.minus(part);
}

/** Releases all that `o` still reserves (the order ended). */
export function releaseAll(o: Order): void {
  if (o.reserve === undefined) return;
  o.reserve.reserved = o.reserve.reserved.minus(o.reserved);
  o.reserved = ZERO;
}

/** The fill's price as an exact decimal and its notional in the settle asset (price x amount x contract size). */
export interface FillValue {
  readonly px: Dec;
  readonly notional: Dec;
}

/** The price and notional of a fill of `amount` of `o` at `price`: computed once, read by the check and the settlement. */
export function fillValue(o: Order, price: number, amount: Dec): FillValue {
  const inst = o.inst;
  const px = dec(price);
  // Inverse: the notional is in the base coin (contracts x contract size / price), as the fee is.
  const notional = inst.inverse
    ? inverseValue(amount, inst.cs, px)
    : inst.csNum === 1
      ? px.times(amount)
      : px.times(amount).times(inst.cs);
  return { px, notional };
}

/** notional x rate: zero at a zero rate without the multiplication (which an account figure beyond the scaled integers pays for). */
function feeOf(notional: Dec, rate: Dec): Dec {
  return rate.isZero() ? ZERO : notional.times(rate);
}

/**
 * The free balance checked again at fill time (spot): a buy needs notional + fee, a sell (without
 * allow_short) the amount of the base asset, out of the free balance plus what this order reserved
 * for this part. Returns the reason the fill cannot happen, or undefined. (Prices move between the
 * order and its fill: a market buy reserved at the last close can fill at a higher open.)
 */
export function refusalAtFill(
  balances: Balances,
  fees: Fees,
  allowShort: boolean,
  o: Order,
  price: number,
  amount: Dec,
  liquidity: Liquidity,
  /** The fill's price and notional, when the caller has them already. */
  value: FillValue = fillValue(o, price, amount),
): string | undefined {
  const inst = o.inst;
  if (inst.kind !== 'spot') return undefined;
  const buy = o.side === 'buy';
  if (!buy && allowShort) return undefined;
  const b = buy ? balances.quoteOf(inst) : balances.baseOf(inst);
  const own = o.reserve === b && !o.reserved.isZero() ? partFor(o, amount) : ZERO;
  const available = own.isZero() ? b.free : b.free.plus(own);
  let needs = amount;
  if (buy) {
    const fee = feeOf(value.notional, fees.rate(liquidity));
    needs = fee.isZero() ? value.notional : value.notional.plus(fee);
  }
  if (!needs.greaterThan(available)) return undefined;
  return `insufficient ${b.asset} at fill: available ${money(available.toNumber())}, needs ${money(needs.toNumber())}${buy ? ' including fees' : ''} (${buy ? 'spot cannot borrow' : 'spot cannot go short; execution.allow_short'})`;
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
  /** The fill's price and notional, when the caller has them already. */
  value: FillValue = fillValue(o, price, amount),
): Settlement {
  const inst = o.inst;
  const { px, notional } = value;
  const fee = feeOf(notional, fees.rate(liquidity));
  const quote = balances.settleOf(inst);
  releaseFor(o, amount);
  const pos = inst.pos;
  // (applyFill resets a position that closes, margin included: what it held is read first.)
  const heldBefore = pos.margin;
  const effect = applyFill(pos, o.side, px, amount, fee, time);
  const touched: Balance[] = [quote];
  if (inst.kind === 'spot') {
    const base = balances.baseOf(inst);
    // (With no fee the notional itself: a sum with zero is the value.)
    if (o.side === 'buy') {
      quote.add((fee.isZero() ? notional : notional.plus(fee)).negated());
      base.add(amount);
    } else {
      quote.add(fee.isZero() ? notional : notional.minus(fee));
      base.add(amount.negated());
    }
    touched.push(base);
  } else {
    quote.add(effect.realised.minus(fee));
    const value = inst.inverse
      ? pos.qty.isZero()
        ? ZERO
        : inverseValue(pos.qty, inst.cs, pos.entry)
      : pos.qty.abs().times(pos.entry).times(inst.cs);
    const margin =
      inst.initialMargin === undefined
        ? value.dividedBy(dec(leverage ?? 1))
        : value.times(inst.initialMargin);
    quote.margin = quote.margin.minus(heldBefore).plus(margin);
    pos.margin = margin;
  }
  return { fee, effect, touched };
}
