/**
 * The distinct canonical time texts of a sweep's data, each held once (columns.ts): a column of
 * times holds indices into this table, and each worker parses the table once, so that no run
 * formats a time text again (docs/sweep.md, "Workers").
 *
 * A text is canonical when formatting its time gives it back, character for character; texts of
 * the two precisions are different entries even at one instant. Finding a text costs no parse in
 * the common cases: a candle's `open_time` is the `time` of the candle before (the last two texts
 * added are remembered), and the clock text the engine's reader already read is given as a hint. A
 * time later than every one before is appended without a lookup; another is found by a binary search
 * in the times kept sorted (one that comes in out of order is moved into its place when that is
 * near the end), else by a map built the first time one came in far out of order.
 */

import { formatTime, parseTime, type TimePrecision } from '../records/time.js';
import { Column } from '../report/downsample.js';
import { TimeTexts } from '../store/times.js';

/** `indexOf` for a text that reads as a time but not in its canonical form. */
export const NOT_CANONICAL = -1;
/** `indexOf` for a text that does not read as a time at all. */
export const NOT_A_TIME = -2;

/** How far from the end a time that comes in out of order is still put in its place. */
const NEAR_END = 64;

/** The times of one precision, and where each is in the table. */
class Precision {
  /** The times in order (until \`map\` is built), and their table indices. */
  readonly us = new Column();
  readonly at = new Column();
  /** Built the first time a time comes in far before the latest; used from then on. */
  map: Map<number, number> | undefined;
  max = Number.NEGATIVE_INFINITY;

  /** Where `us` is or would go in the sorted times (while there is no map). */
  private place(us: number): number {
    const a = this.us.data;
    let lo = 0;
    let hi = this.us.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! < us) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  find(us: number): number | undefined {
    if (us > this.max) return undefined; // later than all: new (the common case, no lookup)
    if (this.map !== undefined) return this.map.get(us);
    const i = this.place(us);
    return i < this.us.length && this.us.data[i] === us ? this.at.data[i] : undefined;
  }

  /** Adds a time `find` did not find. */
  add(us: number, index: number): void {
    const later = us > this.max;
    if (later) this.max = us;
    if (this.map !== undefined) {
      this.map.set(us, index);
      return;
    }
    this.us.push(us);
    this.at.push(index);
    if (later) return;
    // Out of order: moved into its place if that is near the end, else the map from now on.
    const n = this.us.length;
    const i = this.place(us);
    if (n - 1 - i <= NEAR_END) {
      const a = this.us.data;
      const at = this.at.data;
      a.copyWithin(i + 1, i, n - 1);
      at.copyWithin(i + 1, i, n - 1);
      a[i] = us;
      at[i] = index;
    } else {
      this.map = new Map();
      for (let k = 0; k < n; k++) this.map.set(this.us.data[k]!, this.at.data[k]!);
    }
  }
}

export class TimeTable {
  private readonly times = new Column();
  private readonly micro: number[] = [];
  private readonly ms = new Precision();
  private readonly micros = new Precision();
  /** The last two texts added, and their entries. */
  private readonly lastText = ['', ''];
  private readonly lastAt = [-1, -1];
  private hintText: string | undefined;
  private hintUs = 0;
  private hintPrecision: TimePrecision = 'ms';

  get length(): number {
    return this.times.length;
  }

  /** The next texts looked up may include `text`, a canonical text of the time `us` already read. */
  hint(text: string | undefined, us: number, precision: TimePrecision): void {
    this.hintText = text;
    this.hintUs = us;
    this.hintPrecision = precision;
  }

  /** True when entry `index` is a microsecond text. */
  isMicro(index: number): boolean {
    return this.micro[index] === 1;
  }

  /** The entry of `v`, added if new; NOT_CANONICAL or NOT_A_TIME if it is not a canonical time text. */
  indexOf(v: string): number {
    const lastText = this.lastText;
    if (v === lastText[0]) return this.lastAt[0]!;
    if (v === lastText[1]) return this.lastAt[1]!;
    let us: number;
    let precision: TimePrecision;
    if (v === this.hintText) {
      us = this.hintUs;
      precision = this.hintPrecision;
    } else {
      const t = parseTime(v);
      if (t === undefined) return NOT_A_TIME;
      if (!t.canonical || formatTime(t.us, t.precision) !== v) return NOT_CANONICAL;
      us = t.us;
      precision = t.precision;
    }
    const of = precision === 'us' ? this.micros : this.ms;
    const found = of.find(us);
    if (found !== undefined) return found;
    const at = this.times.length;
    this.times.push(us);
    this.micro.push(precision === 'us' ? 1 : 0);
    of.add(us, at);
    // The last two entries added (a text found again does not push them out).
    lastText[1] = lastText[0]!;
    this.lastAt[1] = this.lastAt[0]!;
    lastText[0] = v;
    this.lastAt[0] = at;
    return at;
  }

  /**
   * The texts, in table order, as the text of a JSON array: written as bytes by the store's time
   * writer (store/times.ts: the same text as formatTime, no string made per time), except a
   * microsecond text of a whole millisecond, which that writer would give as milliseconds, and a
   * time past 2^53 microseconds (after the year 2255), whose fraction that writer misreads.
   */
  json(): string {
    const n = this.times.length;
    const b = Buffer.allocUnsafe(2 + n * 34);
    const writer = new TimeTexts();
    let at = 0;
    b[at++] = 91; // [
    for (let i = 0; i < n; i++) {
      if (i > 0) b[at++] = 44; // ,
      b[at++] = 34; // "
      const us = this.times.data[i]!;
      const micro = this.micro[i] === 1;
      if ((micro && us % 1000 === 0) || !Number.isSafeInteger(us)) {
        at += b.write(formatTime(us, micro ? 'us' : 'ms'), at, 'latin1');
      } else at = writer.write(b, at, us);
      b[at++] = 34;
    }
    b[at++] = 93; // ]
    return b.toString('latin1', 0, at);
  }
}
