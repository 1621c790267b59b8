import { formatTime, type TimePrecision } from '../records/time.js';

/**
 * Drawdown, measured peak-relative and streamed: a drawdown period starts at a peak, its depth is the
 * largest (peak - value) / peak reached inside it, and it ends at the first later point at or above
 * the peak (the value recovered; that point is the next peak). docs/statistics.md has the rules.
 */

/** One drawdown period. Times are epoch microseconds. */
export interface DrawdownPeriod {
  /** The depth: (peak - trough) / peak, or peak - trough in absolute mode. */
  readonly value: number;
  readonly peak: number;
  readonly trough: number;
  /** When the peak was made (the last point at the peak before the decline). */
  readonly timeStart: number;
  readonly timeTrough: number;
  /** When the value recovered to the peak, or the last point seen while still under water. */
  readonly timeEnd: number;
  readonly recovered: boolean;
}

/** A period's fields as written in `drawdown` and `summary` records (times in the wire format). */
export function periodFields(p: DrawdownPeriod, precision: TimePrecision): Record<string, unknown> {
  return {
    value: p.value,
    peak: p.peak,
    trough: p.trough,
    time_start: formatTime(p.timeStart, precision),
    time_trough: formatTime(p.timeTrough, precision),
    time_end: formatTime(p.timeEnd, precision),
    duration_ms: (p.timeEnd - p.timeStart) / 1000,
    recovered: p.recovered,
  };
}

/**
 * Follows one series point by point in constant memory. `update` returns the period a point
 * completes; `current` the period still open. In relative mode a peak must be > 0 for a drawdown to
 * be defined: while the running peak is <= 0 no drawdown is measured and `nonPositivePeak` is set.
 */
export class DrawdownTracker {
  private peak = Number.NaN;
  private peakTime = 0;
  private trough = Number.NaN;
  private troughTime = 0;
  private depth = 0;
  private lastTime = 0;
  private lastLevel = 0;
  /** Points seen. */
  points = 0;
  /** Set once a point was seen while the running peak was <= 0 (relative mode only). */
  nonPositivePeak = false;

  constructor(readonly absolute = false) {}

  update(value: number, time: number): DrawdownPeriod | undefined {
    this.lastTime = time;
    if (this.points++ === 0 || value >= this.peak) {
      const done = this.depth > 0 ? this.period(time, true) : undefined;
      this.peak = value;
      this.peakTime = time;
      this.depth = 0;
      this.lastLevel = 0;
      if (!this.absolute && value <= 0) this.nonPositivePeak = true;
      return done;
    }
    let dd: number;
    if (this.absolute) dd = this.peak - value;
    else if (this.peak > 0) dd = (this.peak - value) / this.peak;
    else {
      this.nonPositivePeak = true;
      dd = 0;
    }
    this.lastLevel = dd;
    if (dd > this.depth) {
      this.depth = dd;
      this.trough = value;
      this.troughTime = time;
    }
    return undefined;
  }

  /** The period still under water at the last point, if any. */
  current(): DrawdownPeriod | undefined {
    return this.depth > 0 ? this.period(this.lastTime, false) : undefined;
  }

  /** The drawdown at the last point (0 at a peak). */
  get level(): number {
    return this.lastLevel;
  }

  /** The running peak (NaN before the first point). */
  get runningPeak(): number {
    return this.peak;
  }

  private period(timeEnd: number, recovered: boolean): DrawdownPeriod {
    return {
      value: this.depth,
      peak: this.peak,
      trough: this.trough,
      timeStart: this.peakTime,
      timeTrough: this.troughTime,
      timeEnd,
      recovered,
    };
  }
}

/** Aggregates drawdown periods: the deepest, the mean depth, the mean and longest duration. */
export class DrawdownStats {
  count = 0;
  max: DrawdownPeriod | undefined;
  longest: DrawdownPeriod | undefined;
  private depthSum = 0;
  private durationSum = 0;

  add(p: DrawdownPeriod): void {
    this.count++;
    this.depthSum += p.value;
    this.durationSum += p.timeEnd - p.timeStart;
    if (this.max === undefined || p.value > this.max.value) this.max = p;
    if (this.longest === undefined || p.timeEnd - p.timeStart > this.longest.timeEnd - this.longest.timeStart)
      this.longest = p;
  }

  /** These statistics with `open` (the current period, if any) counted once more. */
  with(open: DrawdownPeriod | undefined): DrawdownStats {
    const s = new DrawdownStats();
    s.count = this.count;
    s.max = this.max;
    s.longest = this.longest;
    s.depthSum = this.depthSum;
    s.durationSum = this.durationSum;
    if (open !== undefined) s.add(open);
    return s;
  }

  /** Mean depth, or undefined with no period. */
  get mean(): number | undefined {
    return this.count > 0 ? this.depthSum / this.count : undefined;
  }

  /** Mean duration in microseconds, or undefined with no period. */
  get meanDuration(): number | undefined {
    return this.count > 0 ? this.durationSum / this.count : undefined;
  }
}

/**
 * The drawdown at every point of a series: (running peak - value) / running peak, 0 at a peak.
 *
 * @example drawdownSeries([100, 110, 90, 115]) // [0, 0, 0.18181818181818182, 0]
 */
export function drawdownSeries(values: readonly number[]): number[] {
  let peak = Number.NEGATIVE_INFINITY;
  return values.map((v) => {
    if (v >= peak) peak = v;
    return peak > 0 ? (peak - v) / peak : 0;
  });
}

/** Every drawdown period of a series (the last with `recovered: false` if still under water). */
export function drawdownPeriods(values: readonly number[], times?: readonly number[]): DrawdownPeriod[] {
  const t = new DrawdownTracker();
  const periods: DrawdownPeriod[] = [];
  values.forEach((v, i) => {
    const done = t.update(v, times?.[i] ?? i);
    if (done !== undefined) periods.push(done);
  });
  const open = t.current();
  if (open !== undefined) periods.push(open);
  return periods;
}

/**
 * The maximum drawdown of a series: the deepest peak-relative decline, 0 when it never declines.
 *
 * @example maxDrawdown([100, 110, 90, 115, 92]) // 0.2
 */
export function maxDrawdown(values: readonly number[]): number {
  return drawdownPeriods(values).reduce((m, p) => Math.max(m, p.value), 0);
}

/**
 * The mean depth of a series' drawdown periods (completed and current, each once), or undefined when
 * there is none.
 *
 * @example meanDrawdown([100, 110, 90, 115, 92]) // (0.181818... + 0.2) / 2
 */
export function meanDrawdown(values: readonly number[]): number | undefined {
  const periods = drawdownPeriods(values);
  return periods.length === 0 ? undefined : periods.reduce((s, p) => s + p.value, 0) / periods.length;
}
