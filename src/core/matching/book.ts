/**
 * Fills against the visible book (docs/execution.md, "Quotes and books"; a quote is a book of one
 * level a side):
 * - market orders walk the book level by level with slippage; what the book cannot fill expires;
 * - a limit the best price does not reach: ioc/fok expire, gtc rests;
 * - a marketable limit (taker on arrival) or ioc/fok walks up to its price (fok: only when the
 *   whole amount is there; ioc: the remainder expires; post-only: never);
 * - a resting limit the other side has moved onto trades at its own price, as maker;
 * - liquidity taken is not there for the next order until the top of book changes.
 */

import { dec } from '../backtest/exact.js';
import { tidy } from '../backtest/money.js';
import type { Instrument } from '../market/instrument.js';
import { type Order, rests } from '../orders/order.js';
import type { Execution } from './execution.js';

export function bookFills(inst: Instrument, _event: undefined, x: Execution): void {
  for (const o of [...inst.orders]) {
    if (!o.live) continue;
    const buy = o.side === 'buy';
    const best = buy ? inst.ask : inst.bid;
    if (!(best > 0)) continue;
    if (o.kind === 'market') {
      walk(o, Number.POSITIVE_INFINITY, x);
      if (o.status !== 'filled') x.expire(o, 'the visible book was too thin');
      continue;
    }
    const p = o.price!;
    const crosses = buy ? best <= p : best >= p;
    if (!crosses) {
      if (!rests(o)) x.expire(o, `${o.tif} limit did not cross`);
      continue;
    }
    if (o.taker || !rests(o)) {
      if (o.postOnly) continue;
      if (o.tif === 'fok' && available(inst, o, p) < o.amount.minus(o.filled).toNumber()) {
        x.expire(o, 'fok: not enough liquidity at or better than the limit');
        continue;
      }
      walk(o, p, x);
      if (o.tif === 'ioc' && o.status !== 'filled') x.expire(o, 'ioc remainder');
      continue;
    }
    // A resting order the other side has moved onto: it trades at its own price, as maker.
    x.fill(o, p, o.amount.minus(o.filled), 'maker');
  }
}

function levels(inst: Instrument, buy: boolean): [number, number][] {
  if (inst.book !== undefined) {
    const side = buy ? inst.book.asks : inst.book.bids;
    return side.top(1000);
  }
  const p = buy ? inst.ask : inst.bid;
  const a = buy ? inst.askAmt : inst.bidAmt;
  return p > 0 ? [[p, a]] : [];
}

function available(inst: Instrument, o: Order, limit: number): number {
  let s = 0;
  for (const [p, a] of levels(inst, o.side === 'buy')) {
    if (o.side === 'buy' ? p > limit : p < limit) break;
    s += Math.max(0, a - (inst.taken?.get(p) ?? 0));
  }
  return s;
}

/** Takes visible liquidity up to `limit`, level by level; what it takes is not there for the next order. */
function walk(o: Order, limit: number, x: Execution): void {
  const inst = o.inst;
  for (const [p, a] of levels(inst, o.side === 'buy')) {
    if (o.status === 'filled') return;
    if (o.side === 'buy' ? p > limit : p < limit) return;
    const left = a - (inst.taken?.get(p) ?? 0);
    if (left <= 0) continue;
    const rest = o.amount.minus(o.filled);
    const can = dec(tidy(left));
    const amt = can.lessThan(rest) ? can : rest;
    inst.taken ??= new Map();
    inst.taken.set(p, (inst.taken.get(p) ?? 0) + amt.toNumber());
    x.fill(o, x.slipped(o, p, amt.toNumber()), amt, 'taker');
  }
}
