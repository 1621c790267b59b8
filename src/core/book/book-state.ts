/** One book's state in the orderbook stage: the book, its sequencer, its name as text and bytes, what was last emitted. */

import { decimalPlaces } from '../records/number-text.js';
import type { TimePrecision } from '../records/time.js';
import { OrderBook } from './book.js';
import { ruleFor, Sequencer } from './sequence.js';

export interface BookState {
  readonly book: OrderBook;
  readonly seq: Sequencer;
  readonly exchange: string;
  readonly symbol: string;
  readonly exchangeBytes: Buffer;
  readonly symbolBytes: Buffer;
  /** `"exchange":...,"symbol":...` as JSON, in UTF-8. */
  readonly head: Buffer;
  topBidP: number;
  topBidA: number;
  topAskP: number;
  topAskA: number;
  lastSequence: number;
  precision: TimePrecision;
  /** The end of the bucket with an unsent sample, or NaN. */
  pendingEnd: number;
  /** The last best bid and ask prices whose decimal places were counted, and the counts. */
  readonly decPrice: [number, number];
  readonly decPlaces: [number, number];
  /** Another book whose name hashes alike (OrderbookStage.byHash). */
  nextSameHash: BookState | undefined;
}

/** A new book's state, on its first record. */
export function newBookState(exchange: string, symbol: string): BookState {
  const head = `"exchange":${JSON.stringify(exchange)},"symbol":${JSON.stringify(symbol)}`;
  return {
    book: new OrderBook(),
    seq: new Sequencer(ruleFor(exchange)),
    exchange,
    symbol,
    exchangeBytes: Buffer.from(exchange, 'utf8'),
    symbolBytes: Buffer.from(symbol, 'utf8'),
    head: Buffer.from(head, 'utf8'),
    topBidP: Number.NaN,
    topBidA: Number.NaN,
    topAskP: Number.NaN,
    topAskA: Number.NaN,
    lastSequence: 0,
    precision: 'ms',
    pendingEnd: Number.NaN,
    decPrice: [Number.NaN, Number.NaN],
    decPlaces: [0, 0],
    nextSameHash: undefined,
  };
}

/** Decimal places of a best price, remembered per side while the price stays (most updates). */
export function priceDecimals(st: BookState, side: 0 | 1, price: number): number {
  if (st.decPrice[side] !== price) {
    st.decPrice[side] = price;
    st.decPlaces[side] = decimalPlaces(price);
  }
  return st.decPlaces[side]!;
}
