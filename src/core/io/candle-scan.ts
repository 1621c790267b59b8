/**
 * Candle lines read straight from their bytes into the record JSON.parse would make, checked as
 * records/validate.ts checks a candle, for readers whose consumer takes records but never writes
 * the input back (the backtest: its output is the account's records). It replaces JSON.parse and
 * the validation for the shape every tickpipe tool writes a candle in, and declines anything else,
 * which then takes the ordinary path (JSON.parse, validation, located errors): an unusual line, or
 * an invalid one, is never misread, only read more slowly. Accepted, exactly:
 *
 *   {"type":"candle","time":T,"exchange":S,"symbol":S,"interval":S,"open_time":T,"open":N,
 *   "high":N,"low":N,"close":N,"volume":N} with, before the `}`, optionally
 *   ,"quote_volume":N,"trades":N,"taker_buy_volume":N (all three)
 *
 * no white space, `}` the last byte of the line; every T a canonical time (docs/format.md) from
 * 1970 to before 2100; every S non-empty printable ASCII without a backslash (so its value is its
 * bytes), the interval one parseInterval reads; every N JSON's number grammar, within the bounds
 * validation sets (open to close positive, the volumes non-negative, trades a whole number). The
 * record has the members in that order with the values JSON.parse gives: a number of at most 15
 * significant digits and no exponent is its digits as an integer (exact) divided by 10^f (exact
 * for f <= 22), one correctly rounded division; any other goes through Number() of its text, the
 * conversion JSON.parse makes. The record carries its line number (for located messages) and its
 * parsed times (validate.ts `markChecked`), not its text: it is not written back as it came, and
 * a consumer that would write it serialises it afresh.
 */

import { MAX_MAGNITUDE, MAX_TIME_US, MIN_POSITIVE } from '../records/bounds.js';
import { parseInterval } from '../records/interval.js';
import { POW10 } from '../records/number-text.js';
import { attachLine, type WireRecord } from '../records/record.js';
import { daysFromCivil, US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND } from '../records/time.js';
import { markChecked } from '../records/validate.js';

const QUOTE = 34;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const BACKSLASH = 92;
const CLOSE_BRACE = 125;

/** A fixed piece of text, compared four bytes at a time. */
class Literal {
  readonly length: number;
  readonly words: Uint32Array;
  readonly tail: Uint8Array;

  constructor(text: string) {
    const b = Buffer.from(text, 'latin1');
    this.length = b.length;
    const n = b.length >> 2;
    this.words = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.words[i] = b.readUInt32LE(i * 4);
    this.tail = b.subarray(n * 4);
  }
}

/** The fixed text before each value, in the order the members come. */
const HEAD = new Literal('{"type":"candle","time":"');
const EXCHANGE = new Literal('","exchange":"');
const SYMBOL = new Literal('","symbol":"');
const INTERVAL = new Literal('","interval":"');
const OPEN_TIME = new Literal('","open_time":"');
const OPEN = new Literal('","open":');
const HIGH = new Literal(',"high":');
const LOW = new Literal(',"low":');
const CLOSE = new Literal(',"close":');
const VOLUME = new Literal(',"volume":');
const QUOTE_VOLUME = new Literal(',"quote_volume":');
const TRADES = new Literal(',"trades":');
const TAKER_BUY = new Literal(',"taker_buy_volume":');

/** `s[a, b)` as a string of its bytes (Buffer's own latin1Slice, without toString's argument handling). */
function latin1(s: Buffer, a: number, b: number): string {
  return (s as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(a, b);
}

/** A string value remembered with its bytes: runs of records repeat the same exchange, symbol and interval. */
class Interned {
  private bytes = new Uint8Array(64);
  private length = -1;
  text = '';

  /** True when the string at `a` (after its opening quote) is the one remembered, its closing quote included. */
  same(s: Buffer, a: number, stop: number): boolean {
    const n = this.length;
    if (n < 0 || a + n >= stop || s[a + n] !== QUOTE) return false;
    const m = this.bytes;
    for (let i = 0; i < n; i++) if (m[i] !== s[a + i]) return false;
    return true;
  }

  forget(): void {
    this.length = -1;
  }

  remember(s: Buffer, a: number, b: number): void {
    const n = b - a;
    if (n > this.bytes.length) this.bytes = new Uint8Array(n * 2);
    this.bytes.set(s.subarray(a, b));
    this.length = n;
    this.text = latin1(s, a, b);
  }
}

export class CandleLineScanner {
  private readonly exchange = new Interned();
  private readonly symbol = new Interned();
  private readonly interval = new Interned();
  /** Where the last read stopped, and the value of the last number or time read. */
  private k = 0;
  private value = 0;
  private view: DataView = new DataView(new ArrayBuffer(0));
  private viewOf: Buffer | undefined;
  /** The date of the last time read (its 10 bytes) and its epoch microseconds at midnight. */
  private readonly date = new Uint8Array(10);
  private dateUs = Number.NaN;
  /**
   * The last `time` read and its text: a candle's `open_time` is most often the `time` of the
   * candle before (the same microseconds and the same length, so the same text), and is then given
   * that string instead of a new one.
   */
  private lastUs = Number.NaN;
  private lastText = '';

  /**
   * The candle on `s[start, stop)` (a line without its terminator) as JSON.parse would make it,
   * numbered `line`, checked and marked (validate.ts `markChecked`); undefined when the line is not
   * exactly in the accepted shape.
   */
  read(s: Buffer, start: number, stop: number, line: number): WireRecord | undefined {
    if (stop - start <= HEAD.length || s[stop - 1] !== CLOSE_BRACE) return undefined;
    if (this.viewOf !== s) {
      this.viewOf = s;
      this.view = new DataView(s.buffer, s.byteOffset, s.length);
    }
    if (!this.literal(s, start, HEAD, stop)) return undefined;
    let a = this.k;
    if (!this.time(s, a, stop)) return undefined;
    const timeUs = this.value;
    const time = latin1(s, a, this.k - 1);
    if (!this.literal(s, this.k - 1, EXCHANGE, stop)) return undefined;
    if (!this.text(s, this.exchange, stop)) return undefined;
    const exchange = this.exchange.text;
    if (!this.literal(s, this.k - 1, SYMBOL, stop)) return undefined;
    if (!this.text(s, this.symbol, stop)) return undefined;
    const symbol = this.symbol.text;
    if (!this.literal(s, this.k - 1, INTERVAL, stop)) return undefined;
    a = this.k;
    const known = this.interval.same(s, a, stop);
    if (!this.text(s, this.interval, stop)) return undefined;
    const interval = this.interval.text;
    if (!known && parseInterval(interval) === undefined) {
      this.interval.forget();
      return undefined;
    }
    if (!this.literal(s, this.k - 1, OPEN_TIME, stop)) return undefined;
    a = this.k;
    if (!this.time(s, a, stop)) return undefined;
    const openUs = this.value;
    const openTime =
      openUs === this.lastUs && this.k - 1 - a === this.lastText.length
        ? this.lastText
        : latin1(s, a, this.k - 1);
    this.lastUs = timeUs;
    this.lastText = time;
    if (!this.member(s, this.k - 1, OPEN, stop) || !positive(this.value)) return undefined;
    const open = this.value;
    if (!this.member(s, this.k, HIGH, stop) || !positive(this.value)) return undefined;
    const high = this.value;
    if (!this.member(s, this.k, LOW, stop) || !positive(this.value)) return undefined;
    const low = this.value;
    if (!this.member(s, this.k, CLOSE, stop) || !positive(this.value)) return undefined;
    const close = this.value;
    if (!this.member(s, this.k, VOLUME, stop) || !nonNegative(this.value)) return undefined;
    const volume = this.value;
    let rec: WireRecord;
    if (this.k === stop - 1) {
      rec = {
        type: 'candle',
        time,
        exchange,
        symbol,
        interval,
        open_time: openTime,
        open,
        high,
        low,
        close,
        volume,
      };
    } else {
      if (!this.member(s, this.k, QUOTE_VOLUME, stop) || !nonNegative(this.value)) return undefined;
      const quoteVolume = this.value;
      if (!this.member(s, this.k, TRADES, stop) || !nonNegative(this.value) || !Number.isInteger(this.value))
        return undefined;
      const trades = this.value;
      if (!this.member(s, this.k, TAKER_BUY, stop) || !nonNegative(this.value) || this.k !== stop - 1)
        return undefined;
      rec = {
        type: 'candle',
        time,
        exchange,
        symbol,
        interval,
        open_time: openTime,
        open,
        high,
        low,
        close,
        volume,
        quote_volume: quoteVolume,
        trades,
        taker_buy_volume: this.value,
      };
    }
    attachLine(rec, line);
    markChecked(rec, timeUs, openUs);
    return rec;
  }

  /** True when the bytes of `lit` are at `k`, before `stop` (then `this.k` is just after them). */
  private literal(s: Buffer, k: number, lit: Literal, stop: number): boolean {
    if (k + lit.length >= stop) return false;
    const v = this.view;
    const w = lit.words;
    for (let i = 0; i < w.length; i++) if (v.getUint32(k + i * 4, true) !== w[i]) return false;
    const t = lit.tail;
    const at = k + w.length * 4;
    for (let i = 0; i < t.length; i++) if (s[at + i] !== t[i]) return false;
    this.k = k + lit.length;
    return true;
  }

  /**
   * A string from `this.k` (after its opening quote) to its closing quote, at least one byte, into
   * `into` (reused when the same as before); `this.k` just after the quote.
   */
  private text(s: Buffer, into: Interned, stop: number): boolean {
    const from = this.k;
    if (into.same(s, from, stop)) {
      this.k = from + into.text.length + 1;
      return true;
    }
    for (let i = from; i < stop; i++) {
      const c = s[i]!;
      if (c === QUOTE) {
        if (i === from) return false;
        into.remember(s, from, i);
        this.k = i + 1;
        return true;
      }
      if (c === BACKSLASH || c < 32 || c > 126) return false;
    }
    return false;
  }

  /**
   * A canonical time at `a` (after its opening quote: `YYYY-MM-DDTHH:MM:SS.sssZ` or with six
   * fraction digits, as records/time.ts parseCanonicalTime reads it) followed by its closing quote,
   * from 1970 to before 2100, into `this.value` (epoch microseconds); `this.k` just after the quote.
   */
  private time(s: Buffer, a: number, stop: number): boolean {
    let len: number;
    if (a + 24 < stop && s[a + 24] === QUOTE) len = 24;
    else if (a + 27 < stop && s[a + 27] === QUOTE) len = 27;
    else return false;
    if (
      s[a + 10] !== 84 ||
      s[a + 13] !== 58 ||
      s[a + 16] !== 58 ||
      s[a + 19] !== DOT ||
      s[a + len - 1] !== 90
    )
      return false;
    const d = this.date;
    let same = !Number.isNaN(this.dateUs);
    for (let i = 0; same && i < 10; i++) same = s[a + i] === d[i];
    if (!same) {
      if (s[a + 4] !== MINUS || s[a + 7] !== MINUS) return false;
      const year = digits(s, a, 4);
      const month = digits(s, a + 5, 2);
      const day = digits(s, a + 8, 2);
      if (year < 0 || month < 1 || month > 12 || day < 1) return false;
      const first = daysFromCivil(year, month, 1);
      const next = month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
      if (day > next - first) return false;
      this.dateUs = (first + day - 1) * US_PER_DAY;
      d.set(s.subarray(a, a + 10));
    }
    const hour = digits(s, a + 11, 2);
    const minute = digits(s, a + 14, 2);
    const second = digits(s, a + 17, 2);
    const fraction = len === 24 ? digits(s, a + 20, 3) * 1000 : digits(s, a + 20, 6);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || fraction < 0)
      return false;
    const us = this.dateUs + hour * US_PER_HOUR + minute * US_PER_MINUTE + second * US_PER_SECOND + fraction;
    if (!(us >= 0 && us < MAX_TIME_US)) return false;
    this.value = us;
    this.k = a + len + 1;
    return true;
  }

  /** `lit` at `k`, then a number (into `this.value`) ending before `stop`; `this.k` just after it. */
  private member(s: Buffer, k: number, lit: Literal, stop: number): boolean {
    return this.literal(s, k, lit, stop) && this.number(s, stop);
  }

  /** A JSON number at `this.k` into `this.value`; `this.k` just after it. */
  private number(s: Buffer, stop: number): boolean {
    const start = this.k;
    let k = start;
    let c = s[k]!;
    const negative = c === MINUS;
    if (negative) c = s[++k]!;
    let m = 0;
    let significant = 0;
    let places = 0;
    if (c === ZERO) c = s[++k]!;
    else if (c > ZERO && c <= NINE) {
      do {
        m = m * 10 + (c - ZERO);
        significant++;
        c = s[++k]!;
      } while (c >= ZERO && c <= NINE);
    } else return false;
    if (c === DOT) {
      c = s[++k]!;
      if (!(c >= ZERO && c <= NINE)) return false;
      do {
        m = m * 10 + (c - ZERO);
        places++;
        if (m !== 0) significant++;
        c = s[++k]!;
      } while (c >= ZERO && c <= NINE);
    }
    let plain = true;
    if (c === 101 || c === 69) {
      // e, E
      plain = false;
      c = s[++k]!;
      if (c === PLUS || c === MINUS) c = s[++k]!;
      if (!(c >= ZERO && c <= NINE)) return false;
      do c = s[++k]!;
      while (c >= ZERO && c <= NINE);
    }
    if (k >= stop) return false;
    this.k = k;
    if (plain && significant <= 15 && places <= 22) {
      const v = places === 0 ? m : m / POW10[places]!;
      this.value = negative ? -v : v;
    } else this.value = Number(latin1(s, start, k));
    return true;
  }
}

/** The `n` decimal digits at `a` as a number; -1 when one is not a digit. */
function digits(s: Buffer, a: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s[a + i]! - ZERO;
    if (d >>> 0 > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Validation's bounds (records/validate.ts): a price, and a volume or count. */
function positive(v: number): boolean {
  return v >= MIN_POSITIVE && v <= MAX_MAGNITUDE;
}

function nonNegative(v: number): boolean {
  return v >= 0 && v <= MAX_MAGNITUDE;
}
