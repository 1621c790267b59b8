/**
 * Per-instrument market state: what each data kind changes in an instrument's last known state.
 *
 * - candle: the last price is its close (after its fills);
 * - trade: the last price is its price (before its fills, so `onFill` sees it);
 * - quote, book: the top of book; the mid is the last price; the liquidity taken at the old top is
 *   back (a new top is a new book).
 */

import { OrderBook } from '../book/book.js';
import type { WireRecord } from '../records/record.js';
import type { Instrument } from './instrument.js';

/** Data kinds from coarsest to finest (the `auto` fill model follows the finest seen). */
export const KIND_RANK = { candle: 1, trade: 2, quote: 3, book: 4 } as const;
export type DataKind = keyof typeof KIND_RANK;

/** Records that the instrument has data of this kind. */
export function seen(inst: Instrument, kind: DataKind): void {
  if (KIND_RANK[kind] > inst.finest) inst.finest = KIND_RANK[kind];
}

/** A new top of book. */
export function setTop(inst: Instrument, bid: number, bidAmt: unknown, ask: number, askAmt: unknown): void {
  inst.bid = bid;
  inst.ask = ask;
  inst.bidAmt = typeof bidAmt === 'number' ? bidAmt : 0;
  inst.askAmt = typeof askAmt === 'number' ? askAmt : 0;
  inst.taken?.clear();
  if (bid > 0 && ask > 0) inst.last = (bid + ask) / 2;
}

/** A quote record's top of book. */
export function applyQuote(inst: Instrument, rec: WireRecord): void {
  setTop(inst, rec.bid_price as number, rec.bid_amount, rec.ask_price as number, rec.ask_amount);
}

/** A book record applied to the instrument's book (created on the first), then its top. */
export function applyBook(inst: Instrument, rec: WireRecord): void {
  inst.book ??= new OrderBook();
  const levels = (v: unknown): [number, number][] =>
    Array.isArray(v) ? v.map((l) => [Number((l as unknown[])[0]), Number((l as unknown[])[1])]) : [];
  inst.book.apply(levels(rec.bids), levels(rec.asks), rec.snapshot === true);
  const b = inst.book.bestBid();
  const a = inst.book.bestAsk();
  setTop(inst, b?.[0] ?? Number.NaN, b?.[1], a?.[0] ?? Number.NaN, a?.[1]);
}
