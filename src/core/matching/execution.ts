/**
 * The one interface behind which every matcher (candle, trade, book: matching/*.ts) works: a
 * matcher decides which of an instrument's live orders trade against a market event, at what price
 * and how much; the engine's fill desk (engine/fills.ts) does the rest (the account, the records,
 * the strategy's `onFill`).
 */

import type { Exact as Dec } from '../backtest/exact.js';
import type { Clock } from '../engine/clock.js';
import type { Instrument } from '../market/instrument.js';
import type { Liquidity, Order } from '../orders/order.js';

export interface Execution {
  /** The engine clock; its text is the time fills are stamped with (a candle stamps open fills at its open). */
  readonly clock: Clock;
  /** One fill of `amount` at `price` (already slipped where slippage applies). */
  fill(o: Order, price: number, amount: Dec, liquidity: Liquidity): void;
  /** The order's whole remainder at `price` with slippage, as taker. */
  fillMarket(o: Order, price: number): void;
  /** `price` moved by slippage and impact for `amount`, rounded to the tick against the trader. */
  slipped(o: Order, price: number, amount: number): number;
  /** Ends the order as expired, saying why. */
  expire(o: Order, reason: string): void;
}

/** A matcher: one market event against an instrument's live orders. */
export type Matcher<Event> = (inst: Instrument, event: Event, x: Execution) => void;
