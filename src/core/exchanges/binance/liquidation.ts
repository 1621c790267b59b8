/**
 * Binance futures liquidation orders (`<symbol>@forceOrder`, USD-M and COIN-M) as `venue_liquidation`
 * records (docs/format.md). The payload, as Binance documents it ("Liquidation Order Streams",
 * developers.binance.com, derivatives/usds-margined-futures and coin-margined-futures):
 *
 *     {"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC",
 *      "q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}
 *
 * `S` is the side of the liquidation order (a SELL closes a long), kept as `side`; `q` the order's
 * quantity (`amount`), `p` its price, `ap` the average fill price (`average_price`, left out while it
 * is 0: nothing filled), `z` the accumulated filled quantity (`filled_amount`), `X` the order status,
 * `T` the trade time (`time`; the event time `E` when `T` is absent). COIN-M quantities are
 * contracts. Binance pushes at most one liquidation per symbol per second (the latest), so the
 * stream is a sample of the venue's liquidations, not all of them.
 */

import { formatTime, US_PER_MS } from '../../records/time.js';
import { venueNumber } from '../intake.js';

type Raw = Record<string, unknown>;

function msTime(v: unknown): unknown {
  return typeof v === 'number' && Number.isFinite(v) ? formatTime(v * US_PER_MS, 'ms') : v;
}

/** `BUY`/`SELL` as the wire format's sides; anything else as found, for the validator to refuse. */
export function orderSide(v: unknown): unknown {
  if (v === 'BUY') return 'buy';
  if (v === 'SELL') return 'sell';
  return v;
}

/**
 * The record of one forceOrder event (not yet validated), or undefined when the event has no order
 * object (not a message this parser knows).
 */
export function forceOrderRecord(exchange: string, d: Raw, local: string): Raw | undefined {
  const o = d.o as Raw | null | undefined;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const rec: Raw = {
    type: 'venue_liquidation',
    time: o.T === undefined ? msTime(d.E) : msTime(o.T),
    local_time: local,
    exchange,
    symbol: o.s,
    side: orderSide(o.S),
    price: venueNumber(o.p),
  };
  const ap = venueNumber(o.ap);
  if (ap !== 0 && ap !== undefined) rec.average_price = ap;
  rec.amount = venueNumber(o.q);
  if (o.z !== undefined) rec.filled_amount = venueNumber(o.z);
  if (typeof o.X === 'string') rec.status = o.X.toLowerCase();
  return rec;
}
