/**
 * Turning CSV text into timed record batches: the loop every CSV source shares (line splitting,
 * header detection per file, located errors under --on-error), and the field readers the venue
 * parsers use.
 */

import { type ErrorPolicy, splitLines } from '../io/lines.js';
import { attachOrigin, type WireRecord } from '../records/record.js';
import { formatTime, type TimePrecision, US_PER_MS } from '../records/time.js';
import type { TimedBatch } from './timed.js';

/** A problem with one row: becomes `source:line: message` under the error policy. */
export class RowError extends Error {}

export interface ParsedRow {
  readonly record: WireRecord;
  /** The JSON text of `record`, when the parser built it directly (faster than JSON.stringify). */
  readonly json?: string;
  readonly key: number;
}

export interface RowParser {
  /** What the rows are, for messages: `spot klines`. */
  readonly what: string;
  /** True when this first line is a header row (detected per file, never assumed). */
  isHeader(fields: string[]): boolean;
  /** Parses one data row, or throws RowError. */
  parse(fields: string[]): ParsedRow;
}

/** A header row starts with a field that is not a number: `open_time`, `id`, `timestamp`. */
export function startsWithName(fields: string[]): boolean {
  const f = fields[0] ?? '';
  const c = f.charCodeAt(0);
  return f.length > 0 && !(c >= 48 && c <= 57) && c !== 45 && c !== 46;
}

/**
 * Parses CSV text (no quoting: the venues' archives never quote) into timed batches, one batch per
 * chunk of lines. Blank lines are skipped; a bad row goes to `policy` as `source:line: problem`.
 */
export async function* parseCsv(
  chunks: AsyncIterable<Buffer>,
  source: string,
  parser: RowParser,
  policy: ErrorPolicy,
): AsyncGenerator<TimedBatch> {
  let first = true;
  for await (const { lines, firstLine } of splitLines(chunks, source)) {
    const records: WireRecord[] = [];
    const keys: number[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length === 0) continue;
      const fields = line.split(',');
      if (first) {
        first = false;
        if (parser.isHeader(fields)) continue;
      }
      let row: ParsedRow;
      try {
        row = parser.parse(fields);
      } catch (error) {
        if (!(error instanceof RowError)) throw error;
        policy.report(`${source}:${firstLine + i}`, error.message);
        continue;
      }
      if (row.json !== undefined) attachOrigin(row.record, firstLine + i, row.json);
      records.push(row.record);
      keys.push(row.key);
    }
    if (records.length > 0) yield { records, keys };
  }
}

export function expectColumns(fields: string[], counts: readonly number[], what: string): void {
  if (!counts.includes(fields.length))
    throw new RowError(
      `expected ${counts.join(' or ')} columns in ${what}, found ${fields.length}${fields.length === 1 ? ` ("${fields[0]!.slice(0, 40)}")` : ''}`,
    );
}

/** A decimal field as a number. Empty text is an error (Number('') would be 0). */
export function num(fields: string[], i: number, name: string): number {
  const s = fields[i]!;
  const n = +s;
  if (s.length === 0 || !Number.isFinite(n))
    throw new RowError(`expected a number for "${name}", found "${s.slice(0, 40)}"`);
  return n;
}

export function positive(fields: string[], i: number, name: string): number {
  const n = num(fields, i, name);
  if (!(n > 0)) throw new RowError(`expected a positive number for "${name}", found "${fields[i]}"`);
  return n;
}

export function whole(fields: string[], i: number, name: string): number {
  const n = num(fields, i, name);
  if (!Number.isInteger(n) || n < 0)
    throw new RowError(`expected a whole number for "${name}", found "${fields[i]}"`);
  return n;
}

export interface EpochTime {
  us: number;
  precision: TimePrecision;
}

/** Smallest epoch-milliseconds value accepted (1973), as in docs/format.md. */
const MIN_MS = 1e11;

/**
 * An epoch time in milliseconds or microseconds, told apart by magnitude per value (Binance spot
 * archives switched to microseconds on 2025-01-01; futures stayed in milliseconds).
 */
export function epoch(fields: string[], i: number, name: string, out: EpochTime): void {
  const s = fields[i]!;
  const n = +s;
  if (s.length === 0 || !Number.isInteger(n) || n < MIN_MS || n >= 1e17)
    throw new RowError(
      `expected epoch milliseconds or microseconds for "${name}", found "${s.slice(0, 40)}"`,
    );
  if (n >= 1e14) {
    out.us = n;
    out.precision = 'us';
  } else {
    out.us = n * US_PER_MS;
    out.precision = 'ms';
  }
}

/** Epoch seconds with a decimal fraction (`1696982287.4922`, Bybit's archive) to microseconds, exactly. */
export function epochSecondsFraction(text: string, name: string): EpochTime {
  const m = /^(\d{9,11})(?:\.(\d{1,9}))?$/.exec(text);
  if (m === null) throw new RowError(`expected epoch seconds for "${name}", found "${text.slice(0, 40)}"`);
  const frac = m[2] ?? '';
  const us = Number(m[1]) * 1_000_000 + Number(`${frac}000000`.slice(0, 6));
  return { us, precision: frac.length > 3 ? 'us' : 'ms' };
}

export function bool(fields: string[], i: number, name: string): boolean {
  const s = fields[i]!;
  // Spot archives write True/False, futures true/false.
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  throw new RowError(`expected true or false for "${name}", found "${s.slice(0, 40)}"`);
}

/** A JSON string literal for text known to need no escaping (symbols, venue ids, intervals). */
export function plain(text: string): string {
  return `"${text}"`;
}

export { formatTime };
