/**
 * Bybit v5 `allLiquidation.{symbol}` messages (linear and inverse contracts) as `venue_liquidation`
 * records (docs/format.md). The message, as Bybit documents it ("All Liquidation", v5 public
 * websocket, pushed every 500 ms):
 *
 *     {"topic":"allLiquidation.ROSEUSDT","type":"snapshot","ts":1739502303204,
 *      "data":[{"T":1739502302929,"s":"ROSEUSDT","S":"Sell","v":"20000","p":"0.04499"}]}
 *
 * Bybit's `S` is the side of the **liquidated position** ("Buy": a long was liquidated). tickpipe's
 * `side` is the side of the liquidation order, as Binance reports it, so the two venues mean the
 * same thing: Bybit's "Buy" becomes `"sell"` and "Sell" becomes `"buy"`. `v` is the size (`amount`:
 * base asset for linear contracts, contracts for inverse), `p` the bankruptcy price (`price`),
 * `T` the time. Bybit gives no average fill price or status.
 */

import { formatTime, US_PER_MS } from '../../records/time.js';
import { venueNumber } from '../intake.js';

type Raw = Record<string, unknown>;

/** The position's side as the side of the order that closed it; anything else as found. */
function closingSide(v: unknown): unknown {
  if (v === 'Buy') return 'sell';
  if (v === 'Sell') return 'buy';
  return v;
}

/** The records of one allLiquidation entry (not yet validated). */
export function allLiquidationRecord(exchange: string, t: Raw, local: string | undefined): Raw {
  const T = venueNumber(t.T);
  const rec: Raw = {
    type: 'venue_liquidation',
    time: typeof T === 'number' && Number.isFinite(T) ? formatTime(T * US_PER_MS, 'ms') : t.T,
  };
  if (local !== undefined) rec.local_time = local;
  rec.exchange = exchange;
  rec.symbol = t.s;
  rec.side = closingSide(t.S);
  rec.price = venueNumber(t.p);
  rec.amount = venueNumber(t.v);
  return rec;
}
