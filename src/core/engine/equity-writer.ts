/**
 * When equity is written (docs/execution.md, "Equity"): at every candle close, after the records of
 * that time; on finer data every `equity_every` of event time; and the daily loss limit, checked
 * on each equity written.
 */

import type { EquityCadence } from '../marks/cadence.js';
import type { Marks } from '../marks/equity.js';
import { formatTime } from '../records/time.js';
import type { TradingState } from '../risk/trading-state.js';
import type { Clock } from './clock.js';
import type { Recorder } from './records.js';

export class EquityWriter {
  constructor(
    private readonly clock: Clock,
    private readonly marks: Marks,
    private readonly cadence: EquityCadence,
    private readonly state: TradingState,
    private readonly rec: Recorder,
  ) {}

  /** Emits the equity owed before the clock moves to `nextUs`. */
  flush(nextUs: number): void {
    const clock = this.clock;
    if (this.marks.quoteAsset === undefined || !clock.started) return;
    const cadence = this.cadence;
    if (cadence.due) {
      cadence.due = false;
      this.emit(clock.us);
      return;
    }
    if (cadence.candles) return;
    const end = cadence.boundary(clock.us, nextUs);
    if (Number.isNaN(end)) return;
    // An interval that ends exactly at the next record's time is written after the records of
    // that time (they belong to it), not before them with the state they have not changed yet.
    if (end === nextUs) {
      cadence.due = true;
      return;
    }
    clock.stampAt(end, formatTime(end, clock.precision));
    this.emit(end);
    clock.reset();
  }

  emit(us: number): void {
    if (!this.cadence.claim(us)) return;
    const e = this.marks.equity();
    this.rec.equity(this.marks.quoteAsset!, e);
    const reason = this.state.dailyLoss(us, e.equity);
    if (reason !== undefined) this.rec.tradingState(false, reason);
  }
}
