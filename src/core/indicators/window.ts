import { decimalPlaces, ExactSum, MAX_PLACES, NO_GRID, POW10 } from './exact-sum.js';

/**
 * A fixed-size window of the last `n` values with their exactly rounded sum and sum of squares
 * (see exact-sum.ts): the sums are those of the values in the window, rounded once, so they cannot
 * drift, and a window mean is `math.fsum(window) / n`, the value backtrader's SMA computes.
 */
export class Window {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;
  private readonly s = new ExactSum();
  private readonly q: ExactSum | undefined;
  /** Decimal places of each value (NO_GRID when it has none up to MAX_PLACES) and their counts. */
  private readonly places: Uint8Array;
  private readonly placeCounts = new Uint32Array(MAX_PLACES + 2);

  constructor(
    readonly n: number,
    squares = false,
  ) {
    checkPeriod(n, 'an indicator window');
    this.values = new Float64Array(n);
    this.places = new Uint8Array(n);
    if (squares) this.q = new ExactSum();
  }

  get full(): boolean {
    return this.count === this.n;
  }

  get size(): number {
    return this.count;
  }

  /** The sum of the values in the window, exactly rounded. */
  get sum(): number {
    return this.s.value;
  }

  /** The sum of their squares, exactly rounded (a window made with `squares`; else NaN). */
  get sumSq(): number {
    return this.q === undefined ? Number.NaN : this.q.value;
  }

  /** Adds a value; returns the value that left the window, or NaN while it was filling. */
  push(x: number): number {
    const full = this.count === this.n;
    const out = full ? this.values[this.next]! : Number.NaN;
    if (full) this.placeCounts[this.places[this.next]!]!--;
    const d = decimalPlaces(x);
    this.places[this.next] = d;
    this.placeCounts[d]!++;
    this.values[this.next] = x;
    this.next = this.next + 1 === this.n ? 0 : this.next + 1;
    if (!full) this.count++;
    this.s.add(x);
    this.q?.addSquare(x);
    if (full) {
      this.s.remove(out);
      this.q?.removeSquare(out);
    }
    return out;
  }

  /**
   * The mean of the window. When every value in it is a decimal with at most MAX_PLACES places (a
   * price on a tick, as parsed from its text), the mean is computed from the decimal sum in integer
   * units, so it is the double nearest the exact decimal mean: two windows whose means are equal in
   * decimal give the same double, whatever the windows' lengths. Otherwise `sum / n`
   * (`math.fsum(window) / n`).
   */
  mean(): number {
    const sum = this.sum;
    const count = this.count;
    if (this.placeCounts[NO_GRID] === 0) {
      let d = MAX_PLACES;
      while (d > 0 && this.placeCounts[d] === 0) d--;
      const scale = POW10[d]!;
      const scaled = sum * scale;
      const units = Math.round(scaled);
      // The exact sum of the doubles is within far less than half a unit of the decimal sum; these
      // bounds keep the integers exact and the rounding above unambiguous.
      if (Math.abs(units) < 2 ** 51 && count * scale < 2 ** 53 && Math.abs(scaled - units) < 0.25)
        return units / (count * scale);
    }
    return sum / count;
  }

  /** The i-th oldest value in the window (0 = oldest). */
  at(i: number): number {
    const start = this.count === this.n ? this.next : 0;
    return this.values[(start + i) % this.n]!;
  }

  /** The largest value in the window (O(n); for small windows). */
  max(): number {
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.count; i++) m = Math.max(m, this.values[i]!);
    return m;
  }

  /** The smallest value in the window (O(n)). */
  min(): number {
    let m = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.count; i++) m = Math.min(m, this.values[i]!);
    return m;
  }
}

/** Throws unless `n` is a whole number >= 1 (`what` names it in the message). */
export function checkPeriod(n: number, what: string, min = 1): void {
  if (!Number.isInteger(n) || n < min)
    throw new RangeError(`${what} must be a whole number >= ${min}, found ${n}`);
}
