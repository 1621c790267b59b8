/**
 * An exactly rounded running sum that values can also leave: Shewchuk's non-overlapping partials (the
 * algorithm behind Python's `math.fsum`, which backtrader's SMA uses over its window). `add` and
 * `remove` are exact, so a sliding window's sum never drifts however long the run; `value` is the
 * exact sum of the doubles currently in it, rounded once to the nearest double (ties to even), the
 * same double `math.fsum` returns for the window. Work per call is O(number of partials), in
 * practice 1 to 3; it is bounded by the exponent range (about 40).
 *
 * Non-finite values cannot be held exactly: while any is in the sum, `value` is their plain sum
 * (NaN, or an infinity), as `math.fsum` gives.
 */
export class ExactSum {
  private partials: number[] = [];
  private nonFinite = 0;
  private nonFiniteSum = 0;

  /** Adds `x` exactly. */
  add(x: number): void {
    if (!Number.isFinite(x)) {
      this.nonFinite++;
      this.nonFiniteSum += x;
      return;
    }
    const p = this.partials;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    if (x !== 0) p[i++] = x;
    // Only when it shrinks: setting an array's length is a call into the runtime, even to the same length.
    if (i !== p.length) p.length = i;
  }

  /** Removes `x` exactly (a value added before). */
  remove(x: number): void {
    if (!Number.isFinite(x)) {
      // Only the count matters: the plain sum of what is left is recomputed from nothing exact.
      this.nonFinite--;
      if (this.nonFinite === 0) this.nonFiniteSum = 0;
      return;
    }
    this.add(-x);
  }

  /** Adds the exact square of `x` (x·x and its rounding error, by Dekker's product). */
  addSquare(x: number): void {
    const p = x * x;
    this.add(p);
    if (Number.isFinite(p)) this.add(squareError(x, p));
  }

  /** Removes the exact square of `x`. */
  removeSquare(x: number): void {
    const p = x * x;
    this.remove(p);
    if (Number.isFinite(p)) this.remove(squareError(x, p));
  }

  clear(): void {
    this.partials.length = 0;
    this.nonFinite = 0;
    this.nonFiniteSum = 0;
  }

  /** The exact sum rounded to the nearest double, ties to even. */
  get value(): number {
    if (this.nonFinite > 0) return this.nonFiniteSum;
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // hi + lo is exact; when lo is exactly half an ulp, the partials below it decide the rounding.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

/** Decimal places looked for in a value; beyond this a value is treated as off any grid. */
export const MAX_PLACES = 9;
export const NO_GRID = MAX_PLACES + 1;
export const POW10 = Array.from({ length: MAX_PLACES + 1 }, (_, i) => 10 ** i);

/**
 * The fewest decimal places d (0 to MAX_PLACES) for which x is the double nearest a decimal with d
 * places, i.e. what parsing that decimal's text gives; NO_GRID when there is none.
 */
export function decimalPlaces(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 2 ** 40) return NO_GRID;
  for (let d = 0; d <= MAX_PLACES; d++) {
    const p = POW10[d]!;
    if (Math.round(x * p) / p === x) return d;
  }
  return NO_GRID;
}

/**
 * A running sum that is exact in decimal when its values are decimals of at most MAX_PLACES places
 * (volumes and prices parsed from text): the double nearest the decimal sum, so a bucket's volume is
 * the same number however its values were grouped. Values off any such grid give the exactly
 * rounded sum of the doubles (ExactSum).
 */
export class DecimalSum {
  private readonly s = new ExactSum();
  private places = 0;
  private offGrid = false;

  add(x: number): void {
    this.s.add(x);
    if (this.offGrid) return;
    // On the grid of the places found so far (the common case: volumes of one instrument share
    // theirs), nothing changes: one test instead of decimalPlaces' search from 0 places. It is
    // decimalPlaces' own test at this many places, so the result is the same.
    const p = POW10[this.places]!;
    if (Math.abs(x) < 2 ** 40 && Math.round(x * p) / p === x) return;
    const d = decimalPlaces(x);
    if (d === NO_GRID) this.offGrid = true;
    else if (d > this.places) this.places = d;
  }

  get value(): number {
    const sum = this.s.value;
    if (this.offGrid) return sum;
    const scale = POW10[this.places]!;
    const scaled = sum * scale;
    const units = Math.round(scaled);
    return Math.abs(units) < 2 ** 51 && Math.abs(scaled - units) < 0.25 ? units / scale : sum;
  }
}

const SPLIT = 134_217_729; // 2^27 + 1, Veltkamp's splitter for doubles

/** The exact error of x·x rounded to `p` (Dekker's TwoProduct for a square). */
function squareError(x: number, p: number): number {
  const c = SPLIT * x;
  const hi = c - (c - x);
  const lo = x - hi;
  return hi * hi - p + 2 * hi * lo + lo * lo;
}
