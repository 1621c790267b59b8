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

  /** `part`'s scratch: the bytes of a part's new times, their starts and ends, each cell's text. */
  private partBytes = Buffer.allocUnsafe(0);
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);
  private refs = new Int32Array(0);
  private made: string[] = [];

  /**
   * The texts `text` gives of the times of rows [from, to) of the columns `cols` (NaN: absent),
   * into `out[c][r]` (absent: undefined), for a part of a chunk at once: the part's new times are
   * written as bytes (`write`) into one buffer, which becomes one string, and each text is a slice
   * of it. V8 makes a slice of 13 characters or more a view of its parent (a flat string, no
   * copy), so a text costs one small object instead of a call that builds a string from 24
   * character codes (docs/performance.md, "store": 0.35 s of a million candles' read). A time
   * equal to one of the last two made (a candle's `open_time` is the previous `time`) is given
   * again.
   */
  part(cols: readonly Float64Array[], from: number, to: number, out: (string | undefined)[][]): void {
    const w = cols.length;
    const cells = (to - from) * w;
    if (this.refs.length < cells) {
      this.refs = new Int32Array(cells);
      this.starts = new Int32Array(cells);
      this.ends = new Int32Array(cells);
      // A time takes at most 30 bytes (formatTime's widest: a six-digit year with microseconds).
      this.partBytes = Buffer.allocUnsafe(cells * 32);
    }
    const { refs, starts, ends, partBytes } = this;
    // -1 and -2: text0 and text1 as they were; -3: absent; k >= 0: the k-th time made here.
    let u0 = this.us0;
    let s0 = -1;
    let u1 = this.us1;
    let s1 = -2;
    let at = 0;
    let k = 0;
    let cell = 0;
    for (let r = from; r < to; r++)
      for (let c = 0; c < w; c++) {
        const us = cols[c]![r]!;
        let ref: number;
        if (Number.isNaN(us)) ref = -3;
        else if (us === u0) ref = s0;
        else if (us === u1) ref = s1;
        else {
          starts[k] = at;
          at = this.write(partBytes, at, us);
          ends[k] = at;
          ref = k++;
          u1 = u0;
          s1 = s0;
          u0 = us;
          s0 = ref;
        }
        refs[cell++] = ref;
      }
    const made = this.made;
    if (k > 0) {
      const all = partBytes.toString('latin1', 0, at);
      for (let i = 0; i < k; i++) made[i] = all.slice(starts[i]!, ends[i]!);
    }
    const text0 = this.text0;
    const text1 = this.text1;
    cell = 0;
    for (let r = from; r < to; r++)
      for (let c = 0; c < w; c++) {
        const ref = refs[cell++]!;
        out[c]![r] = ref >= 0 ? made[ref] : ref === -1 ? text0 : ref === -2 ? text1 : undefined;
      }
    this.text0 = s0 >= 0 ? made[s0]! : s0 === -1 ? text0 : text1;
    this.text1 = s1 >= 0 ? made[s1]! : s1 === -1 ? text0 : text1;
    this.us0 = u0;
    this.us1 = u1;
    made.fill('', 0, k);
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
