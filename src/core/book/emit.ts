/**
 * What the `orderbook` stage emits from a book (docs/orderbook.md): a `quote` when the top changed,
 * a `book` snapshot of the top levels when asked for, the last state of a bucket with `every`; and
 * how: as records, or, in byte mode (`orderbookNdjson`), as their NDJSON lines written into one
 * buffer in order. The books, their sequencing and the report are orderbook.ts's.
 */

import { ByteOut } from '../io/bytes.js';
import { decimalPlaces, roundTo as round, writeFixed } from '../records/number-text.js';
import { attachText, serialize, type WireRecord } from '../records/record.js';
import { formatTime } from '../records/time.js';
import { type BookState, priceDecimals } from './book-state.js';
import {
  put,
  Q_ASK_AMOUNT,
  Q_ASK_DEPTH,
  Q_ASK_PRICE,
  Q_BID_AMOUNT,
  Q_BID_DEPTH,
  Q_BID_PRICE,
  Q_HEAD,
  Q_IMBALANCE,
  Q_MICROPRICE,
  Q_MID,
  Q_SEQUENCE,
  Q_SPREAD,
  Q_SPREAD_BPS,
  QUOTE_ROOM,
} from './quote.js';

export interface EmitOptions {
  /** Levels a side for the imbalance. */
  readonly levels: number;
  /** Band around the mid for the depth figures, in basis points. */
  readonly band: number;
  readonly quotes: boolean;
  /** Book snapshots of this many levels a side. */
  readonly depth: number | undefined;
}

export class BookEmitter {
  private readonly levels: number;
  private readonly band: number;
  private readonly quotes: boolean;
  private readonly depth: number | undefined;
  /** Where a quote's text is built for a quote record. */
  private readonly scratch = new ByteOut(1024);
  /** In byte mode, where everything emitted is written, in order. */
  private sink: ByteOut | undefined;
  /** Records written to the sink. */
  private sunk = 0;

  constructor(options: EmitOptions) {
    this.levels = options.levels;
    this.band = options.band;
    this.quotes = options.quotes;
    this.depth = options.depth;
  }

  /** Emits a record: into the record batch, or as its line in byte mode. */
  emit(rec: WireRecord, out: WireRecord[]): void {
    const sink = this.sink;
    if (sink === undefined) {
      out.push(rec);
      return;
    }
    sink.line(serialize(rec));
    this.sunk++;
  }

  /** A quote when the top changed (and a depth snapshot when asked for). */
  change(st: BookState, time: string, out: WireRecord[]): void {
    if (this.depth !== undefined) this.emit(this.depthRecord(st, time), out);
    if (!this.quotes) return;
    // The top read without allocating (this runs once per update).
    const bids = st.book.bids;
    const asks = st.book.asks;
    const bp = bids.bestPrice();
    const ap = asks.bestPrice();
    if (bp === undefined || ap === undefined) return;
    const ba = bids.bestAmount();
    const aa = asks.bestAmount();
    if (bp === st.topBidP && ba === st.topBidA && ap === st.topAskP && aa === st.topAskA) return;
    st.topBidP = bp;
    st.topBidA = ba;
    st.topAskP = ap;
    st.topAskA = aa;
    this.quote(st, time, bp, ba, ap, aa, out);
  }

  /** The state at the end of a bucket. */
  state(st: BookState, endUs: number, out: WireRecord[]): void {
    const time = formatTime(endUs, st.precision);
    if (this.depth !== undefined) this.emit(this.depthRecord(st, time), out);
    if (!this.quotes) return;
    const bp = st.book.bids.bestPrice();
    const ap = st.book.asks.bestPrice();
    if (bp !== undefined && ap !== undefined)
      this.quote(st, time, bp, st.book.bids.bestAmount(), ap, st.book.asks.bestAmount(), out);
  }

  /**
   * A quote: its JSON written as bytes (each figure from its known decimal places: writeFixed, the
   * same text as String without the general conversion), straight into the output in byte mode, or
   * into a record whose text it is.
   */
  private quote(
    st: BookState,
    time: string,
    bp: number,
    ba: number,
    ap: number,
    aa: number,
    out: WireRecord[],
  ): void {
    const book = st.book;
    const dBid = priceDecimals(st, 0, bp);
    const dAsk = priceDecimals(st, 1, ap);
    const d = Math.max(dBid, dAsk);
    const mid = round((bp + ap) / 2, d + 1);
    const spread = round(ap - bp, d);
    const total = ba + aa;
    // Depth within the band around the (unrounded) mid: OrderBook.depthWithin without its object.
    const m = (bp + ap) / 2;
    const bandBid = book.bidDepth(m, this.band);
    const bandAsk = book.askDepth(m, this.band);
    // Derived figures carry no more digits than they mean: the microprice to 1/10,000 of the
    // prices' last decimal, spread_bps to 1/10,000 of a basis point, the imbalance to 6 places.
    const microprice = total > 0 ? round((bp * aa + ap * ba) / total, d + 4) : mid;
    const spreadBps = mid > 0 ? round((spread / mid) * 10_000, 4) : 0;
    const imbalance = round(book.imbalance(this.levels) ?? 0, 6);
    const bidDepth = round(bandBid, 8);
    const askDepth = round(bandAsk, 8);
    const sequence = st.lastSequence;

    const o = this.sink ?? this.scratch;
    const start = this.sink === undefined ? 0 : o.at;
    o.at = start;
    o.ensure(QUOTE_ROOM + st.head.length + time.length * 3);
    const b = o.buf;
    const v = o.view();
    let w = put(v, b, start, Q_HEAD);
    // The time is in the canonical form: ASCII.
    for (let i = 0; i < time.length; i++) b[w++] = time.charCodeAt(i);
    b[w++] = 34; // "
    b[w++] = 44; // ,
    for (let i = 0; i < st.head.length; i++) b[w++] = st.head[i]!;
    w = writeFixed(b, put(v, b, w, Q_BID_PRICE), bp, dBid);
    w = writeFixed(b, put(v, b, w, Q_BID_AMOUNT), ba, decimalPlaces(ba));
    w = writeFixed(b, put(v, b, w, Q_ASK_PRICE), ap, dAsk);
    w = writeFixed(b, put(v, b, w, Q_ASK_AMOUNT), aa, decimalPlaces(aa));
    w = writeFixed(b, put(v, b, w, Q_MID), mid, d + 1);
    w = writeFixed(b, put(v, b, w, Q_MICROPRICE), microprice, d + 4);
    w = writeFixed(b, put(v, b, w, Q_SPREAD), spread, d);
    w = writeFixed(b, put(v, b, w, Q_SPREAD_BPS), spreadBps, 4);
    w = writeFixed(b, put(v, b, w, Q_IMBALANCE), imbalance, 6);
    w = writeFixed(b, put(v, b, w, Q_BID_DEPTH), bidDepth, 8);
    w = writeFixed(b, put(v, b, w, Q_ASK_DEPTH), askDepth, 8);
    w = writeFixed(b, put(v, b, w, Q_SEQUENCE), sequence, 0);
    b[w++] = 125; // }
    if (this.sink !== undefined) {
      b[w++] = 10;
      o.at = w;
      this.sunk++;
      return;
    }
    const rec: WireRecord = {
      type: 'quote',
      time,
      exchange: st.exchange,
      symbol: st.symbol,
      bid_price: bp,
      bid_amount: ba,
      ask_price: ap,
      ask_amount: aa,
      mid,
      microprice,
      spread,
      spread_bps: spreadBps,
      imbalance,
      bid_depth: bidDepth,
      ask_depth: askDepth,
      sequence,
    };
    attachText(rec, b.toString('utf8', 0, w));
    out.push(rec);
  }

  private depthRecord(st: BookState, time: string): WireRecord {
    const { bids, asks } = st.book.snapshot(this.depth!);
    return {
      type: 'book',
      time,
      exchange: st.exchange,
      symbol: st.symbol,
      snapshot: true,
      bids,
      asks,
      sequence: st.lastSequence,
    };
  }

  /** Whether in byte mode. */
  get sinking(): boolean {
    return this.sink !== undefined;
  }

  /** Byte mode: everything emitted until `unsink` is written into `out`. */
  sinkInto(out: ByteOut): void {
    this.sink = out;
    this.sunk = 0;
  }

  /** Leaves byte mode; returns how many records were written since `sinkInto`. */
  unsink(): number {
    this.sink = undefined;
    return this.sunk;
  }
}
