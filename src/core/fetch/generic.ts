/**
 * A generic OHLCV CSV with a header row (Yahoo-style daily files, backtrader's samples, exports from
 * other tools), read with csv-parse (quoted fields and all).
 *
 * Columns are found by name, case- and punctuation-insensitively: a time (`date`, `datetime`,
 * `timestamp`, `open_time`, or `date` plus a separate `time` of day), `open`, `high`, `low`, `close`,
 * and optionally `volume`. `--columns time=Date,open=o,...` names them when they differ. Times are
 * ISO dates or date-times (no zone means UTC) or epoch milliseconds/microseconds. Without --interval
 * the interval is the smallest step between the first rows (a daily file with weekends is `1d`, a
 * weekly one `1w`, a monthly one `1M`). A row's time is the candle's start (`--time-is close` for
 * files that stamp bars at their end).
 */

import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { DataError, UsageError } from '../errors.js';
import type { ErrorPolicy } from '../io/lines.js';
import { addInterval, type Interval, parseInterval } from '../records/interval.js';
import type { WireRecord } from '../records/record.js';
import {
  formatTime,
  parseTime,
  type TimePrecision,
  US_PER_DAY,
  US_PER_HOUR,
  US_PER_MINUTE,
  US_PER_SECOND,
} from '../records/time.js';
import { RecordValidator } from '../records/validate.js';
import { decimalValue, outOfBound } from './rows.js';
import type { TimedBatch } from './timed.js';

export interface GenericCsvOptions {
  /** Explicit column names: field → header name (`time`, `date`, `clock`, `open`, ..., `volume`). */
  readonly columns?: Readonly<Record<string, string>>;
  readonly timeIs?: 'open' | 'close';
}

interface Labels {
  readonly exchange?: string | undefined;
  readonly symbol?: string | undefined;
  readonly interval?: string | undefined;
  readonly policy: ErrorPolicy;
  readonly generic?: GenericCsvOptions | undefined;
}

const FIELDS = ['time', 'date', 'clock', 'open', 'high', 'low', 'close', 'volume'] as const;
type Field = (typeof FIELDS)[number];

const ALIASES: Record<Field, readonly string[]> = {
  time: ['datetime', 'timestamp', 'opentime', 'time', 'ts', 'unix'],
  date: ['date', 'day'],
  clock: ['time', 'timeofday'],
  open: ['open', 'o'],
  high: ['high', 'h'],
  low: ['low', 'l'],
  close: ['close', 'c', 'last'],
  volume: ['volume', 'vol', 'v', 'basevolume'],
};

function norm(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Maps header names to column indexes. */
export function mapColumns(
  header: readonly string[],
  explicit: Readonly<Record<string, string>> = {},
): Map<Field, number> {
  const names = header.map(norm);
  const map = new Map<Field, number>();
  for (const [field, name] of Object.entries(explicit)) {
    if (!(FIELDS as readonly string[]).includes(field))
      throw new UsageError(`--columns: unknown field "${field}" (expected ${FIELDS.join(', ')})`);
    const i = header.indexOf(name);
    const j = i === -1 ? names.indexOf(norm(name)) : i;
    if (j === -1)
      throw new UsageError(`--columns: no column named "${name}" in the header (${header.join(',')})`);
    map.set(field as Field, j);
  }
  const find = (field: Field): void => {
    if (map.has(field)) return;
    for (const alias of ALIASES[field]) {
      const i = names.indexOf(alias);
      if (i !== -1 && ![...map.values()].includes(i)) {
        map.set(field, i);
        return;
      }
    }
  };
  find('date');
  if (map.has('date')) find('clock');
  else find('time');
  for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) find(f);
  if (!map.has('date') && !map.has('time'))
    throw new UsageError(
      `no time column in the header (${header.join(',')}): name it with --columns time=NAME (or date=NAME)`,
    );
  for (const f of ['open', 'high', 'low', 'close'] as const)
    if (!map.has(f))
      throw new UsageError(
        `no "${f}" column in the header (${header.join(',')}): name it with --columns ${f}=NAME`,
      );
  return map;
}

/** The symbol a file name suggests: `orcl-1995-2014.txt` is ORCL. */
export function symbolFromName(name: string): string {
  const stem = name.replace(/(\.(csv|txt|gz|tsv))+$/i, '');
  const first = stem.split(/[-_.\s]/)[0] ?? stem;
  const pick = /[A-Za-z]/.test(first) ? first : stem;
  return pick
    .toUpperCase()
    .replace(/[^A-Z0-9_-]/g, '_')
    .slice(0, 40);
}

/** The interval a smallest step between rows stands for. */
export function intervalFromStep(stepUs: number): string | undefined {
  if (stepUs >= 28 * US_PER_DAY && stepUs <= 31 * US_PER_DAY) return '1M';
  const units: [string, number][] = [
    ['w', 7 * US_PER_DAY],
    ['d', US_PER_DAY],
    ['h', US_PER_HOUR],
    ['m', US_PER_MINUTE],
    ['s', US_PER_SECOND],
  ];
  for (const [u, size] of units) if (stepUs % size === 0) return `${stepUs / size}${u}`;
  return undefined;
}

interface Row {
  readonly us: number;
  readonly precision: TimePrecision;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly line: number;
}

export async function* genericCsv(
  chunks: AsyncIterable<Buffer>,
  source: string,
  name: string,
  _header: string,
  labels: Labels,
): AsyncGenerator<TimedBatch> {
  const exchange = labels.exchange ?? 'other';
  const symbol = labels.symbol ?? symbolFromName(name);
  const timeIs = labels.generic?.timeIs ?? 'open';
  const parser = Readable.from(chunks).pipe(
    parse({ bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: false }),
  );
  let columns: Map<Field, number> | undefined;
  let interval: Interval | undefined =
    labels.interval === undefined ? undefined : parseInterval(labels.interval);
  if (labels.interval !== undefined && interval === undefined)
    throw new UsageError(`--interval: not an interval: "${labels.interval}"`);
  // The first 50 rows are held until the interval is inferred, or checked against --interval.
  let checked = false;
  const pending: Row[] = [];
  let lastUs = Number.NEGATIVE_INFINITY;

  const validator = new RecordValidator();
  const emit = (rows: Row[]): TimedBatch => {
    const iv = interval!;
    const records: WireRecord[] = [];
    const keys: number[] = [];
    for (const r of rows) {
      const open = timeIs === 'open' ? r.us : addInterval(r.us, iv, -1);
      const close = timeIs === 'open' ? addInterval(r.us, iv) : r.us;
      // Checked as every reader checks a candle (records/validate.ts), for what the row's own
      // numbers do not show: the candle's times (before 2100) once the interval is known.
      const problem = validator.check({
        type: 'candle',
        time: formatTime(close, r.precision),
        exchange,
        symbol,
        interval: iv.text,
        open_time: formatTime(open, r.precision),
        open: r.open,
        high: r.high,
        low: r.low,
        close: r.close,
        volume: r.volume,
      });
      if (problem !== undefined) {
        labels.policy.report(`${source}:${r.line}`, problem);
        continue;
      }
      records.push(validator.record);
      keys.push(open);
    }
    return { records, keys };
  };

  const num = (fields: string[], f: Field, line: number): number | undefined => {
    const i = columns!.get(f);
    if (i === undefined) return 0;
    const s = fields[i] ?? '';
    const n = decimalValue(s);
    if (n === undefined) {
      labels.policy.report(`${source}:${line}`, `expected a number for "${f}", found "${s.slice(0, 40)}"`);
      return undefined;
    }
    // The format's bounds (records/bounds.ts), here where the row is read, so refusals come in
    // line order: prices from 1e-18 to 1e18, the volume from 0 to 1e18.
    const problem = outOfBound(n, f === 'volume' ? 'nonnegative' : 'positive', f, s);
    if (problem === undefined) return n;
    labels.policy.report(`${source}:${line}`, problem);
    return undefined;
  };

  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const fields = item.record;
      const line = item.info.lines;
      if (columns === undefined) {
        columns = mapColumns(fields, labels.generic?.columns);
        continue;
      }
      let timeText: string | undefined;
      const d = columns.get('date');
      if (d !== undefined) {
        const c = columns.get('clock');
        timeText = c === undefined ? fields[d] : `${fields[d]}T${fields[c]}`;
      } else timeText = fields[columns.get('time')!];
      const value = timeText !== undefined && /^\d+$/.test(timeText) ? Number(timeText) : timeText;
      const t = parseTime(value);
      if (t === undefined) {
        labels.policy.report(
          `${source}:${line}`,
          `expected an ISO date or time, or epoch milliseconds, for "time", found "${String(timeText).slice(0, 40)}"`,
        );
        continue;
      }
      const open = num(fields, 'open', line);
      const high = num(fields, 'high', line);
      const low = num(fields, 'low', line);
      const close = num(fields, 'close', line);
      const volume = num(fields, 'volume', line);
      if (
        open === undefined ||
        high === undefined ||
        low === undefined ||
        close === undefined ||
        volume === undefined
      )
        continue;
      if (t.us <= lastUs) {
        labels.policy.report(
          `${source}:${line}`,
          `time ${formatTime(t.us, t.precision)} is not after the previous row's`,
        );
        continue;
      }
      lastUs = t.us;
      pending.push({ us: t.us, precision: t.precision, open, high, low, close, volume, line });
      if (!checked) {
        if (pending.length < 50) continue;
        checked = true;
        if (interval === undefined) interval = inferInterval(pending, source);
        else checkGivenInterval(pending, interval, source);
      }
      if (pending.length >= 1024) yield emit(pending.splice(0));
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new DataError(
        `${source}${line === undefined ? '' : `:${line}`}`,
        `malformed CSV: ${error.message}`,
      );
    }
    throw error;
  }
  if (pending.length === 0) return;
  if (!checked && interval !== undefined) checkGivenInterval(pending, interval, source);
  interval ??= inferInterval(pending, source);
  yield emit(pending);
}

/**
 * `--interval` that disagrees with the data: fetch labels candles, it never resamples them (that
 * would be a silent change of the data), so it says what the data is and where resampling is.
 */
export function intervalMismatch(source: string, found: string, asked: string): UsageError {
  return new UsageError(
    `${source}: the file holds ${found} candles, not ${asked}: give --interval ${found} (or leave it out), and resample to ${asked} with \`tickpipe resample --interval ${asked}\``,
  );
}

/** The median step of the first rows, when there are two or more. */
function medianStep(rows: readonly Row[]): number | undefined {
  const steps: number[] = [];
  for (let i = 1; i < rows.length; i++) steps.push(rows[i]!.us - rows[i - 1]!.us);
  steps.sort((a, b) => a - b);
  return steps.length === 0 ? undefined : steps[Math.floor((steps.length - 1) / 2)]!;
}

/** With --interval given: rows closer together than it are candles of a shorter interval. */
function checkGivenInterval(rows: readonly Row[], interval: Interval, source: string): void {
  const step = medianStep(rows);
  const length = interval.months > 0 ? 28 * US_PER_DAY * interval.months : interval.us;
  if (step === undefined || step >= length) return;
  throw intervalMismatch(source, intervalFromStep(step) ?? `${step / 1_000_000}-second`, interval.text);
}

/**
 * The interval from the typical step between the first rows: the median, so that holidays (a 6- or
 * 8-day week, a 3-day weekend) and months of 28 to 31 days do not mislead it.
 */
function inferInterval(rows: readonly Row[], source: string): Interval {
  let step = medianStep(rows) ?? Number.NaN;
  if (step >= 5 * US_PER_DAY && step <= 8 * US_PER_DAY) step = 7 * US_PER_DAY;
  const text = Number.isFinite(step) ? intervalFromStep(step) : undefined;
  if (text === undefined)
    throw new UsageError(
      `${source}: cannot tell the candle interval from ${rows.length === 1 ? 'one row' : 'the rows'}: give --interval`,
    );
  return parseInterval(text)!;
}
