/**
 * Reducing long series for drawing. A chart is a few thousand pixels wide, so a million points are
 * cut to a bounded number of buckets of consecutive points, keeping what the eye looks for:
 *
 * - a line (equity, underwater, position): **min/max per bucket**. Each bucket keeps its lowest and
 *   its highest point, in time order (one point when they coincide). Every peak and every trough
 *   survives, so the deepest drawdown drawn is the deepest there was (LTTB keeps a shape but may
 *   drop the one extreme a tear sheet is about).
 * - candles: **merged per bucket**, as a coarser interval would be: the first open, the highest high,
 *   the lowest low, the last close, at the time of the first candle.
 *
 * Series at or under the budget are returned unchanged.
 */

/** A growable column of doubles (a million points in 8 MB, not a million objects). */
export class Column {
  data: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  last(): number {
    return this.data[this.length - 1]!;
  }

  toArray(): number[] {
    return Array.from(this.data.subarray(0, this.length));
  }
}

export interface Line {
  readonly t: number[];
  readonly v: number[];
}

/** The index ranges of `buckets` runs of consecutive points covering 0..n. */
function bucketBounds(n: number, buckets: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    if (hi > lo) out.push([lo, hi]);
  }
  return out;
}

/**
 * Min/max per bucket: at most 2 x `buckets` points, each bucket's lowest and highest point in time
 * order; the first and last points of the series are always kept.
 *
 * @example minMaxBuckets([1, 2, 3, 4, 5, 6], [5, 1, 9, 2, 8, 3], 1) // { t: [1, 2, 3, 6], v: [5, 1, 9, 3] }
 */
export function minMaxBuckets(
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  buckets: number,
  n = Math.min(t.length, v.length),
): Line {
  if (n <= 2 * buckets)
    return { t: Array.from({ length: n }, (_, i) => t[i]!), v: Array.from({ length: n }, (_, i) => v[i]!) };
  const keep: number[] = [0];
  for (const [lo, hi] of bucketBounds(n, buckets)) {
    let min = lo;
    let max = lo;
    for (let i = lo + 1; i < hi; i++) {
      if (v[i]! < v[min]!) min = i;
      if (v[i]! > v[max]!) max = i;
    }
    const a = Math.min(min, max);
    const b = Math.max(min, max);
    if (a > keep[keep.length - 1]!) keep.push(a);
    if (b > keep[keep.length - 1]!) keep.push(b);
  }
  if (keep[keep.length - 1] !== n - 1) keep.push(n - 1);
  return { t: keep.map((i) => t[i]!), v: keep.map((i) => v[i]!) };
}

export interface Candles {
  readonly t: number[];
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
}

/** Candles merged per bucket (first open, highest high, lowest low, last close, first time). */
export function mergeCandles(
  t: ArrayLike<number>,
  open: ArrayLike<number>,
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  n: number,
  buckets: number,
): Candles {
  const out: Candles = { t: [], open: [], high: [], low: [], close: [] };
  const bounds =
    n <= buckets
      ? Array.from({ length: n }, (_, i): [number, number] => [i, i + 1])
      : bucketBounds(n, buckets);
  for (const [lo, hi] of bounds) {
    let h = high[lo]!;
    let l = low[lo]!;
    for (let i = lo + 1; i < hi; i++) {
      if (high[i]! > h) h = high[i]!;
      if (low[i]! < l) l = low[i]!;
    }
    out.t.push(t[lo]!);
    out.open.push(open[lo]!);
    out.high.push(h);
    out.low.push(l);
    out.close.push(close[hi - 1]!);
  }
  return out;
}

/** The index of the last time in ascending `times` that is <= `x` (0 when none is). */
export function bucketOf(times: readonly number[], x: number): number {
  let lo = 0;
  let hi = times.length - 1;
  if (hi < 0 || x <= times[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
