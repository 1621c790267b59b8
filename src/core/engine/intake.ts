/**
 * The engine's intake as one stage (docs/performance.md, "backtest"): each record is counted by
 * type, validated at the boundary (records/intake.ts), and handed to the engine with its clock time
 * read once. A market record that validation passed unchanged gives the times validation parsed
 * (ClockReader.take); a normalised one, and the engine's own timed records (balance, command, ...),
 * are read by the ClockReader; untimed ones (instrument) go to the engine's `push`. A batch marked
 * validated (records/validate.ts `markValidated`: a store's, checked by column as it was read) is
 * neither validated nor parsed: its times come with it. One stage, so no async generator between
 * the reader and the engine, and no time parsed twice.
 */

import { TypeCounts } from '../io/count.js';
import type { Stage } from '../io/stream.js';
import { KIND_RANK } from '../market/market.js';
import type { MarketIntake } from '../records/intake.js';
import type { WireRecord } from '../records/record.js';
import { type ValidatedTimes, validatedTimes } from '../records/validate.js';
import { ClockReader } from './clock.js';
import { ENGINE_TYPES } from './control.js';
import type { BacktestEngine } from './engine.js';

/** True for the record types the engine runs its clock on (market records and its own); the same test as `BacktestEngine.push`. */
export function isTimed(type: string): boolean {
  return type in KIND_RANK || type === 'funding' || ENGINE_TYPES.has(type);
}

export class EngineIntake implements Stage {
  /** The records read, by type (before validation): what `backtest` says when none could fill. */
  readonly counts = new TypeCounts();
  private readonly clock = new ClockReader();

  constructor(
    private readonly engine: BacktestEngine,
    private readonly intake: MarketIntake,
  ) {}

  /** The batch being pushed, when it is marked validated (records/validate.ts: a store's). */
  private valid: ValidatedTimes | undefined;
  private at = 0;

  begin(batch: readonly WireRecord[]): void {
    this.valid = validatedTimes(batch);
    this.at = 0;
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    this.counts.add(rec);
    const valid = this.valid;
    if (valid !== undefined) {
      // Validated already, its times given: neither checked nor parsed again.
      const i = this.at++;
      const us = valid.time[i]!;
      const local = valid.local === undefined ? Number.NaN : valid.local[i]!;
      const cr = this.clock;
      cr.take(rec, us, us % 1000 === 0 ? 'ms' : 'us', local, local % 1000 === 0 ? 'ms' : 'us');
      this.engine.step(rec, cr.us, cr.text, cr.precision, out);
      return;
    }
    const intake = this.intake;
    const r = intake.accept(rec);
    if (r === undefined) return;
    const cr = this.clock;
    if (intake.parsed) {
      const v = intake.validator;
      cr.take(r, v.timeUs, v.timePrecision, v.localTimeUs, v.localPrecision);
    } else if (!isTimed(r.type) || !cr.read(r)) {
      // Untimed records are the engine's to take; a timed one without a time, its to refuse
      // (its push reads the time again, fails the same way, and names the record).
      this.engine.push(r, out);
      return;
    }
    this.engine.step(r, cr.us, cr.text, cr.precision, out);
  }

  finish(out: WireRecord[]): void {
    this.engine.finish(out);
  }

  finishBatches(): Iterable<WireRecord[]> {
    return this.engine.finishBatches();
  }
}
