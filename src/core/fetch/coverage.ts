/**
 * Candles from a REST API checked against the grid of the range asked for: every open time on the
 * interval's grid inside the range (whose candle has closed by now) is either delivered once or
 * reported as missing. A repeated candle (a page that overlaps the one before, a row sent twice) is
 * dropped and counted; a hole (an empty page, a page missing a row) is a range of open times.
 *
 * The grid is the venues': fixed intervals count from the epoch (1970-01-01T00:00Z), weeks start on
 * Monday (1970-01-05), months on the 1st; a first candle that opens off that grid, within one
 * interval of the range's start, moves the grid to the venue's.
 */

import { addInterval, type Interval } from '../records/interval.js';
import { daysFromCivil, formatTime, US_PER_DAY } from '../records/time.js';
import type { TimeRange } from './timed.js';

const MONDAY = 4 * US_PER_DAY;

/** The first open time on `interval`'s grid at or after `us`. */
export function alignUp(us: number, interval: Interval): number {
  if (interval.months > 0) {
    const d = new Date(Math.floor(us / 1000));
    const start = daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) * US_PER_DAY;
    const aligned = start === us ? start : addInterval(start, { ...interval, months: 1 });
    return aligned;
  }
  const step = interval.us;
  const offset = step === 7 * US_PER_DAY ? MONDAY : 0;
  return Math.ceil((us - offset) / step) * step + offset;
}

export class CandleGrid {
  /** The next open time expected. */
  private next: number;
  /** The first open time not expected: the range's end, or the first candle not closed by now. */
  readonly end: number;
  readonly holes: TimeRange[] = [];
  duplicates = 0;
  firstDuplicate: number | undefined;
  private anchored = false;
  private readonly from: number;

  constructor(
    private readonly interval: Interval,
    range: TimeRange,
    now: number,
  ) {
    this.from = range.from;
    this.next = alignUp(range.from, interval);
    let end = this.next;
    while (end < range.to && addInterval(end, interval) <= now) end = addInterval(end, interval);
    this.end = Math.max(this.next, Math.min(end, range.to));
  }

  /** True when every expected candle has been seen. */
  get complete(): boolean {
    return this.next >= this.end;
  }

  /** Takes the candle opening at `key`: false when it repeats one already taken (drop it). */
  accept(key: number): boolean {
    if (!this.anchored) {
      // The first candle fixes the grid if it is off the one assumed (a venue that counts 3d
      // candles from elsewhere): one that opens within an interval of the range's start is not
      // late, it is the venue's grid.
      this.anchored = true;
      if (key >= this.from && key < addInterval(this.next, this.interval) && key !== this.next) {
        this.next = addInterval(key, this.interval);
        return true;
      }
    }
    if (key < this.next) {
      this.duplicates++;
      this.firstDuplicate ??= key;
      return false;
    }
    if (key > this.next && this.next < this.end)
      this.holes.push({ from: this.next, to: Math.min(key, this.end) });
    this.next = addInterval(key, this.interval);
    return true;
  }

  /** Closes the range: what was not seen up to its end is a hole. */
  finish(): TimeRange[] {
    if (this.next < this.end) {
      this.holes.push({ from: this.next, to: this.end });
      this.next = this.end;
    }
    return this.holes;
  }

  /** `3 candles (open 2020-01-10T03:00:00.000Z..2020-01-10T03:03:00.000Z)` for a hole. */
  describe(hole: TimeRange): string {
    let n = 0;
    for (let t = hole.from; t < hole.to && n < 1_000_000; t = addInterval(t, this.interval)) n++;
    return `${n} candle${n === 1 ? '' : 's'} (open times ${formatTime(hole.from)}..${formatTime(hole.to)})`;
  }
}
