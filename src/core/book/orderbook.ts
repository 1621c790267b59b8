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
 * Its two ways in, over records and over NDJSON bytes, are in orderbook-io.ts; what it emits, and
 * how (records, or lines in byte mode), in emit.ts; its report in orderbook-report.ts.
 */

import { DataError } from '../errors.js';
import type { ByteOut } from '../io/bytes.js';
import type { ErrorPolicy } from '../io/lines.js';
import type { Stage } from '../io/stream.js';
import { lineOf, type WireRecord } from '../records/record.js';
import { formatTime, type TimePrecision, TimeReader } from '../records/time.js';
import type { OrderBook } from './book.js';
import { bytesHash, nameHash, sameBytes } from './book-names.js';
import { type BookState, newBookState } from './book-state.js';
import { BookEmitter } from './emit.js';
import type { OrderbookReport } from './orderbook-report.js';
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
  /** A record's levels, copied and checked (the record path); the byte path has its own scan. */
  private readonly update = new BookScan();
  /** What the books emit, as records or (byte mode) as lines. */
  private readonly emitter: BookEmitter;

  constructor(private readonly options: OrderbookOptions = {}) {
    this.emitter = new BookEmitter({
      levels: options.levels ?? 5,
      band: options.bandBps ?? 10,
      quotes: options.quotes ?? options.depth === undefined,
      depth: options.depth,
    });
  }

  private where(line: number | undefined): string {
    return where(this.options.source ?? 'input', line);
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    if (rec.type !== 'book') {
      this.emitter.emit(rec, out);
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
    if (!this.emitter.sinking) throw new Error('OrderbookStage.pushScanned: call sinkInto first');
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
      this.emitter.state(st, st.pendingEnd, out);
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
        this.emitter.emit(
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
    this.emitter.change(st, time, out);
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
        this.emitter.state(st, st.pendingEnd, out);
        st.pendingEnd = Number.NaN;
      }
    }
  }

  /** Byte mode: everything emitted until `unsink` is written into `out`. */
  sinkInto(out: ByteOut): void {
    this.emitter.sinkInto(out);
  }

  /** Leaves byte mode; returns how many records were written since `sinkInto`. */
  unsink(): number {
    return this.emitter.unsink();
  }
}
