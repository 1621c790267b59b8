/** Signals between two series. */

/**
 * The sign of a crossing of two series, as backtrader's CrossOver: +1 on the value where `a` is
 * strictly above `b` after the last value where they differed had it below (so a tie, however long,
 * is neither a cross nor the end of one: below, equal, above is a cross; above, equal, above is not),
 * -1 for the opposite, 0 otherwise. It remembers the last non-zero difference.
 */
export class CrossOver {
  private lastNonZero = 0;
  value = 0;

  update(a: number, b: number): number {
    const d = a - b;
    const prev = this.lastNonZero;
    this.value = prev < 0 && d > 0 ? 1 : prev > 0 && d < 0 ? -1 : 0;
    if (d !== 0) this.lastNonZero = d;
    return this.value;
  }
}
