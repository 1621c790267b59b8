/**
 * What matching knows of a limit order when it becomes live: whether it takes liquidity on arrival
 * (it crosses the best opposite price, else the last price) and the queue ahead of it (the visible
 * amount at its price on its side: the book's level, the quote's top when it is at the top; behind
 * the top: unknown; better than the top: none).
 */

import type { Instrument } from '../market/instrument.js';
import type { Order } from '../orders/order.js';

/** The price a limit is compared with on arrival (the best opposite price, else the last). */
export function arrivalReference(inst: Instrument, buy: boolean): number {
  return buy ? (inst.ask > 0 ? inst.ask : inst.last) : inst.bid > 0 ? inst.bid : inst.last;
}

export function queueAhead(inst: Instrument, o: Order): number {
  const buy = o.side === 'buy';
  const p = o.price!;
  const same = buy ? inst.bid : inst.ask;
  if (inst.book !== undefined) return (buy ? inst.book.bids : inst.book.asks).amount(p) ?? 0;
  if (same === p) return buy ? inst.bidAmt : inst.askAmt;
  if ((buy && same > 0 && p < same) || (!buy && same > 0 && p > same)) return Number.POSITIVE_INFINITY;
  return same > 0 ? 0 : Number.POSITIVE_INFINITY;
}
