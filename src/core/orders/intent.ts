/**
 * Reading an order intent (docs/strategies.md): the shape a strategy's order must have. A malformed
 * intent is rejected with the field it got wrong, never guessed at.
 */

import type { OrderIntent, TimeInForce } from '../backtest/strategy.js';
import type { OrderKind, Side } from './order.js';

export interface ReadIntent {
  readonly side: Side;
  readonly kind: OrderKind;
  readonly tif: TimeInForce;
}

/** The intent's side, kind and time in force, or the reason it is malformed. */
export function readIntent(intent: OrderIntent): ReadIntent | string {
  const side = intent.side;
  if (side !== 'buy' && side !== 'sell')
    return `malformed intent: "side" must be "buy" or "sell", found ${JSON.stringify(side)}`;
  const kind = intent.kind ?? (intent.price === undefined ? 'market' : 'limit');
  if (kind !== 'market' && kind !== 'limit')
    return `malformed intent: "kind" must be "market" or "limit", found ${JSON.stringify(kind)}`;
  const tif = intent.time_in_force ?? 'gtc';
  if (tif !== 'gtc' && tif !== 'ioc' && tif !== 'fok')
    return `malformed intent: "time_in_force" must be gtc, ioc or fok, found ${JSON.stringify(tif)}`;
  if (
    kind === 'limit' &&
    !(typeof intent.price === 'number' && intent.price > 0 && Number.isFinite(intent.price))
  )
    return `malformed intent: a limit order needs a "price" > 0, found ${JSON.stringify(intent.price)}`;
  if (
    intent.amount !== undefined &&
    !(typeof intent.amount === 'number' && intent.amount > 0 && Number.isFinite(intent.amount))
  )
    return `malformed intent: "amount" must be a number > 0, found ${JSON.stringify(intent.amount)}`;
  return { side, kind, tif };
}
