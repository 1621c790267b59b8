/**
 * `drawdown`: the drawdown periods of a series read from records (equity by default, any numeric
 * field, or an asset's balance), streamed in constant memory per series.
 */

import { DataError, describeFound } from '../errors.js';
import type { RecordStream, Stage } from '../io/stream.js';
import { runStage } from '../io/stream.js';
import { toNumber } from '../records/bounds.js';
import { type WireRecord, whereOf } from '../records/record.js';
import { formatTime, parseTime, type TimePrecision } from '../records/time.js';
import { type DrawdownPeriod, DrawdownStats, DrawdownTracker, periodFields } from './drawdown.js';

export interface DrawdownOptions {
  /** The numeric field to follow (default `equity`, or `total` with `asset`). */
  readonly field?: string;
  /** Only records of this type (default `equity`; `balance` with `asset`; any type with `field`). */
  readonly recordType?: string;
  /** Follow the `total` of `balance` records of this asset. */
  readonly asset?: string;
  /** With `asset`: only this exchange's balance. */
  readonly exchange?: string;
  /** Also emit a point per input point. */
  readonly series?: boolean;
  /** Measure declines in the field's units (peak - value) instead of as a fraction of the peak. */
  readonly absolute?: boolean;
  /** Write the input records too, each drawdown record after the point that produced it. */
  readonly passThrough?: boolean;
  /** Input name for messages. */
  readonly source?: string;
}

/** Fields that tell series apart and are copied onto the output. */
const KEY_FIELDS = ['exchange', 'symbol', 'asset', 'strategy'] as const;

interface Series {
  readonly tracker: DrawdownTracker;
  readonly stats: DrawdownStats;
  readonly key: Record<string, unknown>;
  lastTime: number;
}

export class DrawdownStage implements Stage {
  readonly field: string;
  readonly recordType: string | undefined;
  /** Points of the series seen (records the stage follows). */
  points = 0;
  private readonly series = new Map<string, Series>();
  private precision: TimePrecision = 'ms';
  /** The series of the last record: consecutive records mostly belong to the same one. */
  private last: Series | undefined;

  constructor(private readonly options: DrawdownOptions = {}) {
    if (options.asset !== undefined) {
      this.field = options.field ?? 'total';
      this.recordType = options.recordType ?? 'balance';
    } else if (options.field !== undefined) {
      this.field = options.field;
      this.recordType = options.recordType;
    } else {
      this.field = 'equity';
      this.recordType = options.recordType ?? 'equity';
    }
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    if (this.options.passThrough === true) out.push(rec);
    if (!this.selects(rec)) return;
    this.points++;
    const value = toNumber(rec[this.field]);
    if (!Number.isFinite(value))
      throw new DataError(
        this.where(rec),
        `expected a number for "${this.field}", found ${describeFound(rec[this.field])}`,
      );
    const parsed = parseTime(rec.time);
    if (parsed === undefined)
      throw new DataError(this.where(rec), `expected a time for "time", found ${JSON.stringify(rec.time)}`);
    if (parsed.precision === 'us') this.precision = 'us';
    const t = parsed.us;
    let s = this.last;
    if (
      s === undefined ||
      rec.exchange !== s.key.exchange ||
      rec.symbol !== s.key.symbol ||
      rec.asset !== s.key.asset ||
      rec.strategy !== s.key.strategy
    ) {
      s = this.lookup(rec, t);
      this.last = s;
    } else if (t < s.lastTime) {
      throw this.outOfOrder(rec, s);
    }
    s.lastTime = t;
    const done = s.tracker.update(value, t);
    if (s.tracker.nonPositivePeak)
      throw new DataError(
        this.where(rec),
        `a peak-relative drawdown needs values > 0, found a peak of ${s.tracker.runningPeak} in "${this.field}"; use --absolute for a series such as PnL`,
      );
    if (this.options.series === true) {
      out.push({
        type: 'drawdown',
        time: formatTime(t, this.precision),
        kind: 'point',
        ...s.key,
        value: s.tracker.level,
        peak: s.tracker.runningPeak,
        level: value,
      });
    }
    if (done !== undefined) {
      s.stats.add(done);
      out.push(this.period(s, done));
    }
  }

  finish(out: WireRecord[]): void {
    for (const s of this.series.values()) {
      const open = s.tracker.current();
      if (open !== undefined) out.push(this.period(s, open));
      const all = s.stats.with(open);
      const mean = all.mean;
      const meanDuration = all.meanDuration;
      out.push({
        type: 'drawdown_summary',
        time: formatTime(s.lastTime, this.precision),
        ...s.key,
        field: this.field,
        max: all.max?.value ?? 0,
        mean: mean ?? null,
        mean_duration_ms: meanDuration === undefined ? null : meanDuration / 1000,
        count: all.count,
        current: s.tracker.level,
        points: s.tracker.points,
        ...(all.count === 0 ? { reason: 'no drawdown in the series' } : {}),
      });
    }
  }

  /** The series a record belongs to (by its exchange, symbol, asset and strategy), made on first sight. */
  private lookup(rec: WireRecord, t: number): Series {
    const id = KEY_FIELDS.map((f) => (typeof rec[f] === 'string' ? rec[f] : '')).join('\u0000');
    let s = this.series.get(id);
    if (s === undefined) {
      const key: Record<string, unknown> = {};
      for (const f of KEY_FIELDS) if (typeof rec[f] === 'string') key[f] = rec[f];
      s = {
        tracker: new DrawdownTracker(this.options.absolute === true),
        stats: new DrawdownStats(),
        key,
        lastTime: t,
      };
      this.series.set(id, s);
    } else if (t < s.lastTime) {
      throw this.outOfOrder(rec, s);
    }
    return s;
  }

  private outOfOrder(rec: WireRecord, s: Series): DataError {
    return new DataError(
      this.where(rec),
      `record at ${String(rec.time)} is older than the one before (${formatTime(s.lastTime, this.precision)}); sort the input first (tickpipe sanitize --reorder-window N)`,
    );
  }

  /** What the stage follows, for a message when it found none: `no equity records`. */
  describeSeries(): string {
    const o = this.options;
    const of =
      o.asset === undefined ? '' : ` of ${o.asset}${o.exchange === undefined ? '' : ` on ${o.exchange}`}`;
    return this.recordType === undefined
      ? `no records with a "${this.field}" field`
      : `no ${this.recordType} records${of}${this.field === 'equity' || this.field === 'total' ? '' : ` with "${this.field}"`}`;
  }

  private selects(rec: WireRecord): boolean {
    if (this.recordType !== undefined && rec.type !== this.recordType) return false;
    const o = this.options;
    if (o.asset !== undefined && rec.asset !== o.asset) return false;
    if (o.exchange !== undefined && rec.exchange !== o.exchange) return false;
    // With --field and no type, a record without the field is not part of the series.
    if (this.recordType === undefined && !(this.field in rec)) return false;
    return rec.type !== 'drawdown' && rec.type !== 'drawdown_summary';
  }

  private period(s: Series, p: DrawdownPeriod): WireRecord {
    return {
      type: 'drawdown',
      time: formatTime(p.timeEnd, this.precision),
      kind: 'period',
      ...s.key,
      ...periodFields(p, this.precision),
    };
  }

  private where(rec: WireRecord): string {
    return whereOf(rec, this.options.source);
  }
}

/** The drawdown periods (and, with `series`, points) of the selected series, then one summary per series. */
export function drawdown(input: RecordStream, stage: DrawdownStage): RecordStream {
  return runStage(input, stage);
}
