/** An order as the engine holds it while it lives (docs/execution.md). */

import type { Exact as Dec } from '../backtest/exact.js';
import type { TimeInForce } from '../backtest/strategy.js';
import type { Instrument } from '../market/instrument.js';
import type { Balance } from '../portfolio/balance.js';
import type { OrderStatus } from './lifecycle.js';

export type Side = 'buy' | 'sell';
/** How an order executes once it is live: at the market, or at a limit. */
export type OrderKind = 'market' | 'limit';
/** What the strategy asked for (the `kind` of the intent and of the `order` records). */
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit' | 'take_profit' | 'trailing_stop';

/** The conditional part of an order: a trigger, a trailing distance, its OCO group, its bracket. */
export interface Conditional {
  /** The trigger price (for a trailing stop it ratchets). */
  trigger: number;
  readonly trail: number | undefined;
  readonly trailPercent: number | undefined;
  /** The most favourable price seen since the trailing stop was armed. */
  best: number;
  /** When it triggered (time text), once it has. */
  triggeredAt: string | undefined;
}
export type Liquidity = 'maker' | 'taker';

export interface Order {
  readonly id: number;
  readonly inst: Instrument;
  readonly side: Side;
  readonly kind: OrderKind;
  /** (Amends change it.) */
  price: number | undefined;
  /** (Bracket children grow with their entry's fills and shrink with their sibling's.) */
  amount: Dec;
  amountNum: number;
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
  /** What the strategy asked for; `kind` is how it executes. */
  readonly type: OrderType;
  /** Stops, take-profits and trailing stops: undefined for plain market and limit orders. */
  readonly cond: Conditional | undefined;
  /** Its one-cancels-other group. */
  readonly oco: string | undefined;
  /** A bracket entry's stop-loss and take-profit trigger prices; its children once it fills. */
  readonly bracket: { readonly stop_loss: number; readonly take_profit: number } | undefined;
  readonly children: Order[];
  /** A bracket child's entry. */
  readonly parentId: number | undefined;
  /** Good till this event time (microseconds; +Infinity: no expiry). */
  readonly expireUs: number;
  /** A conditional order whose entry latency has elapsed: it may trigger. */
  armed: boolean;
  /** An amend asked for, and when it takes effect. */
  amend:
    | { readonly atUs: number; readonly price?: number; readonly trigger?: number; readonly amount?: number }
    | undefined;
}

/** Whether an order rests when it does not cross (gtc and gtd), rather than expiring (ioc, fok). */
export function rests(o: Order): boolean {
  return o.tif === 'gtc' || o.tif === 'gtd';
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
  readonly type?: OrderType;
  readonly cond?: Conditional | undefined;
  readonly oco?: string | undefined;
  readonly bracket?: { readonly stop_loss: number; readonly take_profit: number } | undefined;
  readonly parentId?: number | undefined;
  readonly expireUs?: number;
}
