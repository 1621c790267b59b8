/**
 * Reading an order intent (docs/strategies.md, docs/execution.md "Order types"): the shape a
 * strategy's order must have. A malformed intent is rejected with the field it got wrong, never
 * guessed at.
 *
 *   kind            needs                            executes as
 *   market          -                                market
 *   limit           price                            limit
 *   stop            trigger_price                    market, once triggered
 *   stop_limit      trigger_price, price             limit, once triggered
 *   take_profit     trigger_price (price: a limit)   market (limit with price), once triggered
 *   trailing_stop   trail or trail_percent           market, once triggered
 *
 * Any kind may have `oco` (a group name) and `reduce_only`; market and limit entries may have
 * `bracket: {stop_loss, take_profit}`; `time_in_force: "gtd"` needs `expire_time`.
 */

import type { OrderIntent, TimeInForce } from '../backtest/strategy.js';
import { parseTime } from '../records/time.js';
import type { OrderKind, OrderType, Side } from './order.js';

export interface ReadIntent {
  readonly side: Side;
  /** How it executes (market or limit). */
  readonly kind: OrderKind;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly trigger: number | undefined;
  readonly trail: number | undefined;
  readonly trailPercent: number | undefined;
  readonly oco: string | undefined;
  readonly bracket: { readonly stop_loss: number; readonly take_profit: number } | undefined;
  readonly expireUs: number;
}

const TYPES: readonly OrderType[] = ['market', 'limit', 'stop', 'stop_limit', 'take_profit', 'trailing_stop'];
const positive = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);

/** The intent's side, kind and time in force, or the reason it is malformed. */
export function readIntent(intent: OrderIntent): ReadIntent | string {
  const side = intent.side;
  if (side !== 'buy' && side !== 'sell')
    return `malformed intent: "side" must be "buy" or "sell", found ${JSON.stringify(side)}`;
  const type = intent.kind ?? (intent.price === undefined ? 'market' : 'limit');
  if (!TYPES.includes(type as OrderType))
    return `malformed intent: "kind" must be one of ${TYPES.join(', ')}, found ${JSON.stringify(type)}`;
  const tif = intent.time_in_force ?? 'gtc';
  if (tif !== 'gtc' && tif !== 'ioc' && tif !== 'fok' && tif !== 'gtd')
    return `malformed intent: "time_in_force" must be gtc, ioc, fok or gtd, found ${JSON.stringify(tif)}`;
  const limit =
    type === 'limit' || type === 'stop_limit' || (type === 'take_profit' && intent.price !== undefined);
  if (limit && !positive(intent.price))
    return `malformed intent: a ${type} order needs a "price" > 0, found ${JSON.stringify(intent.price)}`;
  if (intent.amount !== undefined && !positive(intent.amount))
    return `malformed intent: "amount" must be a number > 0, found ${JSON.stringify(intent.amount)}`;
  const triggered = type === 'stop' || type === 'stop_limit' || type === 'take_profit';
  if (triggered && !positive(intent.trigger_price))
    return `malformed intent: a ${type} order needs a "trigger_price" > 0, found ${JSON.stringify(intent.trigger_price)}`;
  let trail: number | undefined;
  let trailPercent: number | undefined;
  if (type === 'trailing_stop') {
    if ((intent.trail === undefined) === (intent.trail_percent === undefined))
      return 'malformed intent: a trailing_stop needs one of "trail" (a price distance) or "trail_percent"';
    if (intent.trail !== undefined && !positive(intent.trail))
      return `malformed intent: "trail" must be a number > 0, found ${JSON.stringify(intent.trail)}`;
    if (intent.trail_percent !== undefined && !(positive(intent.trail_percent) && intent.trail_percent < 100))
      return `malformed intent: "trail_percent" must be in (0, 100), found ${JSON.stringify(intent.trail_percent)}`;
    trail = intent.trail;
    trailPercent = intent.trail_percent;
  }
  if (intent.oco !== undefined && (typeof intent.oco !== 'string' || intent.oco.length === 0))
    return `malformed intent: "oco" must be a group name (a string), found ${JSON.stringify(intent.oco)}`;
  const b = intent.bracket;
  if (b !== undefined) {
    if (type !== 'market' && type !== 'limit')
      return `malformed intent: "bracket" is for market and limit entries, not ${type}`;
    if (typeof b !== 'object' || b === null || !positive(b.stop_loss) || !positive(b.take_profit))
      return `malformed intent: "bracket" must be {stop_loss, take_profit} with prices > 0, found ${JSON.stringify(b)}`;
    const longEntry = side === 'buy';
    if (longEntry ? !(b.stop_loss < b.take_profit) : !(b.stop_loss > b.take_profit))
      return `malformed intent: a ${side} bracket needs its stop_loss ${longEntry ? 'below' : 'above'} its take_profit, found ${JSON.stringify(b)}`;
  }
  let expireUs = Number.POSITIVE_INFINITY;
  if (tif === 'gtd') {
    const t = parseTime(intent.expire_time);
    if (t === undefined)
      return `malformed intent: time_in_force gtd needs an "expire_time" (ISO or epoch ms), found ${JSON.stringify(intent.expire_time)}`;
    expireUs = t.us;
  }
  return {
    side,
    kind: limit ? 'limit' : 'market',
    type: type as OrderType,
    tif,
    trigger: triggered ? intent.trigger_price : undefined,
    trail,
    trailPercent,
    oco: intent.oco,
    bracket: b === undefined ? undefined : { stop_loss: b.stop_loss, take_profit: b.take_profit },
    expireUs,
  };
}
