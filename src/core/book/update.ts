/**
 * A book update's levels and sequences: read from a record into a BookScan (the record path's
 * counterpart of `scanBook`), and the bounds both paths check before a book is touched.
 */

import { DataError, describeFound } from '../errors.js';
import { MAX_MAGNITUDE, MIN_POSITIVE, safeSequence, toNumber } from '../records/bounds.js';
import type { WireRecord } from '../records/record.js';
import type { BookScan } from './scan.js';

/** A place in the input for messages: the source, with the line where known. */
export function where(source: string, line: number | undefined): string {
  return line === undefined ? source : `${source}:${line}`;
}

/** A sequence field that was present but not a number or a string of digits. */
const INVALID = -1;

/** A record's sequence field as a number: its value when a safe integer (or digits of one), else INVALID. */
function sequenceField(v: unknown): number {
  const n = safeSequence(v);
  return Number.isNaN(n) ? INVALID : n;
}

/** A level's price and amount within the wire format's bounds (docs/format.md, "Validation"). */
function levelInBounds(price: number, amount: number): boolean {
  return price >= MIN_POSITIVE && price <= MAX_MAGNITUDE && amount >= 0 && amount <= MAX_MAGNITUDE;
}

/** True when every level the scan read is within bounds (else the record path refuses the line). */
export function scannedInBounds(u: BookScan): boolean {
  for (let i = 0; i < u.bidCount; i++) if (!levelInBounds(u.bidPrices[i]!, u.bidAmounts[i]!)) return false;
  for (let i = 0; i < u.askCount; i++) if (!levelInBounds(u.askPrices[i]!, u.askAmounts[i]!)) return false;
  return true;
}

export function validSequence(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** True when the update's sequence, and its first and previous sequence where given, are safe integers. */
export function sequencesValid(u: BookScan): boolean {
  return (
    validSequence(u.sequence) &&
    (Number.isNaN(u.firstSequence) || validSequence(u.firstSequence)) &&
    (Number.isNaN(u.prevSequence) || validSequence(u.prevSequence))
  );
}

/**
 * Why an update's sequences are not valid (sequencesValid is false): the first bad field, with its
 * value as the record has it (or as the scan read it).
 */
export function invalidSequence(u: BookScan, rec: WireRecord | undefined): string {
  const field = !validSequence(u.sequence)
    ? 'sequence'
    : !Number.isNaN(u.firstSequence) && !validSequence(u.firstSequence)
      ? 'first_sequence'
      : 'prev_sequence';
  const value =
    rec !== undefined
      ? rec[field]
      : field === 'sequence'
        ? u.sequence
        : field === 'first_sequence'
          ? u.firstSequence
          : u.prevSequence;
  return `expected a whole number (0 to 2^53-1) for "${field}", found ${describeFound(value)}`;
}

/**
 * A book record's update read into `u`: its levels checked and copied, its snapshot flag and its
 * sequences (INVALID where present but not a safe integer: sequencesValid then fails).
 */
export function readRecordUpdate(
  rec: WireRecord,
  u: BookScan,
  source: string,
  line: number | undefined,
): void {
  levelsOf(rec, 'bids', u, source, line);
  levelsOf(rec, 'asks', u, source, line);
  u.snapshot = rec.snapshot === true;
  u.sequence = rec.sequence === undefined ? 0 : sequenceField(rec.sequence);
  u.firstSequence = rec.first_sequence === undefined ? Number.NaN : sequenceField(rec.first_sequence);
  u.prevSequence = rec.prev_sequence === undefined ? Number.NaN : sequenceField(rec.prev_sequence);
}

/** Checks a record's levels and copies them into `u` (JSON numbers, or decimal strings converted). */
function levelsOf(
  rec: WireRecord,
  field: 'bids' | 'asks',
  u: BookScan,
  source: string,
  line: number | undefined,
): void {
  const v = rec[field];
  const n = v === undefined ? 0 : Array.isArray(v) ? v.length : -1;
  if (n < 0) throw new DataError(where(source, line), `expected an array of [price, amount] for "${field}"`);
  const bids = field === 'bids';
  if (bids) u.reserve(n, 0);
  else u.reserve(0, n);
  const prices = bids ? u.bidPrices : u.askPrices;
  const amounts = bids ? u.bidAmounts : u.askAmounts;
  for (let i = 0; i < n; i++) {
    const l = (v as unknown[])[i] as unknown[];
    const p = l?.[0];
    const a = l?.[1];
    // JSON numbers, or decimal strings as venues send them: never Number() of anything (true is 1).
    const price = toNumber(p);
    const amount = toNumber(a);
    if (!levelInBounds(price, amount))
      throw new DataError(
        where(source, line),
        `expected [price, amount] with 1e-18 <= price <= 1e18 and 0 <= amount <= 1e18 in "${field}", found ${describeFound(l)}`,
      );
    prices[i] = price;
    amounts[i] = amount;
  }
  if (bids) u.bidCount = n;
  else u.askCount = n;
}
