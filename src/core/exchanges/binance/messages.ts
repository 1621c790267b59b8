/**
 * The records of Binance's stream messages that carry no book state: `bookTicker` (a `quote`),
 * `trade` / `aggTrade` (a `trade`) and a closed `kline` (a `candle`). feed.ts routes each message
 * here and keeps the book procedure; `validate` is its boundary check (exchanges/intake.ts), which
 * returns the record to emit or undefined for one refused.
 *
 * Quotes and trades are most of a feed's records: their JSON text is built with them (the same
 * text JSON.stringify gives, which the tests check), which halves what writing them costs. A value
 * the template would print differently (a price that is not a finite number, an id that is not a
 * number) leaves the record to JSON.stringify.
 */

import { attachText, type WireRecord } from '../../records/record.js';
import { formatTime, US_PER_MS } from '../../records/time.js';
import { venueNumber } from '../intake.js';

type Raw = Record<string, unknown>;

/** The boundary check: the record to emit, or undefined when it is refused. */
export type Validate = (rec: Raw) => WireRecord | undefined;

/** Where a message is from: the exchange, and its name as JSON text. */
export interface Source {
  readonly exchange: string;
  readonly exchangeJson: string;
}

/** A string from the venue as JSON text (memoised: symbols repeat). */
const quotedCache = new Map<string, string>();
export function quoted(s: string): string {
  let q = quotedCache.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (quotedCache.size < 10_000) quotedCache.set(s, q);
  }
  return q;
}

/** A venue time in milliseconds as a wire time, or undefined when it is not a finite number. */
export function ms(v: unknown): string | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? formatTime(v * US_PER_MS, 'ms') : undefined;
}

/** A `bookTicker` message as a `quote` (spot's has no event time: `time` is then the receive time). */
export function tickerRecord(src: Source, d: Raw, local: string, validate: Validate): WireRecord | undefined {
  const time = ms(d.E) ?? local;
  const symbol = d.s;
  const bp = venueNumber(d.b);
  const ba = venueNumber(d.B);
  const ap = venueNumber(d.a);
  const aa = venueNumber(d.A);
  const u = d.u;
  const rec = {
    type: 'quote',
    time,
    local_time: local,
    exchange: src.exchange,
    symbol,
    bid_price: bp,
    bid_amount: ba,
    ask_price: ap,
    ask_amount: aa,
    sequence: u,
  };
  const ok = validate(rec);
  if (ok === rec && typeof symbol === 'string')
    attachText(
      rec,
      `{"type":"quote","time":"${time}","local_time":"${local}","exchange":${src.exchangeJson},"symbol":${quoted(symbol)},"bid_price":${bp},"bid_amount":${ba},"ask_price":${ap},"ask_amount":${aa},"sequence":${u}}`,
    );
  return ok;
}

/** A `trade` or `aggTrade` message as a `trade` (`m`, the buyer was the maker, means the aggressor sold). */
export function tradeRecord(src: Source, d: Raw, local: string, validate: Validate): WireRecord | undefined {
  // A trade time that is there but not a time is refused, not replaced by the receive time.
  const time = d.T === undefined ? (ms(d.E) ?? local) : (ms(d.T) ?? d.T);
  const symbol = d.s;
  const agg = d.e === 'aggTrade';
  const id = agg ? d.a : d.t;
  const price = venueNumber(d.p);
  const amount = venueNumber(d.q);
  const side = d.m === true ? 'sell' : 'buy';
  const rec: Raw = {
    type: 'trade',
    time,
    local_time: local,
    exchange: src.exchange,
    symbol,
    id,
    price,
    amount,
    side,
  };
  if (agg) {
    rec.first_id = d.f;
    rec.last_id = d.l;
  }
  const ok = validate(rec);
  if (ok === rec && !agg && typeof id === 'number' && typeof symbol === 'string') {
    attachText(
      rec,
      `{"type":"trade","time":"${time}","local_time":"${local}","exchange":${src.exchangeJson},"symbol":${quoted(symbol)},"id":${id},"price":${price},"amount":${amount},"side":"${side}"}`,
    );
  }
  return ok;
}

/** A `kline` message as a `candle`, only once `k.x` says it closed (undefined before). */
export function klineRecord(src: Source, d: Raw, local: string, validate: Validate): WireRecord | undefined {
  const k = d.k as Raw | undefined;
  if (k === null || typeof k !== 'object' || k.x !== true) return undefined;
  return validate({
    type: 'candle',
    time: typeof k.T === 'number' ? (ms(k.T + 1) ?? k.T) : k.T,
    local_time: local,
    exchange: src.exchange,
    symbol: k.s ?? d.s,
    interval: k.i,
    open_time: ms(k.t) ?? k.t,
    open: venueNumber(k.o),
    high: venueNumber(k.h),
    low: venueNumber(k.l),
    close: venueNumber(k.c),
    volume: venueNumber(k.v),
    quote_volume: venueNumber(k.q),
    trades: venueNumber(k.n),
    taker_buy_volume: venueNumber(k.V),
  });
}
