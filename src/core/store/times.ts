/**
 * Time texts for the store's readers: the canonical wire form of epoch microseconds (the same text
 * as records/time.ts `formatTime`, at the precision the value has), made as one flat string.
 *
 * Why not `formatTime`: it joins pieces with a template, which V8 keeps as a rope; every reader of
 * the text (the validator, the engine's clock) then walks or flattens it, and on a million candles
 * that cost more than the rest of the read (profile in docs/performance.md, "store").
 * `String.fromCharCode` of the digits makes a flat string in one step. A candle's `time` is the next
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

  private format(us: number): string {
    const day = Math.floor(us / US_PER_DAY);
    if (day !== this.day) {
      const [y, m, d] = civilFromDays(day);
      if (!(y >= 0 && y < 10000)) return formatTime(us, us % 1000 === 0 ? 'ms' : 'us');
      this.day = day;
      this.y = y;
      this.m = m;
      this.d = d;
    }
    const { y, m, d } = this;
    let rest = us - day * US_PER_DAY;
    const h = Math.floor(rest / 3_600_000_000);
    rest -= h * 3_600_000_000;
    const mi = Math.floor(rest / 60_000_000);
    rest -= mi * 60_000_000;
    const s = Math.floor(rest / 1_000_000);
    rest -= s * 1_000_000;
    const ms = Math.floor(rest / 1000);
    const frac = rest - ms * 1000;
    const head = [
      D0 + Math.floor(y / 1000),
      D0 + (Math.floor(y / 100) % 10),
      D0 + (Math.floor(y / 10) % 10),
      D0 + (y % 10),
    ] as const;
    if (frac === 0)
      return String.fromCharCode(
        head[0],
        head[1],
        head[2],
        head[3],
        45,
        D0 + Math.floor(m / 10),
        D0 + (m % 10),
        45,
        D0 + Math.floor(d / 10),
        D0 + (d % 10),
        84,
        D0 + Math.floor(h / 10),
        D0 + (h % 10),
        58,
        D0 + Math.floor(mi / 10),
        D0 + (mi % 10),
        58,
        D0 + Math.floor(s / 10),
        D0 + (s % 10),
        46,
        D0 + Math.floor(ms / 100),
        D0 + (Math.floor(ms / 10) % 10),
        D0 + (ms % 10),
        90,
      );
    return String.fromCharCode(
      head[0],
      head[1],
      head[2],
      head[3],
      45,
      D0 + Math.floor(m / 10),
      D0 + (m % 10),
      45,
      D0 + Math.floor(d / 10),
      D0 + (d % 10),
      84,
      D0 + Math.floor(h / 10),
      D0 + (h % 10),
      58,
      D0 + Math.floor(mi / 10),
      D0 + (mi % 10),
      58,
      D0 + Math.floor(s / 10),
      D0 + (s % 10),
      46,
      D0 + Math.floor(ms / 100),
      D0 + (Math.floor(ms / 10) % 10),
      D0 + (ms % 10),
      D0 + Math.floor(frac / 100),
      D0 + (Math.floor(frac / 10) % 10),
      D0 + (frac % 10),
      90,
    );
  }
}
