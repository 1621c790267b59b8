/**
 * The engine's one clock, in event time (microseconds since the epoch) and its text as written on
 * output records. Latency, cancels, good-till times and equity cadence are all measured on it,
 * never on the wall clock.
 *
 * The clock time of a record is its `local_time` when it has one (when this machine received it:
 * the moment a strategy could know it, hftbacktest's `local_ts`), else its `time` (the exchange's
 * time). `time` itself is left as it is: the feed latency of a record is `local_time - time`. A
 * capture is in receive order, and the exchange times of its streams are not (a trade and a book
 * update can cross by the venue's jitter): on `local_time` it runs as received. A stream without
 * `local_time` runs on `time`. In a mixed stream, records before the first `local_time` run on
 * their `time`; after it, a record without `local_time` is taken as received with the record
 * before it (ClockReader). The clock never goes back (a record behind it is an error).
 */

import { DataError } from '../errors.js';
import type { WireRecord } from '../records/record.js';
import { type TimePrecision, TimeReader } from '../records/time.js';

/**
 * Reads records' clock times in stream order. After the first record with `local_time`, a record
 * without one (a quote `tickpipe orderbook` derived from a book update, say) is taken as received
 * with the record before it: it keeps the clock where it is.
 */
export class ClockReader {
  private readonly tr = new TimeReader();
  private local = false;
  us = Number.NaN;
  /** The time text when it was canonical (else undefined: formatted from `us` at `precision`). */
  text: string | undefined;
  precision: TimePrecision = 'ms';

  /** Reads `rec`'s clock time; false when its `local_time` or `time` is not a time. */
  read(rec: WireRecord): boolean {
    const tr = this.tr;
    const local = rec.local_time;
    if (local !== undefined) {
      if (!tr.read(local)) return false;
      this.local = true;
      this.set(tr.us, tr.canonical ? (local as string) : undefined, tr.precision);
      return true;
    }
    if (!tr.read(rec.time)) return false;
    if (this.local) return true; // received with the record before it
    this.set(tr.us, tr.canonical ? (rec.time as string) : undefined, tr.precision);
    return true;
  }

  /**
   * As `read`, for a record whose `time` and `local_time` (if any) are canonical text already parsed
   * to `timeUs` and `localUs` (by records/validate.ts): the same clock time, with nothing parsed again.
   */
  take(
    rec: WireRecord,
    timeUs: number,
    timePrecision: TimePrecision,
    localUs: number,
    localPrecision: TimePrecision,
  ): void {
    const local = rec.local_time;
    if (local !== undefined) {
      this.local = true;
      this.set(localUs, local as string, localPrecision);
    } else if (!this.local) this.set(timeUs, rec.time as string, timePrecision);
  }

  private set(us: number, text: string | undefined, precision: TimePrecision): void {
    this.us = us;
    this.text = text;
    this.precision = precision;
  }
}

/** The error for a record whose clock time is not a time. */
export function badTime(where: string, rec: WireRecord): DataError {
  const field = rec.local_time === undefined ? 'time' : 'local_time';
  return new DataError(where, `expected a time for "${field}", found ${JSON.stringify(rec[field])}`);
}

export class Clock {
  /** Now. -Infinity before the first record. */
  us = Number.NEGATIVE_INFINITY;
  /** The clock before the current record's time. */
  prevUs = Number.NEGATIVE_INFINITY;
  /**
   * The time of records made now: the clock's own, or another while some are made (a candle's fills
   * at its open are stamped at the open: `stampAt`, then `reset`). Records take it through `stamp()`.
   */
  text = '';
  /** The microseconds of `text`. */
  textUs = Number.NEGATIVE_INFINITY;
  /** The precision of the input's times, which written times follow. */
  precision: TimePrecision = 'ms';
  /** The clock's own time text (what `reset` goes back to). */
  private nowText = '';
  /** The latest time stamped on an output record, and its text. */
  private writtenUs = Number.NEGATIVE_INFINITY;
  private writtenText = '';

  get started(): boolean {
    return this.us !== Number.NEGATIVE_INFINITY;
  }

  advance(us: number, text: string, precision: TimePrecision): void {
    this.prevUs = this.us;
    this.us = us;
    this.text = text;
    this.textUs = us;
    this.nowText = text;
    this.precision = precision;
  }

  /** Records made from now until `reset` are stamped `text`, the time `us`. */
  stampAt(us: number, text: string): void {
    this.text = text;
    this.textUs = us;
  }

  /** Records are stamped at the clock's own time again. */
  reset(): void {
    this.text = this.nowText;
    this.textUs = this.us;
  }

  /**
   * The time to write on a record made now: `text`, unless a record of a later time was written
   * already (a fill at a candle's open, made after another instrument's records of the candle's
   * close), then that later time, so the output's times never go back (docs/execution.md).
   */
  stamp(): string {
    if (this.textUs >= this.writtenUs) {
      this.writtenUs = this.textUs;
      this.writtenText = this.text;
      return this.text;
    }
    return this.writtenText;
  }
}
