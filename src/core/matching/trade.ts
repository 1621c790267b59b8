/**
 * Fills against a trade (docs/execution.md, "Trades"):
 * - market orders fill at the trade's price, with slippage;
 * - a limit the trade does not reach: ioc/fok expire, gtc rests;
 * - a marketable limit (taker on arrival) or an ioc/fok one fills whole at the trade's price as
 *   taker (post-only ones do not);
 * - a resting limit the trade goes through fills whole at its own price, as maker;
 * - at its price, it fills only by what trades beyond the queue ahead of it, from the other side
 *   (an unknown queue never fills at the touch).
 */

import { dec } from '../backtest/exact.js';
import { tidy } from '../backtest/money.js';
import type { Instrument } from '../market/instrument.js';
import { rests } from '../orders/order.js';
import type { Execution } from './execution.js';

export interface TradeEvent {
  readonly price: number;
  readonly amount: number;
  readonly side: string;
}

export function tradeFills(inst: Instrument, t: TradeEvent, x: Execution): void {
  const { price, amount, side } = t;
  for (const o of [...inst.orders]) {
    if (!o.live) continue;
    if (o.kind === 'market') {
      x.fillMarket(o, price);
      continue;
    }
    const p = o.price!;
    const buy = o.side === 'buy';
    const crosses = buy ? price <= p : price >= p;
    if (!crosses) {
      if (!rests(o)) x.expire(o, `${o.tif} limit did not cross`);
      continue;
    }
    if (o.taker || !rests(o)) {
      if (o.postOnly) continue;
      x.fill(o, price, o.amount.minus(o.filled), 'taker');
      continue;
    }
    const through = buy ? price < p : price > p;
    if (through) {
      x.fill(o, p, o.amount.minus(o.filled), 'maker');
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
      x.fill(o, p, can.lessThan(rest) ? can : rest, 'maker');
    }
  }
}
