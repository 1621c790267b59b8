/**
 * Time texts for the store's readers: the canonical wire form of epoch microseconds (the same text
 * as records/time.ts `formatTime`, at the precision the value has), made as one flat string.
 *
 * Why not `formatTime`: it joins pieces with a template, which V8 keeps as a rope; every reader of
 * the text (the validator, the engine's clock) then walks or flattens it, and on a million candles
 * that cost more than the rest of the read (profile in docs/performance.md, "store").
 * The digits are written as bytes (`write`, also the byte path of `store read`), and
 * `String.fromCharCode` of them makes a flat string in one step. A candle's `time` is the next
 * candle's `open_time`, so the last two texts are kept and given again.
 */

import { civilFromDays, formatTime } from '../records/time.js';

const US_PER_DAY = 86_400_000_000;
const D0 = 48; // '0'

export class TimeTexts {
  private us0 = Number.NaN;
  private text0 = '';
  private us1 = Number.NaN;
  private text1 = '';
  private day = Number.NaN;
  private y = 0;
  private m = 0;
  private d = 0;
  private readonly scratch = new Uint8Array(32);

  /** The text of `us`: milliseconds, or microseconds where it has them. */
  text(us: number): string {
    if (us === this.us0) return this.text0;
    if (us === this.us1) return this.text1;
    const text = this.format(us);
    this.us1 = this.us0;
    this.text1 = this.text0;
    this.us0 = us;
    this.text0 = text;
    return text;
  }

  /**
   * The text of `us` (as `text` gives it) written as ASCII into `b` at `at`, without a string;
   * returns the index after it. `b` needs room for 27 bytes.
   */
  write(b: Uint8Array, at: number, us: number): number {
    const day = Math.floor(us / US_PER_DAY);
    if (day !== this.day && !this.setDay(day)) {
      const t = formatTime(us, us % 1000 === 0 ? 'ms' : 'us');
      for (let i = 0; i < t.length; i++) b[at++] = t.charCodeAt(i);
      return at;
    }
    const { y, m, d } = this;
    two(b, at, Math.floor(y / 100));
    two(b, at + 2, y % 100);
    b[at + 4] = 45; // -
    two(b, at + 5, m);
    b[at + 7] = 45;
    two(b, at + 8, d);
    b[at + 10] = 84; // T
    // In int32 arithmetic from here: `%` and division of doubles (a microsecond count is past
    // 2^31) cost a library call each, and a time has a dozen digits.
    const rest = us - day * US_PER_DAY;
    const msOfDay = Math.floor(rest / 1000) | 0;
    const frac = (rest - msOfDay * 1000) | 0;
    const h = (msOfDay / 3_600_000) | 0;
    let t = msOfDay - h * 3_600_000;
    const mi = (t / 60_000) | 0;
    t -= mi * 60_000;
    const s = (t / 1000) | 0;
    const ms = t - s * 1000;
    two(b, at + 11, h);
    b[at + 13] = 58; // :
    two(b, at + 14, mi);
    b[at + 16] = 58;
    two(b, at + 17, s);
    b[at + 19] = 46; // .
    three(b, at + 20, ms);
    if (frac === 0) {
      b[at + 23] = 90; // Z
      return at + 24;
    }
    three(b, at + 23, frac);
    b[at + 26] = 90;
    return at + 27;
  }

  /** Caches the civil date of `day`; false for a year outside 0000..9999 (formatTime's then). */
  private setDay(day: number): boolean {
    const [y, m, d] = civilFromDays(day);
    if (!(y >= 0 && y < 10000)) return false;
    this.day = day;
    this.y = y;
    this.m = m;
    this.d = d;
    return true;
  }

  /**
   * `String.fromCharCode` of the bytes as arguments: one flat string in one step (two pieces joined
   * would be a rope again), without the array `apply` of a subarray builds: 2.7x faster on a
   * million times, and less garbage.
   */
  private format(us: number): string {
    const b = this.scratch;
    const end = this.write(b, 0, us);
    // biome-ignore format: the 24 bytes of a millisecond time
    if (end === 24) return String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!);
    // biome-ignore format: the 27 bytes of a microsecond time
    if (end === 27) return String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!);
    return String.fromCharCode.apply(null, b.subarray(0, end) as unknown as number[]);
  }
}

/** 0 <= n < 100 (an integer) as two digits at `at`. */
function two(b: Uint8Array, at: number, n: number): void {
  const q = (n / 10) | 0;
  b[at] = D0 + q;
  b[at + 1] = D0 + n - q * 10;
}

/** 0 <= n < 1000 (an integer) as three digits at `at`. */
function three(b: Uint8Array, at: number, n: number): void {
  const q = (n / 100) | 0;
  b[at] = D0 + q;
  two(b, at + 1, n - q * 100);
}
