/**
 * Validation at the boundary: the market records a consumer acts on (candle, trade, quote, book,
 * funding) are checked against the wire format and its bounds (RecordValidator, docs/format.md,
 * "Validation") before they reach it. A record that fails goes to the error policy with its place
 * (`stdin:42: expected a positive number from 1e-18 to 1e18 for "close", found true`): `fail` stops
 * the run, `skip` and `warn` leave it out and are counted like a bad line (exit 1 at the end unless
 * `--allow-errors`). A valid record that was not canonical (a decimal string for a price, an epoch
 * time) goes on normalised; every other record goes on as it is.
 */

import { DataError } from '../errors.js';
import type { ErrorPolicy } from '../io/lines.js';
import { type RecordStream, runStage, type Stage } from '../io/stream.js';
import { type WireRecord, whereOf } from './record.js';
import { RecordValidator } from './validate.js';

/** The record types whose numbers a consumer computes with. */
const MARKET_TYPES = new Set(['candle', 'trade', 'quote', 'book', 'funding']);

export class MarketIntake implements Stage {
  /** The validator, whose fields describe the record `accept` last passed (its times: `timeUs`, `localTimeUs`). */
  readonly validator = new RecordValidator();
  /**
   * True when the record `accept` last passed is a market record that came through unchanged: its
   * `time` (and `local_time`) are canonical text, parsed into the validator's `timeUs` (and
   * `localTimeUs`), so a consumer need not parse them again.
   */
  parsed = false;

  /**
   * `source` names the input in messages; without a `policy` a bad record throws a DataError
   * (as `--on-error fail` does).
   */
  constructor(
    private readonly source = 'input',
    private readonly policy?: ErrorPolicy,
  ) {}

  /**
   * The record to pass on: `rec` itself, or its normalised copy (a market record), or undefined
   * when it failed validation (reported to the policy; without one, this throws).
   */
  accept(rec: WireRecord): WireRecord | undefined {
    if (!MARKET_TYPES.has(rec.type)) {
      this.parsed = false;
      return rec;
    }
    const v = this.validator;
    const problem = v.check(rec);
    if (problem === undefined) {
      this.parsed = v.record === rec;
      return v.record;
    }
    this.parsed = false;
    const where = whereOf(rec, this.source);
    if (this.policy === undefined) throw new DataError(where, problem);
    this.policy.report(where, problem);
    return undefined;
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    const r = this.accept(rec);
    if (r !== undefined) out.push(r);
  }

  finish(): void {}
}

/** A stream's market records validated (MarketIntake), the rest passed through. */
export function validateMarket(input: RecordStream, intake: MarketIntake): RecordStream {
  return runStage(input, intake);
}
