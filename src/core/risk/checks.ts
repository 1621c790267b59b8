/**
 * Pre-trade risk (docs/execution.md, "Risk"): each check is one small function that approves an
 * order (undefined) or refuses it with its reason; the lists run them in order and the first
 * refusal rejects the order. Reduce-only orders pass the gates and
 * only the minimum notional of the limits (`REDUCE_ONLY_LIMITS`).
 *
 * - `GATES` run before the order is priced and sized: trading enabled, venue connected, the
 *   instrument's cooldown after a losing trade, its trades today under max_trades_per_day;
 * - `LIMITS` run on the priced, sized order: minimum notional, max_order_notional,
 *   max_position_amount, max_position_notional, max_exposure_percent, max_leverage,
 *   max_open_orders (resting limit orders). An instrument's own limits (`risk.instruments`, keyed
 *   `exchange:symbol`) override the global ones for it (limitsFor).
 */

import type { RiskConfig } from '../backtest/config.js';
import { money, tidy } from '../backtest/money.js';
import { type Instrument, notionalOf } from '../market/instrument.js';
import type { Marked } from '../marks/equity.js';
import type { OrderKind, Side } from '../orders/order.js';

/** An order as risk sees it. */
export interface RiskRequest {
  readonly inst: Instrument;
  readonly side: Side;
  readonly kind: OrderKind;
  /** Its amount (lot-rounded) and reference price (its limit, else the last price). */
  readonly amount: number;
  readonly ref: number;
  /** amount x ref x contract size. */
  readonly notional: number;
  readonly reduceOnly: boolean;
}

/** What the checks may read of the account. */
export interface RiskView {
  /** The global limits. */
  readonly limits: RiskConfig;
  /** The clock, for cooldowns and days. */
  readonly nowUs: number;
  readonly enabled: boolean;
  venueDown(inst: Instrument): boolean;
  /** Equity and exposure now (the object is reused: read it at once). */
  equity(): Marked;
  /** Resting limit orders across all instruments. */
  openLimitOrders(): number;
}

export type RiskCheck = (r: RiskRequest, v: RiskView) => string | undefined;

/** The limits for an instrument: its own (`risk.instruments["exchange:symbol"]`) over the global ones. */
export function limitsFor(limits: RiskConfig, inst: Instrument): RiskConfig {
  const own = limits.instruments?.[inst.key];
  return own === undefined ? limits : { ...limits, ...own };
}

export const cooldown: RiskCheck = (r, v) =>
  !r.reduceOnly && v.nowUs < r.inst.cooldownUntilUs
    ? `cooldown after a losing trade on ${r.inst.symbol} until ${new Date(r.inst.cooldownUntilUs / 1000).toISOString()}`
    : undefined;

export const tradesPerDay: RiskCheck = (r, v) => {
  const limit = limitsFor(v.limits, r.inst).max_trades_per_day;
  if (r.reduceOnly || limit === undefined) return undefined;
  const today = Math.floor(v.nowUs / 86_400_000_000) === r.inst.tradesDay ? r.inst.tradesToday : 0;
  return today >= limit
    ? `${today} trades on ${r.inst.symbol} today: max_trades_per_day is ${limit}`
    : undefined;
};

export const tradingEnabled: RiskCheck = (r, v) =>
  !r.reduceOnly && !v.enabled ? 'trading is disabled' : undefined;

export const venueConnected: RiskCheck = (r, v) =>
  !r.reduceOnly && v.venueDown(r.inst)
    ? `${r.inst.exchange} is disconnected: no new orders until its data resumes`
    : undefined;

export const minNotional: RiskCheck = (r) =>
  r.notional < r.inst.minNotional
    ? `notional ${money(r.notional)} is below the minimum ${r.inst.minNotional}`
    : undefined;

export const maxOrderNotional: RiskCheck = (r, v) => {
  const limits = limitsFor(v.limits, r.inst);
  return limits.max_order_notional !== undefined && r.notional > limits.max_order_notional
    ? `order notional ${money(r.notional)} exceeds max_order_notional ${limits.max_order_notional}`
    : undefined;
};

/** The position's signed amount after the order fills. */
function after(r: RiskRequest): number {
  return r.inst.pos.qtyNum + (r.side === 'buy' ? r.amount : -r.amount);
}

export const maxPositionAmount: RiskCheck = (r, v) => {
  const limits = limitsFor(v.limits, r.inst);
  const a = Math.abs(after(r));
  return limits.max_position_amount !== undefined && a > limits.max_position_amount
    ? `position amount ${tidy(a)} would exceed max_position_amount ${limits.max_position_amount}`
    : undefined;
};

export const maxPositionNotional: RiskCheck = (r, v) => {
  const limits = limitsFor(v.limits, r.inst);
  const n = r.inst.inverse ? notionalOf(r.inst, after(r), r.ref) : Math.abs(after(r)) * r.ref * r.inst.csNum;
  return limits.max_position_notional !== undefined && n > limits.max_position_notional
    ? `position notional ${money(n)} would exceed max_position_notional ${limits.max_position_notional}`
    : undefined;
};

/** Gross exposure with this instrument's position replaced by its position after the order. */
function exposureAfter(r: RiskRequest, e: Marked): number {
  if (r.inst.inverse)
    return e.exposure - notionalOf(r.inst, r.inst.pos.qtyNum, r.ref) + notionalOf(r.inst, after(r), r.ref);
  const cs = r.inst.csNum;
  return e.exposure - Math.abs(r.inst.pos.qtyNum) * r.ref * cs + Math.abs(after(r)) * r.ref * cs;
}

export const maxExposure: RiskCheck = (r, v) => {
  const limit = limitsFor(v.limits, r.inst).max_exposure_percent;
  if (limit === undefined) return undefined;
  const e = v.equity();
  const exposure = exposureAfter(r, e);
  return exposure > (e.equity * limit) / 100
    ? `exposure ${money(exposure)} would exceed ${limit}% of equity ${money(e.equity)}`
    : undefined;
};

export const maxLeverage: RiskCheck = (r, v) => {
  const limit = v.limits.max_leverage;
  if (limit === undefined) return undefined;
  const e = v.equity();
  const exposure = exposureAfter(r, e);
  return exposure > e.equity * limit
    ? `leverage ${tidy(exposure / e.equity)} would exceed max_leverage ${limit}`
    : undefined;
};

export const maxOpenOrders: RiskCheck = (r, v) => {
  const limit = v.limits.max_open_orders;
  if (r.kind !== 'limit' || limit === undefined) return undefined;
  const resting = v.openLimitOrders();
  return resting >= limit ? `${resting} open orders: max_open_orders is ${limit}` : undefined;
};

export const GATES: readonly RiskCheck[] = [tradingEnabled, venueConnected, cooldown, tradesPerDay];
export const LIMITS: readonly RiskCheck[] = [
  minNotional,
  maxOrderNotional,
  maxPositionAmount,
  maxPositionNotional,
  maxExposure,
  maxLeverage,
  maxOpenOrders,
];
/** A reduce-only order adds no risk: only the venue's minimum applies. */
export const REDUCE_ONLY_LIMITS: readonly RiskCheck[] = [minNotional];

/** The first refusal of the list, or undefined when every check approves. */
export function refusal(checks: readonly RiskCheck[], r: RiskRequest, v: RiskView): string | undefined {
  for (const check of checks) {
    const reason = check(r, v);
    if (reason !== undefined) return reason;
  }
  return undefined;
}
