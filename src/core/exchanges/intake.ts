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
import type { FeedStats } from './binance/feed.js';

const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/**
 * A number as a venue sends it: JSON numbers as they are, decimal strings (`"61800.20"`) as their
 * value; anything else is left as it is, so the validator names it (`found "abc"`).
 */
export function venueNumber(v: unknown): unknown {
  if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
  return v;
}

/** A feed's counters, all zero. */
export function newFeedStats(): FeedStats {
  return { messages: 0, malformed: 0, refused: 0, gaps: 0, staleDropped: 0, bufferDropped: 0 };
}

export class FeedIntake {
  private readonly validator = new RecordValidator();

  constructor(
    private readonly stats: FeedStats,
    private readonly onProblem?: (detail: string) => void,
  ) {}

  /** A message that is not one the parser knows: counted, and said (like a refusal). */
  notUnderstood(): void {
    this.stats.malformed++;
    this.onProblem?.('message not understood (not a venue message this parser knows)');
  }

  /**
   * The record as it goes out (normalised by the validator where needed), or undefined when it is
   * refused (counted, and said to onProblem with the record's type and symbol).
   */
  valid(rec: Record<string, unknown>): WireRecord | undefined {
    const problem = this.validator.check(rec as WireRecord);
    if (problem === undefined) return this.validator.record;
    this.stats.refused++;
    const symbol = typeof rec.symbol === 'string' ? ` ${rec.symbol}` : '';
    this.onProblem?.(escapeText(`${String(rec.type)}${symbol} refused: ${problem}`));
    return undefined;
  }
}
