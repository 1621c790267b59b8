/**
 * A quote's figures, computed from a book's top, and its JSON written as bytes (each figure from
 * its known decimal places: writeFixed, the same text as String without the general conversion).
 * The orderbook stage keeps one QuoteFigures and fills it per quote (no object per quote in byte
 * mode).
 */

import type { ByteOut } from '../io/bytes.js';
import { decimalPlaces, roundTo as round, writeFixed } from '../records/number-text.js';
import type { WireRecord } from '../records/record.js';
import type { OrderBook } from './book.js';

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

/** The figures of one quote (filled by `set`, read by `writeQuote` and `record`). */
export class QuoteFigures {
  bp = Number.NaN;
  ba = Number.NaN;
  ap = Number.NaN;
  aa = Number.NaN;
  /** Decimal places of the best bid's and ask's prices, and the larger. */
  dBid = 0;
  dAsk = 0;
  d = 0;
  mid = Number.NaN;
  microprice = Number.NaN;
  spread = Number.NaN;
  spreadBps = Number.NaN;
  imbalance = Number.NaN;
  bidDepth = Number.NaN;
  askDepth = Number.NaN;
  sequence = 0;

  /** The figures of a book's top (bp, ba, ap, aa) with `band` bps of depth and `levels` of imbalance. */
  set(
    book: OrderBook,
    bp: number,
    ba: number,
    ap: number,
    aa: number,
    dBid: number,
    dAsk: number,
    band: number,
    levels: number,
    sequence: number,
  ): void {
    const d = Math.max(dBid, dAsk);
    const mid = round((bp + ap) / 2, d + 1);
    const spread = round(ap - bp, d);
    const total = ba + aa;
    // Depth within the band around the (unrounded) mid: OrderBook.depthWithin without its object.
    const m = (bp + ap) / 2;
    const bandBid = book.bidDepth(m, band);
    const bandAsk = book.askDepth(m, band);
    this.bp = bp;
    this.ba = ba;
    this.ap = ap;
    this.aa = aa;
    this.dBid = dBid;
    this.dAsk = dAsk;
    this.d = d;
    this.mid = mid;
    this.spread = spread;
    // Derived figures carry no more digits than they mean: the microprice to 1/10,000 of the
    // prices' last decimal, spread_bps to 1/10,000 of a basis point, the imbalance to 6 places.
    this.microprice = total > 0 ? round((bp * aa + ap * ba) / total, d + 4) : mid;
    this.spreadBps = mid > 0 ? round((spread / mid) * 10_000, 4) : 0;
    this.imbalance = round(book.imbalance(levels) ?? 0, 6);
    this.bidDepth = round(bandBid, 8);
    this.askDepth = round(bandAsk, 8);
    this.sequence = sequence;
  }

  /** The quote as a record (its text attached by the caller). */
  record(time: string, exchange: string, symbol: string): WireRecord {
    return {
      type: 'quote',
      time,
      exchange,
      symbol,
      bid_price: this.bp,
      bid_amount: this.ba,
      ask_price: this.ap,
      ask_amount: this.aa,
      mid: this.mid,
      microprice: this.microprice,
      spread: this.spread,
      spread_bps: this.spreadBps,
      imbalance: this.imbalance,
      bid_depth: this.bidDepth,
      ask_depth: this.askDepth,
      sequence: this.sequence,
    };
  }
}

/**
 * Writes a quote's JSON (without its newline) into `o` from `start`, growing it if need be;
 * returns the end. `head` is the book's `"exchange":...,"symbol":...`; the time is canonical (ASCII).
 */
export function writeQuote(o: ByteOut, start: number, time: string, head: Buffer, q: QuoteFigures): number {
  o.at = start;
  o.ensure(QUOTE_ROOM + head.length + time.length * 3);
  const b = o.buf;
  const v = o.view();
  const d = q.d;
  let w = put(v, b, start, Q_HEAD);
  for (let i = 0; i < time.length; i++) b[w++] = time.charCodeAt(i);
  b[w++] = 34; // "
  b[w++] = 44; // ,
  for (let i = 0; i < head.length; i++) b[w++] = head[i]!;
  w = writeFixed(b, put(v, b, w, Q_BID_PRICE), q.bp, q.dBid);
  w = writeFixed(b, put(v, b, w, Q_BID_AMOUNT), q.ba, decimalPlaces(q.ba));
  w = writeFixed(b, put(v, b, w, Q_ASK_PRICE), q.ap, q.dAsk);
  w = writeFixed(b, put(v, b, w, Q_ASK_AMOUNT), q.aa, decimalPlaces(q.aa));
  w = writeFixed(b, put(v, b, w, Q_MID), q.mid, d + 1);
  w = writeFixed(b, put(v, b, w, Q_MICROPRICE), q.microprice, d + 4);
  w = writeFixed(b, put(v, b, w, Q_SPREAD), q.spread, d);
  w = writeFixed(b, put(v, b, w, Q_SPREAD_BPS), q.spreadBps, 4);
  w = writeFixed(b, put(v, b, w, Q_IMBALANCE), q.imbalance, 6);
  w = writeFixed(b, put(v, b, w, Q_BID_DEPTH), q.bidDepth, 8);
  w = writeFixed(b, put(v, b, w, Q_ASK_DEPTH), q.askDepth, 8);
  w = writeFixed(b, put(v, b, w, Q_SEQUENCE), q.sequence, 0);
  b[w++] = 125; // }
  return w;
}
