/**
 * When equity records are written (docs/backtest.md): on candle data, one per candle time (after
 * the candles of that time); on tick data, one at the end of each `equity_every` interval that the
 * clock leaves; and one at the end of the run. Never two at the same time.
 */

export class EquityCadence {
  /** A candle was read at the current time: an equity record is owed before the clock moves on. */
  due = false;
  /** The run has candle data (then the interval rule is off). */
  candles = false;
  private bucket = Number.NaN;
  private lastUs = Number.NEGATIVE_INFINITY;

  constructor(private readonly everyUs: number) {}

  /** True the first time a record at `us` is asked for (and later ones). */
  claim(us: number): boolean {
    if (us <= this.lastUs) return false;
    this.lastUs = us;
    return true;
  }

  /** On tick data: the end of the interval the clock leaves when it moves from `nowUs` to `nextUs`; NaN when none. */
  boundary(nowUs: number, nextUs: number): number {
    const every = this.everyUs;
    if (Number.isNaN(this.bucket)) this.bucket = Math.floor(nowUs / every);
    if (Math.floor(nextUs / every) <= this.bucket) return Number.NaN;
    const end = (this.bucket + 1) * every;
    this.bucket = Math.floor(nextUs / every);
    return end;
  }
}
