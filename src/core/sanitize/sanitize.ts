/**
 * `sanitize`: validate and clean normalised records in one streaming pass (docs/sanitize.md).
 *
 * The pass, per record:
 *   1. schema: RecordValidator (required fields, finite numbers, positive prices, non-negative
 *      amounts, known side, parseable times); epoch times and decimal strings are normalised;
 *   2. record checks: candle ohlc and candle_time, crossed quotes and books;
 *   3. reorder: with --reorder-window N, a min-heap of N records by time (ties keep arrival order);
 *   4. series checks, in time order: duplicates and conflicts (candle open_time, trade id, book
 *      sequence), order (older than what was written), gaps (and flat fills), spikes, book sequence.
 *
 * Memory is bounded: the reorder heap (N records), and per series a fixed number of recent keys and
 * the spike window. A record that needs no change is written as the bytes it came in as.
 *
 * This file is the stage: reading, reordering, and the series checks in time order that keep the
 * stage's clock (order, gaps and their fills, book sequence). Beside it: the record checks of step 2
 * (record-checks.ts), duplicates and conflicts (duplicates.ts), spikes (spike.ts), what a problem
 * found does (problems.ts), the options (options.ts) and the report (report.ts).
 */

import type { RecordStream, Stage } from '../io/stream.js';
import { runStage } from '../io/stream.js';
import { addInterval } from '../records/interval.js';
import { derive, type WireRecord } from '../records/record.js';
import { formatTime } from '../records/time.js';
import { RecordValidator } from '../records/validate.js';
import { Calendar } from './calendar.js';
import { duplicateCheck, remember } from './duplicates.js';
import {
  type Entry,
  mergeFlags,
  newEntry,
  popHeap,
  pushHeap,
  type Series,
  syntheticCandle,
} from './entries.js';
import type { SanitizeOptions } from './options.js';
import { defaultPolicy, type Policy, PROBLEM_CLASSES } from './policy.js';
import { Problems } from './problems.js';
import { recordChecks } from './record-checks.js';
import type { SanitizeReport } from './report.js';
import { RollingMad } from './rolling.js';
import { spikeCheck } from './spike.js';

export type { SanitizeOptions } from './options.js';
export { SanitizeFailure } from './problems.js';
export type { ProblemCount, ProblemExample, SanitizeReport } from './report.js';

export class Sanitizer implements Stage {
  readonly report: SanitizeReport = {
    records_in: 0,
    records_out: 0,
    synthetic: 0,
    reordered: 0,
    problems: {},
  };
  private readonly policy: Policy;
  private readonly problems: Problems;
  private readonly validator = new RecordValidator();
  private readonly window: number;
  private readonly heap: Entry[] = [];
  private readonly scratch: Entry = newEntry();
  private seq = 0;
  private lastTimeUs = Number.NEGATIVE_INFINITY;
  private lastSeenTimeUs = Number.NEGATIVE_INFINITY;
  private readonly series = new Map<string, Series>();
  private cacheSeries: Series | undefined;
  private readonly dedupeMemory: number;
  private readonly maxFill: number;
  private readonly calendar: Calendar;

  constructor(private readonly options: SanitizeOptions = {}) {
    this.policy = options.policy ?? defaultPolicy();
    this.window = options.reorderWindow ?? 0;
    this.problems = new Problems(this.report, this.policy, options.examples ?? 3, options.source ?? 'input');
    this.dedupeMemory = options.dedupeMemory ?? 1024;
    this.maxFill = options.maxFill ?? 100_000;
    this.calendar = options.calendar ?? new Calendar();
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    this.report.records_in++;
    const v = this.validator;
    const problem = v.check(rec);
    if (problem !== undefined) {
      if (!this.problems.handle('schema', rec, problem)) return;
      // keep: the record goes on unchanged and takes no part in the checks that need valid fields.
      const kept: Entry = {
        rec,
        timeUs: Number.NaN,
        openUs: Number.NaN,
        interval: undefined,
        precision: 'ms',
        seq: 0,
        flags: undefined,
        invalid: true,
      };
      this.enqueue(kept, out);
      return;
    }
    // Without a reorder window the entry is used up before the next record: reuse one object.
    const entry: Entry = this.window === 0 ? this.scratch : newEntry();
    entry.rec = v.record;
    entry.timeUs = v.timeUs;
    entry.openUs = v.openTimeUs;
    entry.interval = v.interval;
    entry.precision = v.lastPrecision;
    entry.flags = undefined;
    entry.invalid = false;
    if (!recordChecks(entry, this.problems, this.policy)) return;
    this.enqueue(entry, out);
  }

  finish(out: WireRecord[]): void {
    while (this.heap.length > 0) this.emit(popHeap(this.heap), out);
  }

  // ---- reordering -------------------------------------------------------------------------------

  private enqueue(e: Entry, out: WireRecord[]): void {
    // Records without a time sort with the record before them.
    if (Number.isNaN(e.timeUs)) e.timeUs = this.lastSeenTimeUs;
    else if (e.timeUs < this.lastSeenTimeUs) {
      if (this.window > 0 && e.timeUs >= this.lastTimeUs) this.report.reordered++;
    } else this.lastSeenTimeUs = e.timeUs;
    if (this.window === 0) {
      this.emit(e, out);
      return;
    }
    e.seq = this.seq++;
    pushHeap(this.heap, e);
    if (this.heap.length > this.window) this.emit(popHeap(this.heap), out);
  }

  // ---- series checks, in output order -----------------------------------------------------------

  private emit(e: Entry, out: WireRecord[]): void {
    const rec = e.rec;
    const type = rec.type;
    let series: Series | undefined;
    if (!e.invalid && (type === 'candle' || type === 'trade' || type === 'quote' || type === 'book')) {
      series = this.seriesOf(rec);
      if (!duplicateCheck(e, series, this.problems)) return;
    }
    if (e.timeUs < this.lastTimeUs) {
      const message = `time ${rec.time} is before ${formatTime(this.lastTimeUs, e.precision)}, already written`;
      if (!this.problems.handle('order', rec, message, e)) return;
    }
    if (series !== undefined) {
      if (type === 'candle' && !this.gapCheck(e, series, out)) return;
      if (type === 'book' && !this.sequenceCheck(e, series)) return;
      if (this.options.spike !== undefined && !spikeCheck(e, series, this.options, this.problems)) return;
      remember(e, series, this.dedupeMemory);
    }
    if (e.timeUs > this.lastTimeUs) this.lastTimeUs = e.timeUs;
    this.report.records_out++;
    out.push(e.flags === undefined ? e.rec : derive(e.rec, { flags: mergeFlags(e.rec.flags, e.flags) }));
  }

  private seriesOf(rec: WireRecord): Series {
    const c = this.cacheSeries;
    // Most streams hold one series, or runs of one: compare fields before building a map key.
    if (
      c !== undefined &&
      c.type === rec.type &&
      c.exchange === rec.exchange &&
      c.symbol === rec.symbol &&
      c.interval === rec.interval
    ) {
      return c;
    }
    const key = `${rec.type}\u0000${rec.exchange}\u0000${rec.symbol}\u0000${rec.interval ?? ''}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = {
        type: rec.type,
        exchange: rec.exchange,
        symbol: rec.symbol,
        interval: rec.interval,
        lastKey: Number.NEGATIVE_INFINITY,
        lastRecord: undefined,
        recent: new Map(),
        ringKeys: [],
        ringRecords: [],
        ringHead: 0,
        mad: this.options.spike === undefined ? undefined : new RollingMad(this.options.spikeWindow ?? 50),
        outliers: [],
        lastClose: Number.NaN,
        synced: false,
      };
      this.series.set(key, s);
    }
    this.cacheSeries = s;
    return s;
  }

  private gapCheck(e: Entry, s: Series, out: WireRecord[]): boolean {
    const interval = e.interval!;
    const prevOpen = s.lastKey;
    const close = e.rec.close as number;
    if (prevOpen === Number.NEGATIVE_INFINITY || e.openUs <= prevOpen) {
      s.lastClose = close;
      return true;
    }
    const cal = this.calendar;
    const step = addInterval(prevOpen, interval);
    const expected = cal.next(step, interval);
    // At the expected time, or in hours the calendar has closed (a Saturday candle): no gap.
    if (e.openUs === expected || (e.openUs >= step && e.openUs < expected)) {
      s.lastClose = close;
      return true;
    }
    let missing = 0;
    let t = expected;
    while (t < e.openUs && missing <= this.maxFill) {
      missing++;
      t = cal.next(addInterval(t, interval), interval);
    }
    const from = formatTime(expected, e.precision);
    const rec = e.rec;
    let message: string;
    if (t !== e.openUs && missing <= this.maxFill) {
      message = `open_time ${rec.open_time} is not a whole number of ${interval.text} after the previous candle's ${formatTime(prevOpen, e.precision)}`;
      missing = 0;
    } else {
      message = `${missing > this.maxFill ? `more than ${this.maxFill}` : missing} ${rec.interval} candle${missing === 1 ? '' : 's'} missing from ${from} before ${rec.open_time}`;
    }
    const fill = this.policy.gap === 'fix' && missing > 0 && missing <= this.maxFill;
    const firstSyntheticTime = addInterval(expected, interval);
    if (fill && firstSyntheticTime < this.lastTimeUs) {
      message +=
        '; not filled: records of other series after it were already written (sanitize each series on its own to fill it)';
    }
    if (!this.problems.handle('gap', rec, message)) return false;
    if (fill && firstSyntheticTime >= this.lastTimeUs) {
      let open = expected;
      for (let i = 0; i < missing; i++) {
        const next = addInterval(open, interval);
        out.push(syntheticCandle(rec, open, next, s.lastClose, e.precision));
        this.report.synthetic++;
        this.report.records_out++;
        open = cal.next(next, interval);
      }
      this.lastTimeUs = Math.max(this.lastTimeUs, open);
    }
    s.lastClose = close;
    return true;
  }

  private sequenceCheck(e: Entry, s: Series): boolean {
    const rec = e.rec;
    const sequence = rec.sequence as number;
    if (rec.snapshot === true) {
      // A snapshot resets the book: deltas are judged against it from here on.
      s.synced = true;
      s.lastKey = sequence;
      s.lastRecord = undefined;
      return true;
    }
    if (s.synced && sequence < s.lastKey) {
      return this.problems.handle(
        'sequence',
        rec,
        `sequence ${sequence} is below the book's last ${s.lastKey}`,
        e,
      );
    }
    return true;
  }
}

/** Sanitises a stream. `sanitizer.report` holds the counts when the stream has been read to its end. */
export function sanitize(input: RecordStream, sanitizer: Sanitizer): RecordStream {
  return runStage(input, sanitizer);
}

export { PROBLEM_CLASSES };
