/**
 * What an order reserves when it is placed (docs/execution.md, "Accounting"), so that open orders
 * cannot together spend more than the free balance:
 * - spot buy: the quote asset, price (with slippage for market orders) x amount x (1 + the worse fee);
 * - spot sell: the base asset it sells (refused when not held, unless allow_short; with allow_short
 *   nothing is reserved);
 * - perpetual (not reduce-only): the quote asset, the initial margin price x amount x contract size
 *   / leverage plus the worse fee on the notional.
 */

import type { BacktestConfig } from '../backtest/config.js';
import { type Exact as Dec, dec, ZERO } from '../backtest/exact.js';
import { money, tidy } from '../backtest/money.js';
import type { Instrument } from '../market/instrument.js';
import type { OrderKind, Side } from '../orders/order.js';
import type { Balance } from './balance.js';
import type { Balances } from './balances.js';
import type { Fees } from './fees.js';
import { inverseValue } from './inverse.js';

export interface Reservation {
  readonly balance: Balance | undefined;
  readonly amount: Dec;
}

/** The reservation for an order, or the reason it does not fit the free balance. */
export function reservationFor(
  cfg: BacktestConfig,
  balances: Balances,
  fees: Fees,
  inst: Instrument,
  side: Side,
  kind: OrderKind,
  ref: number,
  amount: Dec,
  notional: number,
  reduceOnly: boolean,
): Reservation | string {
  const x = cfg.execution;
  let balance: Balance | undefined;
  let reserved = ZERO;
  const slip =
    1 + (kind === 'market' ? (x.slippage_bps + x.impact_bps * (notional / 1_000_000)) / 10_000 : 0);
  if (inst.kind === 'spot') {
    if (side === 'buy') {
      balance = balances.quoteOf(inst);
      const value = dec(tidy(ref * slip)).times(amount);
      // (Without fees 1 + the worse rate is 1: the value itself.)
      reserved = fees.none ? value : value.times(fees.worstOne);
    } else {
      const base = balances.baseOf(inst);
      if (!x.allow_short && base.free.lessThan(amount))
        return `insufficient ${inst.base}: free ${base.free.toNumber()}, order ${amount.toNumber()} (spot cannot go short; execution.allow_short)`;
      if (!x.allow_short) {
        balance = base;
        reserved = amount;
      } else {
        balance = balances.quoteOf(inst);
        reserved = ZERO;
      }
    }
  } else if (!reduceOnly) {
    balance = balances.settleOf(inst);
    // Inverse: the value is in the base coin, contracts x contract size / price, at the price less
    // the slippage allowance (a lower price is worth more of the base coin).
    const value = inst.inverse
      ? inverseValue(amount, inst.cs, dec(tidy(ref / slip)))
      : dec(tidy(ref * slip))
          .times(amount)
          .times(inst.cs);
    const margin =
      inst.initialMargin === undefined
        ? value.dividedBy(dec(cfg.risk.max_leverage ?? 1))
        : value.times(inst.initialMargin);
    reserved = margin.plus((inst.inverse ? value : dec(notional)).times(fees.worst));
  }
  if (balance !== undefined && reserved.greaterThan(balance.free))
    return `insufficient ${balance.asset}: free ${money(balance.free.toNumber())}, needs ${money(reserved.toNumber())} including fees`;
  return { balance, amount: reserved };
}
