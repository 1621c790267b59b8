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
 */

import { DataError } from '../errors.js';
import type { RecordStream, Stage } from '../io/stream.js';
import { runStage } from '../io/stream.js';
import { addInterval } from '../records/interval.js';
import { derive, lineOf, type WireRecord } from '../records/record.js';
import { escapeText } from '../records/text.js';
import { formatTime } from '../records/time.js';
import { RecordValidator } from '../records/validate.js';
import { Calendar } from './calendar.js';
import {
  best,
  describeKey,
  type Entry,
  mergeFlags,
  newEntry,
  popHeap,
  pushHeap,
  ringFind,
  type Series,
  sameContent,
  syntheticCandle,
} from './entries.js';
import { type Action, defaultPolicy, type Policy, PROBLEM_CLASSES, type ProblemClass } from './policy.js';
import { RollingMad } from './rolling.js';

export interface SanitizeOptions {
  readonly policy?: Policy;
  /** Sort within a buffer of this many records (0 = no reordering). */
  readonly reorderWindow?: number;
  /** Spike threshold in rolling MADs (undefined = no spike check). */
  readonly spike?: number;
  /** Values in the rolling spike window. */
  readonly spikeWindow?: number;
  /** Smallest MAD used, in basis points of the median (a flat market has MAD 0). */
  readonly spikeFloorBps?: number;
  /** Records a move must hold for to count as a new price level rather than a spike. */
  readonly spikePersist?: number;
  /** Most synthetic candles inserted for one gap. */
  readonly maxFill?: number;
  /** The open times a candle series is expected to have (default 24x7: every one). */
  readonly calendar?: Calendar;
  /** Recent keys remembered per series to tell duplicates from out-of-order records. */
  readonly dedupeMemory?: number;
  /** Input name for messages (`stdin`, a path). */
  readonly source?: string;
  /** Examples kept per problem class in the report. */
  readonly examples?: number;
}

export interface ProblemExample {
  readonly line: number | undefined;
  readonly message: string;
}

export interface ProblemCount {
  count: number;
  action: Action;
  examples: ProblemExample[];
}

export interface SanitizeReport {
  records_in: number;
  records_out: number;
  synthetic: number;
  /** Records that arrived older than one before them and were put in order by the reorder window. */
  reordered: number;
  problems: Partial<Record<ProblemClass, ProblemCount>>;
}

/** Thrown for a problem whose class has the `fail` action. */
export class SanitizeFailure extends DataError {}

export class Sanitizer implements Stage {
  readonly report: SanitizeReport = {
    records_in: 0,
    records_out: 0,
    synthetic: 0,
    reordered: 0,
    problems: {},
  };
  private readonly policy: Policy;
  private readonly validator = new RecordValidator();
  private readonly window: number;
  private readonly heap: Entry[] = [];
  private readonly scratch: Entry = newEntry();
  private seq = 0;
  private lastTimeUs = Number.NEGATIVE_INFINITY;
  private lastSeenTimeUs = Number.NEGATIVE_INFINITY;
  private readonly series = new Map<string, Series>();
  private cacheSeries: Series | undefined;
  private readonly source: string;
  private readonly examples: number;
  private readonly dedupeMemory: number;
  private readonly maxFill: number;
  private readonly calendar: Calendar;

  constructor(private readonly options: SanitizeOptions = {}) {
    this.policy = options.policy ?? defaultPolicy();
    this.window = options.reorderWindow ?? 0;
    this.source = options.source ?? 'input';
    this.examples = options.examples ?? 3;
    this.dedupeMemory = options.dedupeMemory ?? 1024;
    this.maxFill = options.maxFill ?? 100_000;
    this.calendar = options.calendar ?? new Calendar();
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    this.report.records_in++;
    const v = this.validator;
    const problem = v.check(rec);
    if (problem !== undefined) {
      if (!this.problem('schema', rec, problem)) return;
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
    if (!this.recordChecks(entry)) return;
    this.enqueue(entry, out);
  }

  finish(out: WireRecord[]): void {
    while (this.heap.length > 0) this.emit(popHeap(this.heap), out);
  }

  // ---- problems ---------------------------------------------------------------------------------

  /**
   * Counts a problem and applies its class's action. Returns true when the record goes on (keep, flag,
   * fix), false when it is dropped; throws for fail.
   */
  private problem(cls: ProblemClass, rec: WireRecord | undefined, message: string, entry?: Entry): boolean {
    const action = this.policy[cls];
    const line = rec === undefined ? undefined : lineOf(rec);
    let count = this.report.problems[cls];
    if (count === undefined) {
      count = { count: 0, action, examples: [] };
      this.report.problems[cls] = count;
    }
    count.count++;
    // The message quotes the record (its symbol, its values): escaped, so a report line is one line.
    if (count.examples.length < this.examples) count.examples.push({ line, message: escapeText(message) });
    if (action === 'fail') {
      throw new SanitizeFailure(`${this.source}:${line ?? '?'}`, `${cls}: ${message} (--policy ${cls}=fail)`);
    }
    if (action === 'flag' && entry !== undefined) {
      if (entry.flags === undefined) entry.flags = [cls];
      else entry.flags.push(cls);
    }
    return action !== 'drop';
  }

  // ---- per-record checks ------------------------------------------------------------------------

  private recordChecks(e: Entry): boolean {
    const rec = e.rec;
    if (rec.type === 'candle') return this.candleChecks(e);
    if (rec.type === 'quote') {
      if ((rec.bid_price as number) > (rec.ask_price as number)) {
        return this.problem('crossed', rec, `bid_price ${rec.bid_price} > ask_price ${rec.ask_price}`, e);
      }
      return true;
    }
    if (rec.type === 'book') {
      const bestBid = best(rec.bids as readonly (readonly [number, number])[], true);
      const bestAsk = best(rec.asks as readonly (readonly [number, number])[], false);
      if (bestBid >= bestAsk) {
        return this.problem('crossed', rec, `best bid ${bestBid} >= best ask ${bestAsk}`, e);
      }
    }
    return true;
  }

  private candleChecks(e: Entry): boolean {
    const rec = e.rec;
    const open = rec.open as number;
    const high = rec.high as number;
    const low = rec.low as number;
    const close = rec.close as number;
    if (low > open || low > close || high < open || high < close || high < low) {
      const message = `low ${low} and high ${high} do not contain open ${open} and close ${close}`;
      if (!this.problem('ohlc', rec, message, e)) return false;
      if (this.policy.ohlc === 'fix') {
        e.rec = derive(e.rec, {
          high: Math.max(open, high, low, close),
          low: Math.min(open, high, low, close),
        });
      }
    }
    const expected = addInterval(e.openUs, e.interval!);
    if (expected !== e.timeUs) {
      const want = formatTime(expected, e.precision);
      if (
        !this.problem('candle_time', rec, `time ${rec.time} is not open_time + ${rec.interval} (${want})`, e)
      ) {
        return false;
      }
      if (this.policy.candle_time === 'fix') {
        e.rec = derive(e.rec, { time: want });
        e.timeUs = expected;
      }
    }
    return true;
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
      if (!this.duplicateCheck(e, series)) return;
    }
    if (e.timeUs < this.lastTimeUs) {
      const message = `time ${rec.time} is before ${formatTime(this.lastTimeUs, e.precision)}, already written`;
      if (!this.problem('order', rec, message, e)) return;
    }
    if (series !== undefined) {
      if (type === 'candle' && !this.gapCheck(e, series, out)) return;
      if (type === 'book' && !this.sequenceCheck(e, series)) return;
      if (this.options.spike !== undefined && !this.spikeCheck(e, series)) return;
      this.remember(e, series);
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

  /** The key duplicates are judged by: candle open_time, trade id, book sequence; none for quotes. */
  private keyOf(e: Entry): unknown {
    const t = e.rec.type;
    if (t === 'candle') return e.openUs;
    if (t === 'trade') return e.rec.id;
    if (t === 'book') return e.rec.snapshot === true ? undefined : e.rec.sequence;
    return undefined;
  }

  private duplicateCheck(e: Entry, s: Series): boolean {
    const key = this.keyOf(e);
    if (key === undefined) return true;
    let earlier: WireRecord | undefined;
    if (typeof key === 'number' && e.rec.type !== 'trade') {
      // Candles and book deltas: keys rise; only a key at or below the last can repeat one.
      if (key > s.lastKey) return true;
      earlier = key === s.lastKey ? s.lastRecord : ringFind(s, key);
    } else {
      earlier = s.recent.get(key);
    }
    if (earlier === undefined) return true;
    const where = lineOf(earlier) === undefined ? '' : ` (line ${lineOf(earlier)})`;
    if (sameContent(earlier, e.rec)) {
      return this.problem('duplicate', e.rec, `repeats ${describeKey(e)}${where}`, e);
    }
    return this.problem('conflict', e.rec, `${describeKey(e)} was already seen${where} with other values`, e);
  }

  private remember(e: Entry, s: Series): void {
    const key = this.keyOf(e);
    if (key === undefined) return;
    if (e.rec.type === 'trade') {
      s.recent.set(key, e.rec);
      if (s.recent.size > this.dedupeMemory) s.recent.delete(s.recent.keys().next().value);
    } else {
      const k = key as number;
      if (s.ringKeys.length < this.dedupeMemory) {
        s.ringKeys.push(k);
        s.ringRecords.push(e.rec);
      } else {
        s.ringKeys[s.ringHead] = k;
        s.ringRecords[s.ringHead] = e.rec;
        s.ringHead = (s.ringHead + 1) % this.dedupeMemory;
      }
    }
    if (typeof key === 'number' && key > s.lastKey) {
      s.lastKey = key;
      s.lastRecord = e.rec;
    }
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
    if (!this.problem('gap', rec, message)) return false;
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
      return this.problem('sequence', rec, `sequence ${sequence} is below the book's last ${s.lastKey}`, e);
    }
    return true;
  }

  /**
   * A spike is a price far from the rolling median of recent reference prices (candle close, trade
   * price, quote mid) that reverts. A move whose reference price stays far away for `spikePersist`
   * records in a row is a new level, not a spike: the window is re-centred on it and the record that
   * confirms it passes (the ones before it in the run were already reported as spikes).
   */
  private spikeCheck(e: Entry, s: Series): boolean {
    const mad = s.mad!;
    const rec = e.rec;
    const k = this.options.spike!;
    let values: number[];
    let reference: number;
    if (rec.type === 'candle') {
      reference = rec.close as number;
      values = [reference, rec.open as number, rec.high as number, rec.low as number];
    } else if (rec.type === 'trade') {
      reference = rec.price as number;
      values = [reference];
    } else if (rec.type === 'quote') {
      values = [rec.bid_price as number, rec.ask_price as number];
      reference = (values[0]! + values[1]!) / 2;
    } else {
      return true;
    }
    if (!mad.full) {
      mad.push(reference);
      return true;
    }
    const median = mad.median();
    const scale = Math.max(mad.mad(), ((this.options.spikeFloorBps ?? 10) / 10_000) * median);
    const referenceOut = Math.abs(reference - median) / scale > k;
    if (referenceOut) {
      s.outliers.push(reference);
      if (s.outliers.length >= (this.options.spikePersist ?? 3)) {
        const level = s.outliers.slice().sort((a, b) => a - b)[s.outliers.length >> 1]!;
        mad.shift(level - median);
        s.outliers.length = 0;
        mad.push(reference);
        return true;
      }
    } else {
      s.outliers.length = 0;
    }
    for (const x of values) {
      const distance = Math.abs(x - median) / scale;
      if (distance > k) {
        const message = `price ${x} is ${distance.toFixed(1)} MADs from the rolling median ${median} (limit ${k})`;
        if (!referenceOut) mad.push(reference);
        return this.problem('spike', rec, message, e);
      }
    }
    mad.push(reference);
    return true;
  }
}

/** Sanitises a stream. `sanitizer.report` holds the counts when the stream has been read to its end. */
export function sanitize(input: RecordStream, sanitizer: Sanitizer): RecordStream {
  return runStage(input, sanitizer);
}

export { PROBLEM_CLASSES };
