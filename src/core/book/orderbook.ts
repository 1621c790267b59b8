/**
 * The `orderbook` stage: rebuilds one book per (exchange, symbol) from `book` records, checks the
 * venue's sequencing, and emits what strategies read off a book. Other records pass through
 * unchanged and in order; `book` records are consumed.
 *
 * Output (docs/orderbook.md):
 * - quotes (default): a `quote` whenever the top of a book changes, with mid, microprice, spread,
 *   spread_bps, imbalance (top --levels) and the depth within --band-bps of the mid on each side;
 * - depth: a `book` snapshot of the top --depth levels after every applied update;
 * - with an `every` interval: the last state in each bucket of event time, stamped at the bucket's
 *   end, instead of one per change (buckets in which the book changed).
 * A sequence gap emits a `disconnect` for that book (with the expected and found sequence); the book
 * is not emitted again until its next snapshot.
 *
 * Its two ways in, over records and over NDJSON bytes, are in orderbook-io.ts; its report in
 * orderbook-report.ts.
 */

import { DataError } from '../errors.js';
import { ByteOut } from '../io/bytes.js';
import type { ErrorPolicy } from '../io/lines.js';
import type { Stage } from '../io/stream.js';
import { decimalPlaces, roundTo as round, writeFixed } from '../records/number-text.js';
import { attachText, lineOf, serialize, type WireRecord } from '../records/record.js';
import { formatTime, type TimePrecision, TimeReader } from '../records/time.js';
import type { OrderBook } from './book.js';
import { bytesHash, nameHash, sameBytes } from './book-names.js';
import { type BookState, newBookState, priceDecimals } from './book-state.js';
import type { OrderbookReport } from './orderbook-report.js';
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
import { BookScan } from './scan.js';
import { invalidSequence, readRecordUpdate, scannedInBounds, sequencesValid, where } from './update.js';

export interface OrderbookOptions {
  /** Levels a side for the imbalance (default 5). */
  readonly levels?: number;
  /** Band around the mid for the depth figures, in basis points (default 10). */
  readonly bandBps?: number;
  readonly quotes?: boolean;
  /** Emit book snapshots of this many levels a side. */
  readonly depth?: number | undefined;
  /** Sample in buckets of this many microseconds of event time. */
  readonly everyUs?: number | undefined;
  /** Remove the stale side's crossing levels after an update crosses the book. */
  readonly uncross?: boolean;
  /** A gap is an error. */
  readonly strict?: boolean;
  /** Name of the input, for messages. */
  readonly source?: string;
  /**
   * What a book record with a sequence that is not a safe integer does (`--on-error`): it is never
   * applied; without a policy it throws.
   */
  readonly policy?: ErrorPolicy;
}

/** The record batch of byte mode, where nothing is put (everything goes to the sink). */
export const NO_RECORDS: WireRecord[] = [];

export class OrderbookStage implements Stage {
  readonly report: OrderbookReport = {
    books: 0,
    applied: 0,
    snapshots: 0,
    stale: 0,
    unsynced: 0,
    gaps: 0,
    crossed: 0,
    uncrossedLevels: 0,
    refused: 0,
    firstGap: undefined,
    firstCrossed: undefined,
  };
  private readonly books = new Map<string, BookState>();
  /** The books by a hash of their exchange's and symbol's bytes (the byte path), chained on collisions. */
  private readonly byHash = new Map<number, BookState>();
  private last: BookState | undefined;
  private readonly timeReader = new TimeReader();
  private readonly levels: number;
  private readonly band: number;
  private readonly quotes: boolean;
  /** A record's levels, copied and checked (the record path); the byte path has its own scan. */
  private readonly update = new BookScan();
  /** Where a quote's text is built for a quote record. */
  private readonly scratch = new ByteOut(1024);
  /** In byte mode (`orderbookNdjson`), where everything emitted is written, in order. */
  private sink: ByteOut | undefined;
  /** Records written to the sink. */
  private sunk = 0;

  constructor(private readonly options: OrderbookOptions = {}) {
    this.levels = options.levels ?? 5;
    this.band = options.bandBps ?? 10;
    this.quotes = options.quotes ?? options.depth === undefined;
  }

  private where(line: number | undefined): string {
    return where(this.options.source ?? 'input', line);
  }

  /** Emits a record: into the record batch, or as its line in byte mode. */
  private emit(rec: WireRecord, out: WireRecord[]): void {
    const sink = this.sink;
    if (sink === undefined) {
      out.push(rec);
      return;
    }
    sink.line(serialize(rec));
    this.sunk++;
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    if (rec.type !== 'book') {
      this.emit(rec, out);
      return;
    }
    const line = lineOf(rec);
    const exchange = rec.exchange;
    const symbol = rec.symbol;
    if (typeof exchange !== 'string' || typeof symbol !== 'string')
      throw new DataError(this.where(line), 'a book record needs "exchange" and "symbol"');
    // The time read without a ParsedTime object (this runs per record).
    const t = this.timeReader;
    if (!t.read(rec.time))
      throw new DataError(this.where(line), `expected a time for "time", found ${JSON.stringify(rec.time)}`);
    // Records written here carry the time in the wire's canonical form, whatever form it came in.
    const time = t.canonical ? (rec.time as string) : formatTime(t.us, t.precision);
    const u = this.update;
    readRecordUpdate(rec, u, this.options.source ?? 'input', line);
    if (!sequencesValid(u)) {
      this.refuseSequence(u, line, rec);
      return;
    }
    let st = this.last;
    if (st === undefined || st.symbol !== symbol || st.exchange !== exchange)
      st = this.bookOf(exchange, symbol);
    this.apply(st, u, time, t.us, t.precision, line, out);
  }

  /**
   * A book line read by `scanBook` from `s` (the byte path): the same as `push` of its record.
   * False, with nothing done, when its time is not in the canonical form (the record path then
   * takes the line, with its more general time reading and its errors).
   */
  pushScanned(s: Buffer, u: BookScan, line: number): boolean {
    // Byte mode only: what it emits goes to the sink.
    if (this.sink === undefined) throw new Error('OrderbookStage.pushScanned: call sinkInto first');
    if (!scannedInBounds(u)) return false;
    const time = s.toString('latin1', u.timeStart, u.timeEnd);
    const t = this.timeReader;
    if (!t.read(time) || !t.canonical) return false;
    // The same book as the last line's, mostly: compared as bytes, no strings made. Another book is
    // found by a hash of its name's bytes, still without a string (with many books, building and
    // hashing a key string per line was a sixth of the time).
    let st = this.last;
    if (
      st === undefined ||
      !sameBytes(s, u.symbolStart, u.symbolEnd, st.symbolBytes) ||
      !sameBytes(s, u.exchangeStart, u.exchangeEnd, st.exchangeBytes)
    ) {
      const h = nameHash(s, u);
      st = this.byHash.get(h);
      while (
        st !== undefined &&
        !(
          sameBytes(s, u.symbolStart, u.symbolEnd, st.symbolBytes) &&
          sameBytes(s, u.exchangeStart, u.exchangeEnd, st.exchangeBytes)
        )
      )
        st = st.nextSameHash;
      if (st === undefined)
        st = this.bookOf(
          s.toString('utf8', u.exchangeStart, u.exchangeEnd),
          s.toString('utf8', u.symbolStart, u.symbolEnd),
        );
      this.last = st;
    }
    this.apply(st, u, time, t.us, t.precision, line, NO_RECORDS);
    return true;
  }

  /** The state of a book, made on its first record. */
  private bookOf(exchange: string, symbol: string): BookState {
    const key = `${exchange}\u0000${symbol}`;
    let st = this.books.get(key);
    if (st === undefined) {
      st = newBookState(exchange, symbol);
      this.books.set(key, st);
      const h = bytesHash(st.exchangeBytes, st.symbolBytes);
      st.nextSameHash = this.byHash.get(h);
      this.byHash.set(h, st);
      this.report.books++;
    }
    this.last = st;
    return st;
  }

  /** An update to a book: sequencing, the levels, crossing, and what it emits. */
  private apply(
    st: BookState,
    u: BookScan,
    time: string,
    us: number,
    precision: TimePrecision,
    line: number | undefined,
    out: WireRecord[],
  ): void {
    const every = this.options.everyUs;
    if (every !== undefined && !Number.isNaN(st.pendingEnd) && us >= st.pendingEnd) {
      this.emitState(st, st.pendingEnd, out);
      st.pendingEnd = Number.NaN;
    }
    const book = st.book;
    const sequence = u.sequence;
    if (!sequencesValid(u)) {
      this.refuseSequence(u, line);
      return;
    }
    if (u.snapshot) {
      st.seq.snapshot(sequence);
      book.clear();
      this.setLevels(book, u);
      this.report.snapshots++;
    } else {
      const verdict = st.seq.check({
        sequence,
        first: Number.isNaN(u.firstSequence) ? undefined : u.firstSequence,
        prev: Number.isNaN(u.prevSequence) ? undefined : u.prevSequence,
      });
      if (verdict === 'stale') {
        this.report.stale++;
        return;
      }
      if (verdict === 'unsynced') {
        this.report.unsynced++;
        return;
      }
      if (verdict === 'gap') {
        const message = `${st.exchange} ${st.symbol} book sequence gap: expected ${st.seq.expected}, found ${st.seq.found}`;
        this.report.gaps++;
        this.report.firstGap ??= `${this.where(line)}: ${message}`;
        if (this.options.strict === true) throw new DataError(this.where(line), message);
        book.clear();
        st.topBidP = Number.NaN;
        st.topAskP = Number.NaN;
        st.pendingEnd = Number.NaN;
        this.emit(
          {
            type: 'disconnect',
            time,
            exchange: st.exchange,
            symbol: st.symbol,
            reason: 'book sequence gap',
            expected: st.seq.expected,
            found: st.seq.found,
          },
          out,
        );
        return;
      }
      const before = book.bids.bestPrice();
      this.setLevels(book, u);
      this.report.applied++;
      if (book.crossed()) {
        this.report.crossed++;
        this.report.firstCrossed ??= `${this.where(line)}: ${st.exchange} ${st.symbol} book crossed after the update (bid ${book.bids.bestPrice()} > ask ${book.asks.bestPrice()})`;
        if (this.options.uncross === true) {
          // The side this update moved is fresh; the other side's crossing levels are stale.
          const bidsMoved = u.bidCount > 0 && (u.askCount === 0 || book.bids.bestPrice() !== before);
          this.report.uncrossedLevels += book.uncross(bidsMoved ? 'asks' : 'bids');
        }
      }
    }
    st.lastSequence = sequence;
    st.precision = precision;
    if (every !== undefined) {
      st.pendingEnd = Math.floor(us / every) * every + every;
      return;
    }
    this.emitChange(st, time, out);
  }

  /**
   * A sequence that is not a safe integer (1e20, -1, 1.5, "abc") cannot be compared exactly: the
   * update is refused with its place rather than applied (one such would make every later update of
   * its book look stale).
   */
  private refuseSequence(u: BookScan, line: number | undefined, rec?: WireRecord): void {
    this.report.refused++;
    const detail = invalidSequence(u, rec);
    if (this.options.policy === undefined) throw new DataError(this.where(line), detail);
    this.options.policy.report(this.where(line), detail);
  }

  /** Sets an update's levels, bids then asks, in their order (as OrderBook.apply does). */
  private setLevels(book: OrderBook, u: BookScan): void {
    const bids = book.bids;
    const asks = book.asks;
    for (let i = 0; i < u.bidCount; i++) bids.set(u.bidPrices[i]!, u.bidAmounts[i]!);
    for (let i = 0; i < u.askCount; i++) asks.set(u.askPrices[i]!, u.askAmounts[i]!);
  }

  finish(out: WireRecord[]): void {
    if (this.options.everyUs === undefined) return;
    for (const st of this.books.values()) {
      if (!Number.isNaN(st.pendingEnd)) {
        this.emitState(st, st.pendingEnd, out);
        st.pendingEnd = Number.NaN;
      }
    }
  }

  /** A quote when the top changed (and a depth snapshot when asked for). */
  private emitChange(st: BookState, time: string, out: WireRecord[]): void {
    if (this.options.depth !== undefined) this.emit(this.depthRecord(st, time), out);
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
    this.emitQuote(st, time, bp, ba, ap, aa, out);
  }

  /** The state at the end of a bucket. */
  private emitState(st: BookState, endUs: number, out: WireRecord[]): void {
    const time = formatTime(endUs, st.precision);
    if (this.options.depth !== undefined) this.emit(this.depthRecord(st, time), out);
    if (!this.quotes) return;
    const bp = st.book.bids.bestPrice();
    const ap = st.book.asks.bestPrice();
    if (bp !== undefined && ap !== undefined)
      this.emitQuote(st, time, bp, st.book.bids.bestAmount(), ap, st.book.asks.bestAmount(), out);
  }

  /**
   * A quote: its JSON written as bytes (each figure from its known decimal places: writeFixed, the
   * same text as String without the general conversion), straight into the output in byte mode, or
   * into a record whose text it is.
   */
  private emitQuote(
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
    const { bids, asks } = st.book.snapshot(this.options.depth!);
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
