/**
 * Many engines over one parsed data set (barter's BacktestArgsConstant / BacktestArgsDynamic
 * split): `prepareData` reads the records' times once (the shared, constant part); `runPrepared`
 * builds an engine from per-run options (configuration, strategy: the dynamic part) and runs it
 * over the prepared records, giving exactly the records `backtest` would write for the same input.
 * Building an engine is cheap: it parses nothing, and reads the records in place (they are never
 * changed).
 *
 *   const data = prepareData(records);
 *   for (const fast of [5, 10, 20]) {
 *     const strategy = await loadStrategy('sma-cross', { fast, slow: 30 });
 *     const { records: out, report } = runPrepared(data, { config, strategy });
 *   }
 */

import { type BacktestOptions, createEngine } from '../backtest/backtest.js';
import { type WireRecord, whereOf } from '../records/record.js';
import type { TimePrecision } from '../records/time.js';
import { badTime, ClockReader } from './clock.js';
import { isTimed } from './intake.js';
import type { BacktestReport } from './report.js';

export interface PreparedData {
  readonly records: readonly WireRecord[];
  /** Per record: its time in microseconds (NaN for untimed records such as `instrument`). */
  readonly us: Float64Array;
  /** Per record: its time text when already canonical. */
  readonly text: readonly (string | undefined)[];
  readonly precision: readonly TimePrecision[];
}

/** Reads every record's clock time once (engine/clock.ts); a timed record without one is an error located at its line. */
export function prepareData(records: Iterable<WireRecord>, source?: string): PreparedData {
  const list = [...records];
  const us = new Float64Array(list.length);
  const text: (string | undefined)[] = new Array(list.length);
  const precision: TimePrecision[] = new Array(list.length);
  const cr = new ClockReader();
  for (let i = 0; i < list.length; i++) {
    const rec = list[i]!;
    if (!isTimed(rec.type)) {
      us[i] = Number.NaN;
      precision[i] = 'ms';
      continue;
    }
    if (!cr.read(rec)) throw badTime(whereOf(rec, source), rec);
    us[i] = cr.us;
    text[i] = cr.text;
    precision[i] = cr.precision;
  }
  return { records: list, us, text, precision };
}

/** One run over prepared data: the records the engine writes, and its report. */
export function runPrepared(
  data: PreparedData,
  options: BacktestOptions,
): { records: WireRecord[]; report: BacktestReport } {
  const engine = createEngine(options);
  const out: WireRecord[] = [];
  const { records, us, text, precision } = data;
  for (let i = 0; i < records.length; i++) {
    const t = us[i]!;
    if (Number.isNaN(t)) engine.push(records[i]!, out);
    else engine.step(records[i]!, t, text[i], precision[i]!, out);
  }
  engine.finish(out);
  return { records: out, report: engine.report };
}
