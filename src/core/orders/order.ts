/** An order as the engine holds it while it lives (docs/execution.md). */

import type { Exact as Dec } from '../backtest/exact.js';
import type { TimeInForce } from '../backtest/strategy.js';
import type { Instrument } from '../market/instrument.js';
import type { Balance } from '../portfolio/balance.js';
import type { OrderStatus } from './lifecycle.js';

export type Side = 'buy' | 'sell';
export type OrderKind = 'market' | 'limit';
export type Liquidity = 'maker' | 'taker';

export interface Order {
  readonly id: number;
  readonly inst: Instrument;
  readonly side: Side;
  readonly kind: OrderKind;
  readonly price: number | undefined;
  readonly amount: Dec;
  readonly amountNum: number;
  filled: Dec;
  filledNum: number;
  readonly tif: TimeInForce;
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  status: OrderStatus;
  /** When its entry latency has elapsed (event time, microseconds). */
  readonly liveUs: number;
  /** When a cancel asked for takes effect (+Infinity: none asked for). */
  cancelUs: number;
  /** Eligible to fill (its entry latency has elapsed). */
  live: boolean;
  /** Taker on arrival (a limit that crossed the market when it became live). */
  taker: boolean;
  /** What it reserves from its balance. */
  reserve: Balance | undefined;
  reserved: Dec;
  /** Amount ahead of it at its price (trade and book fills), when known. */
  queue: number;
  readonly tag: string | undefined;
  /** Market orders created on a candle fill at that candle's close (fill_at=close). */
  atClose: boolean;
}

/** What an order is asked to be; the rest of its fields start the same for every order. */
export interface OrderSpec {
  readonly inst: Instrument;
  readonly side: Side;
  readonly kind: OrderKind;
  readonly price: number | undefined;
  readonly amount: Dec;
  readonly tif: TimeInForce;
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  readonly tag: string | undefined;
}
