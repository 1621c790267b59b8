/**
 * The fast path for Binance kline CSV (spot and USD-M): rows are read and written as bytes.
 *
 * Kline files are the bulk of what `fetch` moves (a month of 1s klines is 2.7 million rows), and the
 * string path (decode, split, convert each field to a number and back) cost about 3 µs a row, more
 * than parsing the NDJSON it produces. Here a row is scanned once as bytes: field bounds, integers,
 * and decimals, whose value is computed from their digits and whose JSON text is their own bytes with
 * trailing zeros dropped (see `decimal` below for why both are exact). The JSON line is
 * written straight into the batch's output buffer, and the record object is built from the same
 * values; `JSON.stringify(record)` gives the same line, so nothing else needs the text.
 *
 * A row the fast path does not take (a header, a bad field, more than 15 significant digits, an
 * exponent, CRLF) is handed to the string parser, which parses it exactly or reports the problem.
 */

import type { ByteOut } from '../../io/bytes.js';
import { MAX_MAGNITUDE, MAX_TIME_US } from '../../records/bounds.js';
import { POW10 } from '../../records/number-text.js';
import type { WireRecord } from '../../records/record.js';
import { formatTime, US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND } from '../../records/time.js';

function ascii(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

export class KlineBytes {
  private readonly starts = new Int32Array(13);
  private readonly ends = new Int32Array(13);
  private readonly p1: Uint8Array;
  private readonly p2: Uint8Array;
  private readonly pHigh = ascii(',"high":');
  private readonly pLow = ascii(',"low":');
  private readonly pClose = ascii(',"close":');
  private readonly pVolume = ascii(',"volume":');
  private readonly pQuote = ascii(',"quote_volume":');
  private readonly pTrades = ascii(',"trades":');
  private readonly pTaker = ascii(',"taker_buy_volume":');
  private readonly p3 = ascii('","open":');
  private dayCached = Number.NaN;
  private dayPrefix: Uint8Array = new Uint8Array(11);
  // Results of the last decimal read.
  private value = 0;
  private textStart = 0;
  private textEnd = 0;

  constructor(
    private readonly exchange: string,
    private readonly symbol: string,
    private readonly interval: string,
  ) {
    this.p1 = ascii('{"type":"candle","time":"');
    this.p2 = ascii(`","exchange":"${exchange}","symbol":"${symbol}","interval":"${interval}","open_time":"`);
  }

  /**
   * A plain decimal in buf[s, e): sets value and the text bounds; false when not on the fast path.
   * - The text (the digits without leading or trailing zeros) is exactly what `String(Number(s))`
   *   gives: the path takes only digits with at most one point, at most 15 significant digits (a
   *   double reproduces those, and no shorter text maps to the same double), and 0 or a value from
   *   1e-6 to below 1e21 (where JavaScript prints no exponent). Above 1e18 (the format's bound,
   *   records/bounds.ts) the row is the string parser's, which refuses it, located.
   * - The value is the digits as an integer (exact below 2^53) divided by a power of ten (exact up
   *   to 10^22): one correctly rounded operation, so it is the double nearest the decimal, as
   *   `Number(s)` gives.
   */
  private decimal(buf: Buffer, s: number, e: number): boolean {
    if (e <= s || e - s > 40) return false;
    let dot = -1;
    for (let i = s; i < e; i++) {
      const c = buf[i]!;
      if (c === 46) {
        if (dot !== -1) return false;
        dot = i;
      } else if (c < 48 || c > 57) return false;
    }
    if (dot === s) return false;
    let end = e;
    if (dot !== -1) {
      while (end > dot + 1 && buf[end - 1] === 48) end--;
      if (end === dot + 1) end = dot;
    }
    const intEnd = dot === -1 ? end : dot;
    let start = s;
    while (start < intEnd - 1 && buf[start] === 48) start++;
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    for (let i = start; i < end; i++) {
      if (i === dot) continue;
      const d = buf[i]! - 48;
      if (digits > 0 || d !== 0) digits++;
      mantissa = mantissa * 10 + d;
      if (dot !== -1 && i > dot) scale++;
    }
    if (digits > 15 || scale > 22) return false;
    const v = mantissa === 0 ? 0 : scale === 0 ? mantissa : mantissa / POW10[scale]!;
    // (1e18, the format's bound, is also below 1e21.)
    if (v !== 0 && (v < 1e-6 || v > MAX_MAGNITUDE)) return false;
    this.value = v;
    if (v === 0) {
      // "0.00000000" prints as 0.
      this.textStart = start;
      this.textEnd = start + 1;
    } else {
      this.textStart = start;
      this.textEnd = end;
    }
    return true;
  }

  /** A whole number without leading zeros in buf[s, e), or -1. */
  private static integer(buf: Buffer, s: number, e: number): number {
    if (e <= s || e - s > 16 || (e - s > 1 && buf[s] === 48)) return -1;
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v;
  }

  private put(out: ByteOut, bytes: Uint8Array): void {
    const n = bytes.length;
    if (n > 16) {
      // A native copy for the long constant pieces.
      out.buf.set(bytes, out.at);
      out.at += n;
      return;
    }
    const b = out.buf;
    let at = out.at;
    for (let k = 0; k < n; k++) b[at++] = bytes[k]!;
    out.at = at;
  }

  private copy(out: ByteOut, src: Buffer, s: number, e: number): void {
    const b = out.buf;
    let at = out.at;
    for (let k = s; k < e; k++) b[at++] = src[k]!;
    out.at = at;
  }

  private two(out: ByteOut, n: number): void {
    out.buf[out.at++] = 48 + Math.floor(n / 10);
    out.buf[out.at++] = 48 + (n % 10);
  }

  /** Writes a canonical time (as formatTime does) and returns it as a string. */
  private time(out: ByteOut, us: number, micro: boolean): string {
    const day = Math.floor(us / US_PER_DAY);
    if (day !== this.dayCached) {
      this.dayPrefix = ascii(formatTime(day * US_PER_DAY).slice(0, 11));
      this.dayCached = day;
    }
    const from = out.at;
    this.put(out, this.dayPrefix);
    let rest = us - day * US_PER_DAY;
    const h = Math.floor(rest / US_PER_HOUR);
    rest -= h * US_PER_HOUR;
    const m = Math.floor(rest / US_PER_MINUTE);
    rest -= m * US_PER_MINUTE;
    const sec = Math.floor(rest / US_PER_SECOND);
    rest -= sec * US_PER_SECOND;
    const b = out.buf;
    this.two(out, h);
    b[out.at++] = 58;
    this.two(out, m);
    b[out.at++] = 58;
    this.two(out, sec);
    b[out.at++] = 46;
    let frac = micro ? rest : Math.floor(rest / 1000);
    const width = micro ? 6 : 3;
    for (let k = width - 1; k >= 0; k--) {
      b[out.at + k] = 48 + (frac % 10);
      frac = Math.floor(frac / 10);
    }
    out.at += width;
    b[out.at++] = 90;
    return (b as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(from, out.at);
  }

  /**
   * Parses the row in buf[s, e) (no newline), appending its JSON line to `out` and returning its
   * record; undefined when the row is not for the fast path (nothing is written then).
   */
  row(buf: Buffer, s: number, e: number, out: ByteOut, keys: number[]): WireRecord | undefined {
    const starts = this.starts;
    const ends = this.ends;
    let nf = 0;
    starts[0] = s;
    for (let i = s; i < e; i++) {
      if (buf[i] === 44) {
        if (nf === 11) return undefined;
        ends[nf] = i;
        nf++;
        starts[nf] = i + 1;
      }
    }
    if (nf !== 11) return undefined;
    ends[11] = e;
    const openT = KlineBytes.integer(buf, starts[0]!, ends[0]!);
    const closeT = KlineBytes.integer(buf, starts[6]!, ends[6]!);
    const trades = KlineBytes.integer(buf, starts[8]!, ends[8]!);
    if (openT < 1e11 || closeT < 1e11 || trades < 0) return undefined;
    const openMicro = openT >= 1e14;
    const closeMicro = closeT >= 1e14;
    const openUs = openMicro ? openT : openT * 1000;
    const closeUs = closeMicro ? closeT + 1 : (closeT + 1) * 1000;
    // A candle that closes before it opens, or after the format's last time: the string parser
    // reports it.
    if (closeUs <= openUs || closeUs >= MAX_TIME_US) return undefined;
    // Check every number before writing anything.
    if (!this.decimal(buf, starts[1]!, ends[1]!) || !(this.value > 0)) return undefined;
    const o = this.value;
    const os = this.textStart;
    const oe = this.textEnd;
    if (!this.decimal(buf, starts[2]!, ends[2]!) || !(this.value > 0)) return undefined;
    const h = this.value;
    const hs = this.textStart;
    const he = this.textEnd;
    if (!this.decimal(buf, starts[3]!, ends[3]!) || !(this.value > 0)) return undefined;
    const l = this.value;
    const ls = this.textStart;
    const le = this.textEnd;
    if (!this.decimal(buf, starts[4]!, ends[4]!) || !(this.value > 0)) return undefined;
    const c = this.value;
    const cs = this.textStart;
    const ce = this.textEnd;
    if (!this.decimal(buf, starts[5]!, ends[5]!)) return undefined;
    const v = this.value;
    const vs = this.textStart;
    const ve = this.textEnd;
    if (!this.decimal(buf, starts[7]!, ends[7]!)) return undefined;
    const q = this.value;
    const qs = this.textStart;
    const qe = this.textEnd;
    if (!this.decimal(buf, starts[9]!, ends[9]!)) return undefined;
    const t = this.value;
    const ts = this.textStart;
    const te = this.textEnd;
    out.ensure(400 + (e - s));
    this.put(out, this.p1);
    const time = this.time(out, closeUs, closeMicro);
    this.put(out, this.p2);
    const openTime = this.time(out, openUs, openMicro);
    this.put(out, this.p3);
    this.copy(out, buf, os, oe);
    this.put(out, this.pHigh);
    this.copy(out, buf, hs, he);
    this.put(out, this.pLow);
    this.copy(out, buf, ls, le);
    this.put(out, this.pClose);
    this.copy(out, buf, cs, ce);
    this.put(out, this.pVolume);
    this.copy(out, buf, vs, ve);
    this.put(out, this.pQuote);
    this.copy(out, buf, qs, qe);
    this.put(out, this.pTrades);
    this.copy(out, buf, starts[8]!, ends[8]!);
    this.put(out, this.pTaker);
    this.copy(out, buf, ts, te);
    out.buf[out.at++] = 125;
    out.buf[out.at++] = 10;
    keys.push(openUs);
    return {
      type: 'candle',
      time,
      exchange: this.exchange,
      symbol: this.symbol,
      interval: this.interval,
      open_time: openTime,
      open: o,
      high: h,
      low: l,
      close: c,
      volume: v,
      quote_volume: q,
      trades,
      taker_buy_volume: t,
    };
  }
}
