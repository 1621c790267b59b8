/**
 * When a conditional order triggers (docs/execution.md, "Trigger rules"), per data kind:
 * - the side's price: a buy stop (stop, stop_limit, trailing_stop) triggers when the price rises to
 *   its trigger, a sell stop when it falls to it; a buy take-profit when the price falls to its
 *   trigger, a sell take-profit when it rises to it;
 * - trade: the trade's price;
 * - quote and book: the ask for buy orders, the bid for sell orders;
 * - candle: the high and the low; an open already through the trigger (a gap) triggers at the open
 *   and a market execution fills there, else at the trigger price;
 * - a trailing stop's trigger ratchets, never back: a sell's is the best (highest) price seen since
 *   it was armed less the trail (or times 1 - trail_percent/100), a buy's the lowest plus the
 *   trail; it is checked against the trigger from before the record, then ratcheted (on a candle:
 *   checked against the low/high, then ratcheted with the close, as backtrader's StopTrail does: the
 *   high or low may have come before the move that would have triggered it, so a candle moves the
 *   trigger only as far as where it ended).
 */

import type { Order } from './order.js';

/** A market event as the trigger rules see it: the prices each side compares with. */
export interface TriggerEvent {
  /** For buy orders: the highest and lowest price of the event. */
  readonly buyHigh: number;
  readonly buyLow: number;
  /** For sell orders. */
  readonly sellHigh: number;
  readonly sellLow: number;
  /** A candle's open (gaps), else NaN. */
  readonly open: number;
  /** A candle's close (a trailing stop ratchets with it), else NaN. */
  readonly close: number;
}

export function tradeEvent(price: number): TriggerEvent {
  return {
    buyHigh: price,
    buyLow: price,
    sellHigh: price,
    sellLow: price,
    open: Number.NaN,
    close: Number.NaN,
  };
}

export function topEvent(bid: number, ask: number): TriggerEvent {
  return { buyHigh: ask, buyLow: ask, sellHigh: bid, sellLow: bid, open: Number.NaN, close: Number.NaN };
}

export function candleEvent(open: number, high: number, low: number, close: number): TriggerEvent {
  return { buyHigh: high, buyLow: low, sellHigh: high, sellLow: low, open, close };
}

/** True for stop-type orders (they trigger against the trader); false for take-profits. */
export function isStop(o: Order): boolean {
  return o.type !== 'take_profit';
}

/**
 * Whether `o` triggers on `e`, and at what price a market execution fills: the open when it gapped
 * through, else the trigger price (candles), or NaN (ticks: the matcher fills at the event's price).
 */
export function fires(o: Order, e: TriggerEvent): number | undefined {
  const c = o.cond!;
  const t = c.trigger;
  const buy = o.side === 'buy';
  const hi = buy ? e.buyHigh : e.sellHigh;
  const lo = buy ? e.buyLow : e.sellLow;
  if (!(hi > 0 && lo > 0)) return undefined;
  // Rising to the trigger: buy stops and sell take-profits; falling: sell stops and buy take-profits.
  const rising = buy === isStop(o);
  if (rising ? hi < t : lo > t) return undefined;
  if (Number.isNaN(e.open)) return Number.NaN;
  return (rising ? e.open >= t : e.open <= t) ? e.open : t;
}

/** Ratchets a trailing stop's trigger with the event's favourable price. */
export function ratchet(o: Order, e: TriggerEvent): void {
  const c = o.cond!;
  if (o.type !== 'trailing_stop') return;
  const buy = o.side === 'buy';
  const best = Number.isNaN(e.close) ? (buy ? e.buyLow : e.sellHigh) : e.close;
  if (!(best > 0)) return;
  if (buy ? best < c.best || Number.isNaN(c.best) : best > c.best || Number.isNaN(c.best)) c.best = best;
  c.trigger = trailFrom(o, c.best);
}

/** The trailing trigger for a best price. */
export function trailFrom(o: Order, best: number): number {
  const c = o.cond!;
  const buy = o.side === 'buy';
  if (c.trail !== undefined) return buy ? best + c.trail : best - c.trail;
  const f = c.trailPercent! / 100;
  return buy ? best * (1 + f) : best * (1 - f);
}
