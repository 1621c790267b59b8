/**
 * The strategy interface (docs/strategies.md): a strategy is called with each market record and each
 * of its fills, sees a read-only context, and returns order intents. Built-in strategies use exactly
 * this interface; users' modules export a `create(params, tools)` function returning the same object.
 */

import type { WireRecord } from '../records/record.js';
import type { Indicators } from './indicators.js';

export type Side = 'buy' | 'sell';
export type TimeInForce = 'gtc' | 'ioc' | 'fok' | 'gtd';
export type OrderIntentKind = 'market' | 'limit' | 'stop' | 'stop_limit' | 'take_profit' | 'trailing_stop';

/** An order a strategy wants. Missing `exchange`/`symbol` mean the record's; a missing `amount` is sized. */
export interface OrderIntent {
  side: Side;
  /** Default: `limit` with a price, else `market` (docs/execution.md, "Order types"). */
  kind?: OrderIntentKind;
  /** The limit price (limit, stop_limit, take_profit as a limit). */
  price?: number;
  /** stop, stop_limit, take_profit: the price that triggers it. */
  trigger_price?: number;
  /** trailing_stop: the distance from the best price, in price or in percent. */
  trail?: number;
  trail_percent?: number;
  /** One-cancels-other group: when one order of the group fills or triggers, the others are cancelled. */
  oco?: string;
  /** On a market or limit entry: a stop-loss and a take-profit, active when the entry fills. */
  bracket?: { stop_loss: number; take_profit: number };
  amount?: number;
  time_in_force?: TimeInForce;
  /** time_in_force gtd: the event time it expires at (ISO or epoch ms). */
  expire_time?: string | number;
  post_only?: boolean;
  reduce_only?: boolean;
  exchange?: string;
  symbol?: string;
  /** Free text carried onto the order record. */
  tag?: string;
}

/** Close the position (a reduce-only market order for all of it). */
export interface CloseIntent {
  close: true;
  exchange?: string;
  symbol?: string;
}

/** Cancel one order (by id) or all open orders of an instrument (`"all"`). */
export interface CancelIntent {
  cancel: number | 'all';
  exchange?: string;
  symbol?: string;
}

/** Amend an open order's price, trigger price or amount; it takes effect after the order latency. */
export interface AmendIntent {
  amend: number;
  price?: number;
  trigger_price?: number;
  amount?: number;
  exchange?: string;
  symbol?: string;
}

export type Intent = OrderIntent | CloseIntent | CancelIntent | AmendIntent;

export interface PositionView {
  /** Signed: > 0 long, < 0 short, 0 flat. */
  readonly amount: number;
  readonly entry_price: number | undefined;
}

export interface OpenOrderView {
  readonly id: number;
  readonly side: Side;
  readonly kind: OrderIntentKind;
  readonly price: number | undefined;
  readonly amount: number;
  readonly filled_amount: number;
  readonly status: string;
}

/** What a strategy may read. Everything is a snapshot of the engine at the current event time. */
export interface StrategyContext {
  /** The current event time (ISO) and in microseconds since the epoch. */
  readonly time: string;
  readonly timeUs: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly indicators: Indicators;
  position(symbol?: string, exchange?: string): PositionView;
  balance(asset: string, exchange?: string): { total: number; free: number };
  openOrders(symbol?: string, exchange?: string): readonly OpenOrderView[];
  /** The last price seen (close, trade price or mid). */
  price(symbol?: string, exchange?: string): number | undefined;
  /** Total account value in the account's quote asset, positions marked to the last price. */
  equity(): number;
  /** The amount the configured sizing gives for an order on this instrument now (before lot rounding). */
  size(symbol?: string, exchange?: string): number;
}

// biome-ignore lint/suspicious/noConfusingVoidType: a strategy may simply not return.
export type Decision = Intent | readonly Intent[] | undefined | null | void;

export interface Strategy {
  /** Market records: candle, trade, quote, book, funding. */
  onRecord?(record: WireRecord, ctx: StrategyContext): Decision;
  /** A fill of one of this strategy's orders. */
  onFill?(fill: WireRecord, ctx: StrategyContext): Decision;
  /** A `disconnect` record: data for that venue (and symbol) may be missing until it resumes. */
  onDisconnect?(record: WireRecord, ctx: StrategyContext): Decision;
}

export interface StrategyTools {
  readonly indicators: Indicators;
}

export interface StrategyFactory {
  readonly name: string;
  readonly description: string;
  /** Parameter names with their defaults (for help and for rejecting misspelt ones). */
  readonly defaults: Readonly<Record<string, unknown>>;
  create(params: Readonly<Record<string, unknown>>, tools: StrategyTools): Strategy;
}
