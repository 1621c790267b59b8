/**
 * What the venue feeds emit is checked at the boundary: every record a feed makes of a venue message
 * goes through the wire format's validator (records/validate.ts: finite numbers within bounds,
 * prices above 0, times in [1970, 2100), ids and sequences safe integers) before it is emitted or
 * buffered. A record that fails is refused: counted, and described to `onProblem` (which `connect`
 * prints, located in a replay), never written with `"price":null` or made to stop its stream.
 */

import type { WireRecord } from '../records/record.js';
import { escapeText } from '../records/text.js';
import { RecordValidator } from '../records/validate.js';

const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/**
 * A number as a venue sends it: JSON numbers as they are, decimal strings (`"61800.20"`) as their
 * value; anything else is left as it is, so the validator names it (`found "abc"`).
 */
export function venueNumber(v: unknown): unknown {
  if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
  return v;
}

export class FeedIntake {
  /** Records refused so far. */
  refused = 0;
  private readonly validator = new RecordValidator();

  constructor(private readonly onProblem?: (detail: string) => void) {}

  /**
   * The record as it goes out (normalised by the validator where needed), or undefined when it is
   * refused (counted, and said to onProblem with the record's type and symbol).
   */
  /** Says something about the message being read (not a record: the message itself was not understood). */
  say(detail: string): void {
    this.onProblem?.(detail);
  }

  check(rec: WireRecord): WireRecord | undefined {
    const problem = this.validator.check(rec);
    if (problem === undefined) return this.validator.record;
    this.refused++;
    const symbol = typeof rec.symbol === 'string' ? ` ${rec.symbol}` : '';
    this.onProblem?.(escapeText(`${rec.type}${symbol} refused: ${problem}`));
    return undefined;
  }
}
