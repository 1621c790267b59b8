/**
 * The store's columns: which wire fields of each record type get a typed column, how a record
 * becomes a row and a row becomes the same record again.
 *
 * Rules (docs/store.md, "Columns"):
 * - Times (`time`, `open_time`, `local_time`) are TIMESTAMP columns (microseconds, Parquet INT64
 *   TIMESTAMP_MICROS); prices, amounts and volumes DOUBLE; counts and ids BIGINT; names VARCHAR.
 * - A value is put in its typed column only when the column gives it back exactly: a number that
 *   is a number (a double's shortest form reads back the same), a time in the canonical wire form
 *   (millisecond or microsecond precision as it came). Anything else (a decimal string such as
 *   "42000.10", a time in another ISO form, a string trade id, an explicit null) is also kept as it
 *   came in `extra`, which wins on reading: nothing is lost or rewritten.
 * - Fields without a column (`flags`, fields of types the store has no columns for, fields of your
 *   own) go to `extra`, a JSON object in a VARCHAR column.
 * - On reading, fields come in the order of this table, then `extra`'s own fields in their order:
 *   a record written by tickpipe comes back byte for byte.
 */

import { formatTime, parseCanonicalTime, parseTime } from '../records/time.js';

export type ColumnKind = 'time' | 'double' | 'bigint' | 'varchar' | 'boolean';

export interface Column {
  readonly name: string;
  readonly kind: ColumnKind;
}

const c = (name: string, kind: ColumnKind): Column => ({ name, kind });

/** Columns every kind has, in wire order (`type` is implied by the kind). */
const HEAD: readonly Column[] = [c('time', 'time'), c('exchange', 'varchar'), c('symbol', 'varchar')];

const BY_TYPE: Readonly<Record<string, readonly Column[]>> = {
  candle: [
    c('interval', 'varchar'),
    c('open_time', 'time'),
    c('open', 'double'),
    c('high', 'double'),
    c('low', 'double'),
    c('close', 'double'),
    c('volume', 'double'),
    c('quote_volume', 'double'),
    c('trades', 'bigint'),
    c('taker_buy_volume', 'double'),
    c('contracts', 'double'),
    c('taker_buy_contracts', 'double'),
    c('synthetic', 'boolean'),
  ],
  trade: [
    c('id', 'bigint'),
    c('price', 'double'),
    c('amount', 'double'),
    c('side', 'varchar'),
    c('first_id', 'bigint'),
    c('last_id', 'bigint'),
  ],
  quote: [
    c('bid_price', 'double'),
    c('bid_amount', 'double'),
    c('ask_price', 'double'),
    c('ask_amount', 'double'),
    c('sequence', 'bigint'),
  ],
  funding: [c('rate', 'double'), c('mark_price', 'double'), c('interval_hours', 'double')],
};

const TAIL: readonly Column[] = [c('local_time', 'time')];

/** The name of the view and folder of a record type: `candle` -> `candles`. */
export function kindOf(type: string): string {
  return type === 'funding' ? 'funding' : `${type}s`;
}

/** The record type of a kind: `candles` -> `candle` (a singular name is accepted too). */
export function typeOfKind(kind: string): string {
  if (kind === 'funding') return kind;
  return kind.endsWith('s') ? kind.slice(0, -1) : kind;
}

export interface Schema {
  readonly type: string;
  readonly kind: string;
  /** The typed columns in wire order; the table also has `extra` (VARCHAR, JSON) after them. */
  readonly columns: readonly Column[];
  /** The names of `columns`. */
  readonly names: ReadonlySet<string>;
  /** The column the time order and the partitions follow: `open_time` for candles, else `time`. */
  readonly key: string;
}

const schemas = new Map<string, Schema>();

export function schemaOf(type: string): Schema {
  let s = schemas.get(type);
  if (s === undefined) {
    const columns = [...HEAD, ...(BY_TYPE[type] ?? []), ...TAIL];
    s = {
      type,
      kind: kindOf(type),
      columns,
      names: new Set(columns.map((col) => col.name)),
      key: type === 'candle' ? 'open_time' : 'time',
    };
    schemas.set(type, s);
  }
  return s;
}

/**
 * A row's values in the staging table's representation (times as epoch microseconds, integers as
 * doubles; null for an absent field), then the `extra` JSON text or null.
 */
export function toRow(schema: Schema, record: Readonly<Record<string, unknown>>): unknown[] {
  const row: unknown[] = new Array(schema.columns.length + 1);
  const extra: Record<string, unknown> = {};
  let extras = 0;
  const columns = schema.columns;
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    const value = record[col.name];
    if (value === undefined) {
      row[i] = null;
      continue;
    }
    const typed = typedValue(col.kind, value);
    row[i] = typed.value;
    if (!typed.exact) {
      extra[col.name] = value;
      extras++;
    }
  }
  for (const key in record) {
    if (key === 'type' || schema.names.has(key)) continue;
    extra[key] = record[key];
    extras++;
  }
  row[columns.length] = extras === 0 ? null : JSON.stringify(extra);
  return row;
}

function typedValue(kind: ColumnKind, value: unknown): { value: unknown; exact: boolean } {
  switch (kind) {
    case 'time': {
      const us = typeof value === 'string' ? parseCanonicalTime(value) : Number.NaN;
      if (!Number.isNaN(us)) return { value: us, exact: formatTime(us, precisionOf(us)) === value };
      return { value: parseTime(value)?.us ?? null, exact: false };
    }
    case 'double':
      if (typeof value === 'number') return { value, exact: true };
      return { value: numberOf(value), exact: false };
    case 'bigint':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { value, exact: true };
      if (typeof value === 'string' && /^-?\d{1,15}$/.test(value))
        return { value: Number(value), exact: false };
      return { value: null, exact: false };
    case 'varchar':
      return typeof value === 'string' ? { value, exact: true } : { value: null, exact: false };
    case 'boolean':
      return typeof value === 'boolean' ? { value, exact: true } : { value: null, exact: false };
  }
}

function numberOf(value: unknown): number | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Times are written with microseconds only where they have them. */
export function precisionOf(us: number): 'ms' | 'us' {
  return us % 1000 === 0 ? 'ms' : 'us';
}
