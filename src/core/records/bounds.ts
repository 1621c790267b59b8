/**
 * The wire format's numbers (docs/format.md, "Validation"): the bounds of a market record's
 * numbers and times, the messages for a number outside them, and the readings of a number or a
 * sequence as venues send them. RecordValidator (validate.ts) checks records with them; a consumer
 * that reads numbers itself (features' byte path, the candle scanner, the book) uses them directly.
 */

import { describeFound } from '../errors.js';

export const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const DIGITS = /^\d{1,16}$/;

/**
 * The bounds of a market record's numbers (docs/format.md, "Validation"): every price, amount,
 * volume and rate is a finite number of magnitude at most 1e18, and a positive one at least 1e-18,
 * so that products and sums of them (a notional, an equity) stay finite and exact decimal arithmetic
 * stays cheap; times lie in [1970-01-01, 2100-01-01); sequences and numeric ids are safe integers
 * (or strings of their digits), compared exactly.
 */
export const MAX_MAGNITUDE = 1e18;
export const MIN_POSITIVE = 1e-18;
/** 2100-01-01T00:00:00Z in epoch microseconds: later times are taken as corrupt. */
export const MAX_TIME_US = 4_102_444_800_000_000;

export type Bound = 'positive' | 'nonnegative' | 'any';

export const BOUND_TEXT: Record<Bound, string> = {
  positive: 'a positive number',
  nonnegative: 'a non-negative number',
  any: 'a number',
};

/** What a number of the right kind but too large or too small is told it should have been. */
export const RANGE_TEXT: Record<Bound, string> = {
  positive: 'a positive number from 1e-18 to 1e18',
  nonnegative: 'a non-negative number up to 1e18',
  any: 'a number from -1e18 to 1e18',
};

/** True when `n` has the sign `bound` asks for (NaN and the infinities never do). */
export function signOk(n: number, bound: Bound): boolean {
  if (!Number.isFinite(n)) return false;
  return bound === 'positive' ? n > 0 : bound === 'nonnegative' ? n >= 0 : true;
}

/** True when `n` (finite) is within the documented bounds for `bound`. */
export function inBounds(n: number, bound: Bound): boolean {
  if (bound === 'positive') return n >= MIN_POSITIVE && n <= MAX_MAGNITUDE;
  if (bound === 'nonnegative') return n >= 0 && n <= MAX_MAGNITUDE;
  return n >= -MAX_MAGNITUDE && n <= MAX_MAGNITUDE;
}

/**
 * The validator's message for a number outside `bound` (undefined within it), for a consumer that
 * reads a record's numbers itself (features' byte path).
 */
export function boundProblem(field: string, n: number, bound: Bound): string | undefined {
  if (inBounds(n, bound)) return undefined;
  return `expected ${signOk(n, bound) ? RANGE_TEXT[bound] : BOUND_TEXT[bound]} for "${field}", found ${describeFound(n)}`;
}

/**
 * A sequence number or numeric id: a non-negative safe integer, or a string of at most 16 decimal
 * digits whose value is one (returned as that number); NaN for anything else (1e20, 1.5, "abc", true).
 */
export function safeSequence(v: unknown): number {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : Number.NaN;
  if (typeof v === 'string' && DIGITS.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : Number.NaN;
  }
  return Number.NaN;
}

export const SEQUENCE_TEXT = 'a whole number (0 to 2^53-1)';

/** A JSON number, or a decimal string as venues send them; NaN otherwise. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
  return Number.NaN;
}
