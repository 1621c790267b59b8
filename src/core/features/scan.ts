/**
 * A `candle` record read straight from the bytes of its line, for the `features` command's byte
 * path: the series key (exchange, symbol, interval), `time` and the five numbers the indicators
 * read, with no string decoded and no object made (as `scanBook` does for books, book/scan.ts).
 *
 * It accepts only what it is sure to read as JSON.parse would, and returns false for anything
 * else, which then takes the ordinary path (JSON.parse and the stage's checks, with their located
 * errors): an unusual line is never misread, only read more slowly. Accepted:
 * - `{"type":"candle",` first, then members in any order, no white space anywhere, `}` the last
 *   byte of the line;
 * - `exchange`, `symbol`, `interval`: strings (all three needed), `time` a string when present;
 * - `open`, `high`, `low`, `close`, `volume`: numbers (all five needed);
 * - any other member whose value is a string, a number, true, false or null, and whose name is
 *   none of the columns the stage adds (a candle that has one has it replaced: the record path);
 * - every string (names too) printable ASCII without a backslash: no escapes, no control
 *   characters, nothing that is not ASCII (so the line is valid UTF-8 and its strings are their
 *   bytes).
 * A second `type` member is declined (JSON.parse keeps the last one); a repeated other member
 * keeps its last value, as JSON.parse does. A number is JSON's grammar exactly. Its value: with at
 * most 15 significant digits and no exponent it is its digits as an integer m (exact) divided by
 * 10^f (exact for f <= 22), one correctly rounded division, so exactly the double JSON.parse gives;
 * any other goes through Number() of its text, the same conversion JSON.parse makes.
 */

import { FALSE, memberName, NULL, TRUE, wordAt } from '../io/json-bytes.js';
import { POW10 } from '../records/number-text.js';

// The byte codes are this module's own constants: read from another module they are loads (and
// checks) in the hottest loops, measured 15% slower on the candle scanner.
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const UPPER_E = 69;
const BACKSLASH = 92;
const LOWER_E = 101;
const CLOSE_BRACE = 125;

/** One candle line's members: offsets into the line's buffer for the strings, numbers for the rest. */
export class CandleScan {
  exchangeStart = 0;
  exchangeEnd = -1;
  symbolStart = 0;
  symbolEnd = -1;
  intervalStart = 0;
  intervalEnd = -1;
  /** -1 when the line has no `time`. */
  timeStart = 0;
  timeEnd = -1;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  /** Which of the five numbers were seen (a bit each). */
  seen = 0;
  /** The value of the last number read (scratch). */
  value = 0;
}

const ALL_FIVE = 0b11111;

const PREFIX = Buffer.from('{"type":"candle",', 'latin1');

const OTHER = 0;
const TYPE = 1;
const TIME = 2;
const EXCHANGE = 3;
const SYMBOL = 4;
const INTERVAL = 5;
const OPEN = 6;
const HIGH = 7;
const LOW = 8;
const CLOSE = 9;
const VOLUME = 10;

/** The members read, by number, each as its name's bytes with the closing quote and colon. */
const MEMBERS = [
  '',
  'type',
  'time',
  'exchange',
  'symbol',
  'interval',
  'open',
  'high',
  'low',
  'close',
  'volume',
].map(memberName);

/**
 * Which member is named at `ks` (just after the name's opening quote), name, closing quote and
 * colon all there; else OTHER. Told apart by the first letters, then checked whole.
 */
function memberAt(s: Uint8Array, v: DataView, ks: number, last: number): number {
  let key: number;
  switch (s[ks]) {
    case 116: // t
      key = s[ks + 1] === 105 ? TIME : TYPE;
      break;
    case 101: // e
      key = EXCHANGE;
      break;
    case 115: // s
      key = SYMBOL;
      break;
    case 105: // i
      key = INTERVAL;
      break;
    case 111: // o
      key = OPEN;
      break;
    case 104: // h
      key = HIGH;
      break;
    case 108: // l
      key = LOW;
      break;
    case 99: // c
      key = CLOSE;
      break;
    case 118: // v
      key = VOLUME;
      break;
    default:
      return OTHER;
  }
  const name = MEMBERS[key]!;
  // Past the brace it could not be a member; and the view must not be read past the line.
  if (ks + name.length > last) return OTHER;
  let i = 0;
  for (let w = WORDS_FROM[key]!; w < WORDS_FROM[key + 1]!; w++, i += 4)
    if (v.getInt32(ks + i) !== WORDS[w]) return OTHER;
  for (; i < name.length; i++) if (s[ks + i] !== name[i]) return OTHER;
  return key;
}

/** The whole 32-bit words (big-endian) of each member's name bytes: key's are WORDS[WORDS_FROM[key]] up to WORDS_FROM[key + 1]. */
const WORDS_FROM = new Int32Array(MEMBERS.length + 1);
const WORDS = Int32Array.from(
  MEMBERS.flatMap((name, key) => {
    const words: number[] = [];
    for (let i = 0; i + 4 <= name.length; i += 4) words.push(name.readInt32BE(i));
    WORDS_FROM[key + 1] = WORDS_FROM[key]! + words.length;
    return words;
  }),
);

/** A DataView of the last buffer scanned (made once a buffer, not once a line). */
let viewOf: Uint8Array | undefined;
let view: DataView | undefined;

/** A string at `k` (its opening quote): the index of its closing quote, or -1 (escapes, controls, not ASCII, no end). */
function string(s: Uint8Array, k: number, end: number): number {
  for (let i = k + 1; i < end; i++) {
    const c = s[i]!;
    if (PLAIN[c] === 0) return c === QUOTE ? i : -1;
  }
  return -1;
}

/** 1 for the bytes a string is read with as they are (printable ASCII but `"` and `\`), 0 for the rest: one test a byte. */
const PLAIN = Uint8Array.from({ length: 256 }, (_, c) =>
  c >= 32 && c <= 126 && c !== QUOTE && c !== BACKSLASH ? 1 : 0,
);

/** A JSON number at `k` into `r.value`; the index after it, or -1 when it is not one. */
function number(s: Uint8Array, k: number, end: number, r: CandleScan): number {
  const start = k;
  let c = s[k]!;
  if (c === MINUS) c = s[++k]!;
  let m = 0;
  let digits = 0;
  let frac = 0;
  if (c === ZERO) {
    c = s[++k]!;
  } else {
    if (c < ZERO || c > NINE) return -1;
    for (; c >= ZERO && c <= NINE; c = s[++k]!) {
      m = m * 10 + (c - ZERO);
      digits++;
    }
  }
  if (c === DOT) {
    c = s[++k]!;
    if (c < ZERO || c > NINE) return -1;
    for (; c >= ZERO && c <= NINE; c = s[++k]!) {
      m = m * 10 + (c - ZERO);
      frac++;
      if (m !== 0) digits++;
    }
  }
  let plain = true;
  if (c === LOWER_E || c === UPPER_E) {
    plain = false;
    c = s[++k]!;
    if (c === PLUS || c === MINUS) c = s[++k]!;
    if (c < ZERO || c > NINE) return -1;
    for (; c >= ZERO && c <= NINE; c = s[++k]!);
  }
  // A digit right after a leading 0 ("01") is not JSON; it shows here as a number followed by junk.
  if (k > end) return -1;
  // `digits` counts from the first nonzero digit: the significant digits.
  if (plain && digits <= 15 && frac <= 22) {
    const v = frac === 0 ? m : m / POW10[frac]!;
    r.value = s[start] === MINUS ? -v : v;
  } else r.value = Number(Buffer.from(s.buffer, s.byteOffset + start, k - start).toString('latin1'));
  return k;
}

/** A JSON number at `k`, not needed (its grammar checked, its value not read); the index after it, or -1. */
function skipNumber(s: Uint8Array, k: number): number {
  let c = s[k]!;
  if (c === MINUS) c = s[++k]!;
  if (c === ZERO) c = s[++k]!;
  else {
    if (c < ZERO || c > NINE) return -1;
    do c = s[++k]!;
    while (c >= ZERO && c <= NINE);
  }
  if (c === DOT) {
    c = s[++k]!;
    if (c < ZERO || c > NINE) return -1;
    do c = s[++k]!;
    while (c >= ZERO && c <= NINE);
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = s[++k]!;
    if (c === PLUS || c === MINUS) c = s[++k]!;
    if (c < ZERO || c > NINE) return -1;
    do c = s[++k]!;
    while (c >= ZERO && c <= NINE);
  }
  return k;
}

/** True when the name between `a` and its closing quote at `b` is one of `names` (each with `":` after it). */
function isOneOf(s: Uint8Array, a: number, b: number, names: readonly Uint8Array[]): boolean {
  const n = b - a + 2;
  for (const name of names) if (name.length === n && wordAt(s, a, name)) return true;
  return false;
}

/**
 * Reads the candle on `s[start, end)` (the line without its terminator) into `r`. False when the
 * line is anything else, or anything this reader does not take (`r` is then undefined). `columns`:
 * the names the stage adds, each as bytes followed by `":`; a line with a member of such a name
 * is declined.
 */
export function scanCandle(
  s: Uint8Array,
  start: number,
  end: number,
  r: CandleScan,
  columns: readonly Uint8Array[],
): boolean {
  if (end - start < PREFIX.length + 1 || s[end - 1] !== CLOSE_BRACE) return false;
  for (let i = 0; i < PREFIX.length; i++) if (s[start + i] !== PREFIX[i]) return false;
  r.exchangeEnd = -1;
  r.symbolEnd = -1;
  r.intervalEnd = -1;
  r.timeEnd = -1;
  r.seen = 0;
  const last = end - 1;
  if (viewOf !== s) {
    viewOf = s;
    view = new DataView(s.buffer, s.byteOffset, s.byteLength);
  }
  const v = view!;
  // At the comma before each member.
  let k = start + PREFIX.length - 1;
  for (;;) {
    if (k === last) break;
    if (s[k] !== COMMA || s[k + 1] !== QUOTE) return false;
    const key = memberAt(s, v, k + 2, last);
    if (key === TYPE) return false;
    if (key !== OTHER) k += 2 + MEMBERS[key]!.length;
    else {
      const ke = string(s, k + 1, last);
      if (ke < 0 || s[ke + 1] !== COLON || isOneOf(s, k + 2, ke, columns)) return false;
      k = ke + 2;
    }
    const c = s[k];
    if (c === QUOTE) {
      const ve = string(s, k, last);
      if (ve < 0) return false;
      if (key === EXCHANGE) {
        r.exchangeStart = k + 1;
        r.exchangeEnd = ve;
      } else if (key === SYMBOL) {
        r.symbolStart = k + 1;
        r.symbolEnd = ve;
      } else if (key === INTERVAL) {
        r.intervalStart = k + 1;
        r.intervalEnd = ve;
      } else if (key === TIME) {
        r.timeStart = k + 1;
        r.timeEnd = ve;
      } else if (key !== OTHER) return false;
      k = ve + 1;
    } else if (c === 116 /* t */ || c === 102 /* f */ || c === 110 /* n */) {
      if (key !== OTHER) return false;
      if (wordAt(s, k, TRUE) || wordAt(s, k, NULL)) k += 4;
      else if (wordAt(s, k, FALSE)) k += 5;
      else return false;
    } else if (key === OTHER) {
      k = skipNumber(s, k);
      if (k < 0) return false;
    } else {
      if (key === TIME || key === EXCHANGE || key === SYMBOL || key === INTERVAL) return false;
      k = number(s, k, last, r);
      if (k < 0) return false;
      if (key === OPEN) r.open = r.value;
      else if (key === HIGH) r.high = r.value;
      else if (key === LOW) r.low = r.value;
      else if (key === CLOSE) r.close = r.value;
      else if (key === VOLUME) r.volume = r.value;
      r.seen |= 1 << (key - OPEN);
    }
    if (k > last) return false;
  }
  return r.seen === ALL_FIVE && r.exchangeEnd >= 0 && r.symbolEnd >= 0 && r.intervalEnd >= 0;
}
