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
 * Two ways in, one stage: `orderbook(records)` for library use, and `orderbookNdjson(bytes)`, the
 * command's, which reads book lines with `scanBook` and writes everything as bytes; both write the
 * same bytes for the same input (tests/orderbook.test.ts).
 */

import { DataError, describeFound } from '../errors.js';
import { ByteOut } from '../io/bytes.js';
import {
  DEFAULT_MAX_LINE_BYTES,
  type ErrorPolicy,
  type LineCounter,
  parseLine,
  tooLong,
  wholeLines,
} from '../io/lines.js';
import {
  type ByteStream,
  batchBytes,
  type RecordStream,
  runStage,
  type Stage,
  setBatchBytes,
} from '../io/stream.js';
import { decimalPlaces, roundTo as round, writeFixed } from '../records/number-text.js';
import { attachText, lineOf, rawOf, serialize, type WireRecord } from '../records/record.js';
import { escapeText } from '../records/text.js';
import { formatTime, type TimePrecision, TimeReader } from '../records/time.js';
import { MAX_MAGNITUDE, MIN_POSITIVE, safeSequence, toNumber } from '../records/validate.js';
import { OrderBook } from './book.js';
import { BookScan, scanBook } from './scan.js';
import { ruleFor, Sequencer } from './sequence.js';

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

export interface OrderbookReport {
  books: number;
  applied: number;
  snapshots: number;
  stale: number;
  /** Updates before a book's first snapshot (or after a gap), which cannot be applied. */
  unsynced: number;
  gaps: number;
  crossed: number;
  uncrossedLevels: number;
  /** Book records refused (a sequence that is not a safe integer). */
  refused: number;
  firstGap: string | undefined;
  firstCrossed: string | undefined;
}

interface State {
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
  nextSameHash: State | undefined;
}

/** FNV-1a over bytes, continued from `h`. */
function fnv(h: number, b: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 16_777_619);
  return h;
}

/** The hash of a book's name: its exchange's bytes, a separator, its symbol's bytes (a small integer). */
function bytesHash(exchange: Uint8Array, symbol: Uint8Array): number {
  return (
    fnv(Math.imul(fnv(2_166_136_261, exchange, 0, exchange.length), 16_777_619), symbol, 0, symbol.length) >>>
    2
  );
}

/** `bytesHash` of the exchange and symbol a scanned line names, read in place. */
function nameHash(s: Uint8Array, u: BookScan): number {
  return (
    fnv(
      Math.imul(fnv(2_166_136_261, s, u.exchangeStart, u.exchangeEnd), 16_777_619),
      s,
      u.symbolStart,
      u.symbolEnd,
    ) >>> 2
  );
}

/**
 * A constant part of a quote's JSON, as 32-bit words and a tail: written four bytes at a time
 * through a DataView, half the time of a loop over its bytes (measured).
 */
class Part {
  readonly words: Int32Array;
  readonly tail: Uint8Array;
  readonly length: number;

  constructor(text: string) {
    const bytes = Buffer.from(text, 'latin1');
    const n = bytes.length >> 2;
    this.words = new Int32Array(n);
    for (let i = 0; i < n; i++) this.words[i] = bytes.readInt32LE(4 * i);
    this.tail = Uint8Array.from(bytes.subarray(4 * n));
    this.length = bytes.length;
  }
}

function put(v: DataView, b: Uint8Array, at: number, part: Part): number {
  const words = part.words;
  let k = at;
  for (let i = 0; i < words.length; i++) {
    v.setInt32(k, words[i]!, true);
    k += 4;
  }
  const tail = part.tail;
  for (let i = 0; i < tail.length; i++) b[k + i] = tail[i]!;
  return at + part.length;
}

const Q_HEAD = new Part('{"type":"quote","time":"');
const Q_BID_PRICE = new Part(',"bid_price":');
const Q_BID_AMOUNT = new Part(',"bid_amount":');
const Q_ASK_PRICE = new Part(',"ask_price":');
const Q_ASK_AMOUNT = new Part(',"ask_amount":');
const Q_MID = new Part(',"mid":');
const Q_MICROPRICE = new Part(',"microprice":');
const Q_SPREAD = new Part(',"spread":');
const Q_SPREAD_BPS = new Part(',"spread_bps":');
const Q_IMBALANCE = new Part(',"imbalance":');
const Q_BID_DEPTH = new Part(',"bid_depth":');
const Q_ASK_DEPTH = new Part(',"ask_depth":');
const Q_SEQUENCE = new Part(',"sequence":');
/** A quote's length, less its time and head: the keys (about 190) and 12 figures of at most 25. */
const QUOTE_ROOM = 512;

/** The record batch of byte mode, where nothing is put (everything goes to the sink). */
const NO_RECORDS: WireRecord[] = [];

/** True when `s[start, end)` holds exactly `bytes`. */
function sameBytes(s: Uint8Array, start: number, end: number, bytes: Uint8Array): boolean {
  if (end - start !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (s[start + i] !== bytes[i]) return false;
  return true;
}

/** A sequence field that was present but not a number or a string of digits. */
const INVALID = -1;

/** A record's sequence field as a number: its value when a safe integer (or digits of one), else INVALID. */
function sequenceField(v: unknown): number {
  const n = safeSequence(v);
  return Number.isNaN(n) ? INVALID : n;
}

/** A level's price and amount within the wire format's bounds (docs/format.md, "Validation"). */
function levelInBounds(price: number, amount: number): boolean {
  return price >= MIN_POSITIVE && price <= MAX_MAGNITUDE && amount >= 0 && amount <= MAX_MAGNITUDE;
}

/** True when every level the scan read is within bounds (else the record path refuses the line). */
function scannedInBounds(u: BookScan): boolean {
  for (let i = 0; i < u.bidCount; i++) if (!levelInBounds(u.bidPrices[i]!, u.bidAmounts[i]!)) return false;
  for (let i = 0; i < u.askCount; i++) if (!levelInBounds(u.askPrices[i]!, u.askAmounts[i]!)) return false;
  return true;
}

function validSequence(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** True when the update's sequence, and its first and previous sequence where given, are safe integers. */
function sequencesValid(u: BookScan): boolean {
  return (
    validSequence(u.sequence) &&
    (Number.isNaN(u.firstSequence) || validSequence(u.firstSequence)) &&
    (Number.isNaN(u.prevSequence) || validSequence(u.prevSequence))
  );
}

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
  private readonly books = new Map<string, State>();
  /** The books by a hash of their exchange's and symbol's bytes (the byte path), chained on collisions. */
  private readonly byHash = new Map<number, State>();
  private last: State | undefined;
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
    const source = this.options.source ?? 'input';
    return line === undefined ? source : `${source}:${line}`;
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
    this.levelsOf(rec, 'bids', line, u);
    this.levelsOf(rec, 'asks', line, u);
    u.snapshot = rec.snapshot === true;
    u.sequence = rec.sequence === undefined ? 0 : sequenceField(rec.sequence);
    u.firstSequence = rec.first_sequence === undefined ? Number.NaN : sequenceField(rec.first_sequence);
    u.prevSequence = rec.prev_sequence === undefined ? Number.NaN : sequenceField(rec.prev_sequence);
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
  private bookOf(exchange: string, symbol: string): State {
    const key = `${exchange}\u0000${symbol}`;
    let st = this.books.get(key);
    if (st === undefined) {
      const head = `"exchange":${JSON.stringify(exchange)},"symbol":${JSON.stringify(symbol)}`;
      st = {
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
    st: State,
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
    const field = !validSequence(u.sequence)
      ? 'sequence'
      : !Number.isNaN(u.firstSequence) && !validSequence(u.firstSequence)
        ? 'first_sequence'
        : 'prev_sequence';
    const value =
      rec !== undefined
        ? rec[field]
        : field === 'sequence'
          ? u.sequence
          : field === 'first_sequence'
            ? u.firstSequence
            : u.prevSequence;
    const detail = `expected a whole number (0 to 2^53-1) for "${field}", found ${describeFound(value)}`;
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

  /** Checks a record's levels and copies them into `u` (JSON numbers, or decimal strings converted). */
  private levelsOf(rec: WireRecord, field: 'bids' | 'asks', line: number | undefined, u: BookScan): void {
    const v = rec[field];
    const n = v === undefined ? 0 : Array.isArray(v) ? v.length : -1;
    if (n < 0) throw new DataError(this.where(line), `expected an array of [price, amount] for "${field}"`);
    const bids = field === 'bids';
    if (bids) u.reserve(n, 0);
    else u.reserve(0, n);
    const prices = bids ? u.bidPrices : u.askPrices;
    const amounts = bids ? u.bidAmounts : u.askAmounts;
    for (let i = 0; i < n; i++) {
      const l = (v as unknown[])[i] as unknown[];
      const p = l?.[0];
      const a = l?.[1];
      // JSON numbers, or decimal strings as venues send them: never Number() of anything (true is 1).
      const price = toNumber(p);
      const amount = toNumber(a);
      if (!levelInBounds(price, amount))
        throw new DataError(
          this.where(line),
          `expected [price, amount] with 1e-18 <= price <= 1e18 and 0 <= amount <= 1e18 in "${field}", found ${describeFound(l)}`,
        );
      prices[i] = price;
      amounts[i] = amount;
    }
    if (bids) u.bidCount = n;
    else u.askCount = n;
  }

  /** A quote when the top changed (and a depth snapshot when asked for). */
  private emitChange(st: State, time: string, out: WireRecord[]): void {
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
  private emitState(st: State, endUs: number, out: WireRecord[]): void {
    const time = formatTime(endUs, st.precision);
    if (this.options.depth !== undefined) this.emit(this.depthRecord(st, time), out);
    if (!this.quotes) return;
    const bp = st.book.bids.bestPrice();
    const ap = st.book.asks.bestPrice();
    if (bp !== undefined && ap !== undefined)
      this.emitQuote(st, time, bp, st.book.bids.bestAmount(), ap, st.book.asks.bestAmount(), out);
  }

  /** Decimal places of a best price, remembered per side while the price stays (most updates). */
  private priceDecimals(st: State, side: 0 | 1, price: number): number {
    if (st.decPrice[side] !== price) {
      st.decPrice[side] = price;
      st.decPlaces[side] = decimalPlaces(price);
    }
    return st.decPlaces[side]!;
  }

  /**
   * A quote: its JSON written as bytes (each figure from its known decimal places: writeFixed, the
   * same text as String without the general conversion), straight into the output in byte mode, or
   * into a record whose text it is.
   */
  private emitQuote(
    st: State,
    time: string,
    bp: number,
    ba: number,
    ap: number,
    aa: number,
    out: WireRecord[],
  ): void {
    const book = st.book;
    const dBid = this.priceDecimals(st, 0, bp);
    const dAsk = this.priceDecimals(st, 1, ap);
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

  private depthRecord(st: State, time: string): WireRecord {
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

/** Runs the stage over a stream (the one core call for library use; the command uses `orderbookNdjson`). */
export async function* orderbook(input: RecordStream, stage: OrderbookStage): RecordStream {
  for await (const batch of runStage(input, stage)) {
    if (batchBytes(batch) === undefined) setBatchBytes(batch, encode(batch));
    yield batch;
  }
}

/** A batch as the bytes the writer will write: each record's own text (the input line, or the JSON a quote was built with). */
function encode(batch: readonly WireRecord[]): Buffer {
  const out = new ByteOut(batch.length * 400 + 1024);
  for (const rec of batch) out.line(rawOf(rec) ?? JSON.stringify(rec));
  return out.bytes();
}

export interface NdjsonInput {
  /** The input's bytes (`Input.chunks`). */
  readonly chunks: AsyncIterable<Buffer>;
  /** The input's name, for messages. */
  readonly source: string;
  /** What a bad line does (lines that are not records). */
  readonly policy: ErrorPolicy;
  readonly maxLineBytes?: number;
  /** The input's stop signal (`Input.signal`): an interrupted last line is dropped, not read. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The `orderbook` command's core call: NDJSON bytes in, NDJSON bytes out, with exactly the output of
 * `orderbook` over the same input's records (tests/orderbook.test.ts compares them).
 *
 * Every record it writes is built as bytes, and a book line is read as bytes by `scanBook` (no
 * JSON.parse, no arrays, no strings but its time); any other line, and any book line the scan does
 * not take, goes the ordinary way: parseLine (with the error policy), then `push`. On the bench's
 * book file this is the difference between 0.3 and 0.5 of the parse-only baseline
 * (docs/performance.md).
 */
export async function* orderbookNdjson(input: NdjsonInput, stage: OrderbookStage): ByteStream {
  const { source, policy } = input;
  const max = input.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const at: LineCounter = { line: 1 };
  const scan = new BookScan();
  for await (const bytes of wholeLines(input.chunks, source, max, at, input.signal)) {
    // Quotes are about as long as the book lines they come from; the buffer grows when not.
    const out = new ByteOut(bytes.length + 4096);
    stage.sinkInto(out);
    let line = at.line;
    let s = 0;
    try {
      while (s < bytes.length) {
        let e = bytes.indexOf(10, s);
        if (e === -1) e = bytes.length;
        const stop = e > s && bytes[e - 1] === 13 ? e - 1 : e;
        if (stop - s > max) throw tooLong(source, line, max);
        if (!(scanBook(bytes, s, stop, scan) && stage.pushScanned(bytes, scan, line))) {
          const rec = parseLine(bytes.toString('utf8', s, stop), line, source, policy);
          if (rec !== undefined) stage.push(rec, NO_RECORDS);
        }
        line++;
        s = e + 1;
      }
    } finally {
      at.line = line;
    }
    const records = stage.unsink();
    if (records > 0) yield { bytes: out.bytes(), records };
  }
  const tail = new ByteOut(4096);
  stage.sinkInto(tail);
  stage.finish(NO_RECORDS);
  const records = stage.unsink();
  if (records > 0) yield { bytes: tail.bytes(), records };
}

/** The report as one line for stderr. */
export function formatOrderbookReport(r: OrderbookReport): string {
  const parts = [
    `${r.books} book${r.books === 1 ? '' : 's'}`,
    `${r.snapshots} snapshot${r.snapshots === 1 ? '' : 's'}`,
    `${r.applied} update${r.applied === 1 ? '' : 's'} applied`,
  ];
  if (r.stale > 0) parts.push(`${r.stale} stale dropped`);
  if (r.unsynced > 0) parts.push(`${r.unsynced} before a snapshot dropped`);
  if (r.refused > 0) parts.push(`${r.refused} refused (sequence not a safe integer)`);
  parts.push(`${r.gaps} gap${r.gaps === 1 ? '' : 's'}`);
  if (r.crossed > 0)
    parts.push(
      `${r.crossed} crossed${r.uncrossedLevels > 0 ? ` (${r.uncrossedLevels} stale levels removed)` : ''}`,
    );
  let text = parts.join(', ');
  // These quote the input (a symbol, the file's name): escaped, one line each.
  if (r.firstGap !== undefined) text += `\n  first gap: ${escapeText(r.firstGap)}`;
  if (r.firstCrossed !== undefined) text += `\n  first crossed: ${escapeText(r.firstCrossed)}`;
  return text;
}
