/**
 * The engine's one clock, in event time: the time of the records read (microseconds since the
 * epoch) and its text as written on output records. Latency, cancels, good-till times and equity
 * cadence are all measured on it, never on the wall clock.
 */

import type { TimePrecision } from '../records/time.js';

export class Clock {
  /** Now. -Infinity before the first record. */
  us = Number.NEGATIVE_INFINITY;
  /** The clock before the current record's time. */
  prevUs = Number.NEGATIVE_INFINITY;
  /** The time written on records made now (a candle's open fills change it while they are made). */
  text = '';
  /** The precision of the input's times, which written times follow. */
  precision: TimePrecision = 'ms';

  get started(): boolean {
    return this.us !== Number.NEGATIVE_INFINITY;
  }

  advance(us: number, text: string, precision: TimePrecision): void {
    this.prevUs = this.us;
    this.us = us;
    this.text = text;
    this.precision = precision;
  }
}
