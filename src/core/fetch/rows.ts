/**
 * Turning CSV text into timed record batches: the loop every CSV source shares (line splitting,
 * header detection per file, located errors under --on-error), and the field readers the venue
 * parsers use.
 */

import { CorruptInput, DataError } from '../errors.js';
import { ByteOut } from '../io/bytes.js';
import { DEFAULT_MAX_LINE_BYTES, type ErrorPolicy, splitLines } from '../io/lines.js';
import { setBatchBytes } from '../io/stream.js';
import {
  BOUND_TEXT,
  type Bound,
  inBounds,
  MAX_MAGNITUDE,
  MAX_TIME_US,
  RANGE_TEXT,
  SEQUENCE_TEXT,
  signOk,
} from '../records/bounds.js';
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
  /** True when this first line is a header row (detected per file, never assumed). */
  isHeader(fields: string[]): boolean;
  /** Parses one data row, or throws RowError. */
  parse(fields: string[]): ParsedRow;
}

/**
 * A header row is names: `open_time`, `id`, `timestamp`, each starting with a letter or `_` (so an
 * HTML page, `<!DOCTYPE html>`, is not taken for a header and dropped, it is refused as a row).
 */
export function startsWithName(fields: string[]): boolean {
  if (fields.length === 0) return false;
  for (const f of fields) if (!HEADER_NAME.test(f)) return false;
  return true;
}

const HEADER_NAME = /^[A-Za-z_][A-Za-z0-9_ ]{0,63}$/;

/**
 * A decimal as the venues write one (`42000.5`, `-0.1`, `1e-8`), as a finite number; undefined for
 * anything `Number()` would also read but is not a decimal: `0x1C1C`, `0b1`, ` 1`, `Infinity`, `1e400`.
 */
export function decimalValue(s: string): number | undefined {
  if (!DECIMAL.test(s)) return undefined;
  const n = +s;
  return Number.isFinite(n) ? n : undefined;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?$/;

const BOM = '\uFEFF';

/** The first line of an HTML page where CSV rows were expected (a venue's error page saved as a file). */
function refuseHtml(source: string, firstLine: string): void {
  if (/^\s*</.test(firstLine))
    throw new CorruptInput(
      `${source}:1`,
      `expected CSV rows, found an HTML page ("${firstLine.slice(0, 40)}")`,
    );
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
    // Rows whose parser built their JSON are written straight into one buffer per batch: the writer
    // then writes the batch as these bytes. (Joining the lines as strings measured slower than the
    // rest of the parse: each line is a rope of many pieces that a join must flatten.)
    let out: ByteOut | undefined;
    let exact = true;
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      if (first && line.startsWith(BOM)) line = line.slice(1);
      if (line.length === 0) continue;
      const fields = line.split(',');
      if (first) {
        first = false;
        refuseHtml(source, line);
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
      const json = row.json;
      if (json !== undefined) {
        attachOrigin(row.record, firstLine + i, json);
        if (exact) {
          out ??= new ByteOut(Math.max(4096, lines.length * 320));
          out.line(json);
        }
      } else exact = false;
      records.push(row.record);
      keys.push(row.key);
    }
    if (records.length > 0) {
      if (exact && out !== undefined) setBatchBytes(records, out.bytes());
      yield { records, keys };
    }
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
  const n = decimalValue(s);
  if (n === undefined) throw new RowError(`expected a number for "${name}", found "${s.slice(0, 40)}"`);
  return n;
}

/**
 * A decimal of `bound` within the wire format's bounds (records/bounds.ts, docs/format.md
 * "Validation"): a located error otherwise, so nothing outside them is written (a price of 5e19 or
 * an amount of 1e-19 in an archive row, which every reader downstream would refuse).
 */
function bounded(fields: string[], i: number, name: string, bound: Bound): number {
  return withinBound(num(fields, i, name), bound, name, fields[i]!);
}

/** `n`, the value of the field `name` read from `text`, when within `bound`; else a RowError. */
export function withinBound(n: number, bound: Bound, name: string, text: string): number {
  const problem = outOfBound(n, bound, name, text);
  if (problem !== undefined) throw new RowError(problem);
  return n;
}

/** What is wrong with `n`, read from `text` for the field `name`, when outside `bound`; else undefined. */
export function outOfBound(n: number, bound: Bound, name: string, text: string): string | undefined {
  if (inBounds(n, bound)) return undefined;
  return `expected ${signOk(n, bound) ? RANGE_TEXT[bound] : BOUND_TEXT[bound]} for "${name}", found "${text.slice(0, 40)}"`;
}

/** A volume or an amount: a decimal from 0 to 1e18. */
export function nonnegative(fields: string[], i: number, name: string): number {
  return bounded(fields, i, name, 'nonnegative');
}

/** A price: a decimal from 1e-18 to 1e18. */
export function positive(fields: string[], i: number, name: string): number {
  return bounded(fields, i, name, 'positive');
}

/** A signed figure (a funding rate): a decimal from -1e18 to 1e18. */
export function signed(fields: string[], i: number, name: string): number {
  return bounded(fields, i, name, 'any');
}

/** A count (a candle's trades): a whole number from 0 to 1e18. */
export function whole(fields: string[], i: number, name: string): number {
  const n = num(fields, i, name);
  if (!Number.isInteger(n) || n < 0 || n > MAX_MAGNITUDE)
    throw new RowError(
      `expected a whole number${n > MAX_MAGNITUDE ? ' up to 1e18' : ''} for "${name}", found "${fields[i]!.slice(0, 40)}"`,
    );
  return n;
}

/**
 * An id or a sequence (a trade id, an update id): a whole number from 0 to 2^53-1. A larger one
 * would not be the same number as a double (9007199254740993 reads as ...992), so it is refused,
 * located, rather than written changed (docs/format.md, "Validation").
 */
export function id(fields: string[], i: number, name: string): number {
  const n = num(fields, i, name);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RowError(`expected ${SEQUENCE_TEXT} for "${name}", found "${fields[i]!.slice(0, 40)}"`);
  return n;
}

export interface EpochTime {
  us: number;
  precision: TimePrecision;
}

const EPOCH_DIGITS = /^\d{1,17}$/;

/** Smallest epoch-milliseconds value accepted (1973), as in docs/format.md. */
const MIN_MS = 1e11;

/**
 * An epoch time in milliseconds or microseconds, told apart by magnitude per value (Binance spot
 * archives switched to microseconds on 2025-01-01; futures stayed in milliseconds).
 */
export function epoch(fields: string[], i: number, name: string, out: EpochTime): void {
  const s = fields[i]!;
  // Digits only: `1.70027E+12` (a spreadsheet's rounding of a time) is not a time.
  const n = EPOCH_DIGITS.test(s) ? +s : Number.NaN;
  if (!Number.isInteger(n) || n < MIN_MS || n >= 1e17)
    throw new RowError(
      `expected epoch milliseconds or microseconds for "${name}", found "${s.slice(0, 40)}"`,
    );
  const micro = n >= 1e14;
  const us = micro ? n : n * US_PER_MS;
  // The format's times end before 2100 (records/bounds.ts): a later one is a corrupt row.
  if (us >= MAX_TIME_US)
    throw new RowError(`expected a time before 2100-01-01 for "${name}", found "${s.slice(0, 40)}"`);
  out.us = us;
  out.precision = micro ? 'us' : 'ms';
}

/** Epoch seconds with a decimal fraction (`1696982287.4922`, Bybit's archive) to microseconds, exactly. */
export function epochSecondsFraction(text: string, name: string): EpochTime {
  const m = /^(\d{9,11})(?:\.(\d{1,9}))?$/.exec(text);
  if (m === null) throw new RowError(`expected epoch seconds for "${name}", found "${text.slice(0, 40)}"`);
  const frac = m[2] ?? '';
  const us = Number(m[1]) * 1_000_000 + Number(`${frac}000000`.slice(0, 6));
  if (us < MIN_MS * US_PER_MS || us >= MAX_TIME_US)
    throw new RowError(
      `expected a time from 1973 to before 2100-01-01 for "${name}", found "${text.slice(0, 40)}"`,
    );
  return { us, precision: frac.length > 3 ? 'us' : 'ms' };
}

export function bool(fields: string[], i: number, name: string): boolean {
  const s = fields[i]!;
  // Spot archives write True/False, futures true/false.
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  throw new RowError(`expected true or false for "${name}", found "${s.slice(0, 40)}"`);
}

export { formatTime };

/** A parser that reads a row straight from bytes (see binance/kline-bytes.ts). */
export interface BytesRowParser {
  /** Appends the row's JSON line to `out` and its key to `keys`; undefined to take the string path. */
  row(buf: Buffer, start: number, end: number, out: ByteOut, keys: number[]): WireRecord | undefined;
}

/**
 * As parseCsv, for a parser with a byte fast path: lines are cut from the bytes with indexOf and
 * handed to `fast`; a row it declines goes through `parser` (which parses it or reports the problem).
 * Every batch is marked with its output bytes, so the writer writes them as they are.
 */
export async function* parseCsvBytes(
  chunks: AsyncIterable<Buffer>,
  source: string,
  parser: RowParser,
  fast: BytesRowParser,
  policy: ErrorPolicy,
  maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<TimedBatch> {
  let carry: Buffer | undefined;
  let lineNo = 1;
  let first = true;
  const block = (buf: Buffer, end: number): TimedBatch | undefined => {
    const records: WireRecord[] = [];
    const keys: number[] = [];
    const out = new ByteOut(Math.max(4096, end * 2 + 1024));
    let s = 0;
    while (s < end) {
      let e = buf.indexOf(10, s);
      if (e === -1 || e > end) e = end;
      const line = lineNo++;
      if (e === s) {
        s = e + 1;
        continue;
      }
      if (first) {
        first = false;
        if (buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
        refuseHtml(source, buf.toString('utf8', s, Math.min(e, s + 200)));
        const c = buf[s]!;
        if (
          !(c >= 48 && c <= 57) &&
          parser.isHeader(buf.toString('utf8', s, e).replace(/\r$/, '').split(','))
        ) {
          s = e + 1;
          continue;
        }
      }
      const rec = fast.row(buf, s, e, out, keys);
      if (rec !== undefined) {
        records.push(rec);
      } else {
        const text = buf.toString('utf8', s, e).replace(/\r$/, '');
        if (text.length > 0) {
          try {
            const row = parser.parse(text.split(','));
            out.line(row.json ?? JSON.stringify(row.record));
            records.push(row.record);
            keys.push(row.key);
          } catch (error) {
            if (!(error instanceof RowError)) throw error;
            policy.report(`${source}:${line}`, error.message);
          }
        }
      }
      s = e + 1;
    }
    if (records.length === 0) return undefined;
    setBatchBytes(records, out.bytes());
    return { records, keys };
  };
  for await (const piece of chunks) {
    const chunk = carry === undefined ? piece : Buffer.concat([carry, piece]);
    const lastNl = chunk.lastIndexOf(10);
    if (lastNl === -1) {
      carry = chunk;
      if (carry.length > maxLineBytes)
        throw new DataError(`${source}:${lineNo}`, `line longer than ${maxLineBytes} bytes`);
      continue;
    }
    carry = lastNl + 1 < chunk.length ? Buffer.from(chunk.subarray(lastNl + 1)) : undefined;
    const batch = block(chunk, lastNl + 1);
    if (batch !== undefined) yield batch;
  }
  if (carry !== undefined && carry.length > 0) {
    const batch = block(carry, carry.length);
    if (batch !== undefined) yield batch;
  }
}
