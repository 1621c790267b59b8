/** Slippage and impact on taker fills: against the trader, then rounded to the tick against the trader. */

import type { ExecutionConfig } from '../backtest/config.js';
import { dec } from '../backtest/exact.js';
import { tidy } from '../backtest/money.js';
import type { Instrument } from '../market/instrument.js';
import type { Side } from '../orders/order.js';

/** `slippage_bps + impact_bps x (notional / 1,000,000)`, applied to `price`. */
export function slippedPrice(
  x: ExecutionConfig,
  inst: Instrument,
  side: Side,
  price: number,
  amount: number,
): number {
  // (In the quote currency: an inverse contract's amount x contract size.)
  const notional = inst.inverse ? amount * inst.csNum : price * amount * inst.csNum;
  const bps = x.slippage_bps + x.impact_bps * (notional / 1_000_000);
  if (bps === 0) return price;
  const p = price * (side === 'buy' ? 1 + bps / 10_000 : 1 - bps / 10_000);
  return roundAgainst(inst, p, side);
}

/** A price moved by slippage, rounded to the tick against the trader. */
export function roundAgainst(inst: Instrument, p: number, side: Side): number {
  if (inst.tick === undefined) return tidy(p);
  const t = inst.tick;
  const q = dec(tidy(p)).dividedBy(t);
  return (side === 'buy' ? q.ceil() : q.floor()).times(t).toNumber();
}
