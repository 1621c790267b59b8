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
 */

import { DataError } from '../errors.js';
import { ByteOut } from '../io/bytes.js';
import { batchBytes, type RecordStream, runStage, type Stage, setBatchBytes } from '../io/stream.js';
import { fixedText, POW10 } from '../records/number-text.js';
import { attachText, rawOf, type WireRecord, whereOf } from '../records/record.js';
import { formatTime, type TimePrecision, TimeReader } from '../records/time.js';
import { type Level, OrderBook } from './book.js';
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
  firstGap: string | undefined;
  firstCrossed: string | undefined;
}

interface State {
  readonly book: OrderBook;
  readonly seq: Sequencer;
  readonly exchange: string;
  readonly symbol: string;
  /** `"exchange":...,"symbol":...` as JSON. */
  readonly head: string;
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
}

/** Decimal places of a price as the venue wrote it: the fewest that reproduce the double. */

function decimals(x: number): number {
  for (let d = 0; d < 16; d++) {
    const p = POW10[d]!;
    if (Math.round(x * p) / p === x) return d;
  }
  return 16;
}

/**
 * A sum or difference of decimals with at most `d` places, without float noise: scaled to an
 * integer, rounded, and divided back (one correctly rounded division), while the scaled value is an
 * exact integer in a double; otherwise left as it is.
 */
function round(x: number, d: number): number {
  const p = POW10[d];
  if (p === undefined) return x;
  const scaled = x * p;
  return Math.abs(scaled) < 2 ** 52 ? Math.round(scaled) / p : x;
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
    firstGap: undefined,
    firstCrossed: undefined,
  };
  private readonly books = new Map<string, State>();
  private last: State | undefined;
  private readonly timeReader = new TimeReader();
  private readonly levels: number;
  private readonly band: number;
  private readonly quotes: boolean;

  constructor(private readonly options: OrderbookOptions = {}) {
    this.levels = options.levels ?? 5;
    this.band = options.bandBps ?? 10;
    this.quotes = options.quotes ?? options.depth === undefined;
  }

  private where(rec: WireRecord): string {
    return whereOf(rec, this.options.source);
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    if (rec.type !== 'book') {
      out.push(rec);
      return;
    }
    const exchange = rec.exchange;
    const symbol = rec.symbol;
    if (typeof exchange !== 'string' || typeof symbol !== 'string')
      throw new DataError(this.where(rec), 'a book record needs "exchange" and "symbol"');
    // The time read without a ParsedTime object (this runs per record).
    const t = this.timeReader;
    if (!t.read(rec.time))
      throw new DataError(this.where(rec), `expected a time for "time", found ${JSON.stringify(rec.time)}`);
    const us = t.us;
    const precision = t.precision;
    // The same book as the last record's, mostly: no key to build and look up.
    let st =
      this.last !== undefined && this.last.symbol === symbol && this.last.exchange === exchange
        ? this.last
        : undefined;
    const key = st === undefined ? `${exchange}\u0000${symbol}` : '';
    if (st === undefined) st = this.books.get(key);
    if (st === undefined) {
      st = {
        book: new OrderBook(),
        seq: new Sequencer(ruleFor(exchange)),
        exchange,
        symbol,
        head: `"exchange":${JSON.stringify(exchange)},"symbol":${JSON.stringify(symbol)}`,
        topBidP: Number.NaN,
        topBidA: Number.NaN,
        topAskP: Number.NaN,
        topAskA: Number.NaN,
        lastSequence: 0,
        precision,
        pendingEnd: Number.NaN,
        decPrice: [Number.NaN, Number.NaN],
        decPlaces: [0, 0],
      };
      this.books.set(key, st);
      this.report.books++;
    }
    this.last = st;
    const every = this.options.everyUs;
    if (every !== undefined && !Number.isNaN(st.pendingEnd) && us >= st.pendingEnd) {
      this.emitState(st, st.pendingEnd, out);
      st.pendingEnd = Number.NaN;
    }
    const bids = this.levelsOf(rec, 'bids');
    const asks = this.levelsOf(rec, 'asks');
    const sequence = Number(rec.sequence ?? 0);
    if (rec.snapshot === true) {
      st.seq.snapshot(sequence);
      st.book.apply(bids, asks, true);
      this.report.snapshots++;
    } else {
      const verdict = st.seq.check({
        sequence,
        first: rec.first_sequence === undefined ? undefined : Number(rec.first_sequence),
        prev: rec.prev_sequence === undefined ? undefined : Number(rec.prev_sequence),
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
        const message = `${exchange} ${symbol} book sequence gap: expected ${st.seq.expected}, found ${st.seq.found}`;
        this.report.gaps++;
        this.report.firstGap ??= `${this.where(rec)}: ${message}`;
        if (this.options.strict === true) throw new DataError(this.where(rec), message);
        st.book.clear();
        st.topBidP = Number.NaN;
        st.topAskP = Number.NaN;
        st.pendingEnd = Number.NaN;
        out.push({
          type: 'disconnect',
          time: rec.time,
          exchange,
          symbol,
          reason: 'book sequence gap',
          expected: st.seq.expected,
          found: st.seq.found,
        });
        return;
      }
      const before = st.book.bids.bestPrice();
      st.book.apply(bids, asks, false);
      this.report.applied++;
      if (st.book.crossed()) {
        this.report.crossed++;
        this.report.firstCrossed ??= `${this.where(rec)}: ${exchange} ${symbol} book crossed after the update (bid ${st.book.bids.bestPrice()} > ask ${st.book.asks.bestPrice()})`;
        if (this.options.uncross === true) {
          // The side this update moved is fresh; the other side's crossing levels are stale.
          const bidsMoved = bids.length > 0 && (asks.length === 0 || st.book.bids.bestPrice() !== before);
          this.report.uncrossedLevels += st.book.uncross(bidsMoved ? 'asks' : 'bids');
        }
      }
    }
    st.lastSequence = sequence;
    st.precision = precision;
    if (every !== undefined) {
      st.pendingEnd = Math.floor(us / every) * every + every;
      return;
    }
    this.emitChange(st, rec.time as string, out);
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

  private levelsOf(rec: WireRecord, field: 'bids' | 'asks'): Level[] {
    const v = rec[field];
    if (v === undefined) return [];
    if (!Array.isArray(v))
      throw new DataError(this.where(rec), `expected an array of [price, amount] for "${field}"`);
    // Levels as JSON numbers (the wire format) are used as they are; decimal strings are converted.
    let plain = true;
    for (let i = 0; i < v.length; i++) {
      const l = v[i] as unknown[];
      const p = l?.[0];
      const a = l?.[1];
      if (typeof p === 'number' && typeof a === 'number' && p > 0 && a >= 0 && p < Infinity && a < Infinity)
        continue;
      plain = false;
      break;
    }
    if (plain) return v as Level[];
    const out: Level[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const l = v[i] as unknown[];
      const p = Number(l?.[0]);
      const a = Number(l?.[1]);
      if (!(p > 0) || !(a >= 0) || !Number.isFinite(p) || !Number.isFinite(a))
        throw new DataError(
          this.where(rec),
          `expected [price > 0, amount >= 0] in "${field}", found ${JSON.stringify(l)}`,
        );
      out[i] = [p, a];
    }
    return out;
  }

  /** A quote when the top changed (and a depth snapshot when asked for). */
  private emitChange(st: State, time: string, out: WireRecord[]): void {
    if (this.options.depth !== undefined) out.push(this.depthRecord(st, time));
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
    out.push(this.quoteRecord(st, time, bp, ba, ap, aa));
  }

  /** The state at the end of a bucket. */
  private emitState(st: State, endUs: number, out: WireRecord[]): void {
    const time = formatTime(endUs, st.precision);
    if (this.options.depth !== undefined) out.push(this.depthRecord(st, time));
    if (!this.quotes) return;
    const bp = st.book.bids.bestPrice();
    const ap = st.book.asks.bestPrice();
    if (bp !== undefined && ap !== undefined)
      out.push(this.quoteRecord(st, time, bp, st.book.bids.bestAmount(), ap, st.book.asks.bestAmount()));
  }

  /** Decimal places of a best price, remembered per side while the price stays (most updates). */
  private priceDecimals(st: State, side: 0 | 1, price: number): number {
    if (st.decPrice[side] !== price) {
      st.decPrice[side] = price;
      st.decPlaces[side] = decimals(price);
    }
    return st.decPlaces[side]!;
  }

  private quoteRecord(st: State, time: string, bp: number, ba: number, ap: number, aa: number): WireRecord {
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
      sequence: st.lastSequence,
    };
    // Its JSON, built directly (JSON.stringify was a fifth of the command's time), each figure
    // written from its known decimal places (fixedText: the same text as String, without the
    // general conversion); `st.head` is the escaped exchange and symbol.
    attachText(
      rec,
      `{"type":"quote","time":"${time}",${st.head},"bid_price":${fixedText(bp, dBid)},"bid_amount":${fixedText(ba, decimals(ba))},"ask_price":${fixedText(ap, dAsk)},"ask_amount":${fixedText(aa, decimals(aa))},"mid":${fixedText(mid, d + 1)},"microprice":${fixedText(microprice, d + 4)},"spread":${fixedText(spread, d)},"spread_bps":${fixedText(spreadBps, 4)},"imbalance":${fixedText(imbalance, 6)},"bid_depth":${fixedText(bidDepth, 8)},"ask_depth":${fixedText(askDepth, 8)},"sequence":${st.lastSequence}}`,
    );
    return rec;
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
}

/** Runs the stage over a stream (the one core call of the `orderbook` command). */
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

/** The report as one line for stderr. */
export function formatOrderbookReport(r: OrderbookReport): string {
  const parts = [
    `${r.books} book${r.books === 1 ? '' : 's'}`,
    `${r.snapshots} snapshot${r.snapshots === 1 ? '' : 's'}`,
    `${r.applied} update${r.applied === 1 ? '' : 's'} applied`,
  ];
  if (r.stale > 0) parts.push(`${r.stale} stale dropped`);
  if (r.unsynced > 0) parts.push(`${r.unsynced} before a snapshot dropped`);
  parts.push(`${r.gaps} gap${r.gaps === 1 ? '' : 's'}`);
  if (r.crossed > 0)
    parts.push(
      `${r.crossed} crossed${r.uncrossedLevels > 0 ? ` (${r.uncrossedLevels} stale levels removed)` : ''}`,
    );
  let text = parts.join(', ');
  if (r.firstGap !== undefined) text += `\n  first gap: ${r.firstGap}`;
  if (r.firstCrossed !== undefined) text += `\n  first crossed: ${r.firstCrossed}`;
  return text;
}
