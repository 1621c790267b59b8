/**
 * Validation by column (src/core/store/valid.ts) against the record validator it stands in for:
 * a chunk is marked valid exactly when RecordValidator.check passes each of its records unchanged.
 */

import { describe, expect, it } from 'vitest';
import type { WireRecord } from '../src/core/records/record.js';
import { RecordValidator } from '../src/core/records/validate.js';
import type { Columns } from '../src/core/store/columns.js';
import { schemaOf, toRow } from '../src/core/store/schema.js';
import { ColumnValidator } from '../src/core/store/valid.js';

/** The columns a store read gives for `records` (one type), as Layout.columns makes them. */
function columnsOf(records: readonly WireRecord[]): Columns {
  const schema = schemaOf(records[0]!.type);
  const rows = records.map((r) => toRow(schema, r));
  const width = schema.columns.length;
  const num = schema.columns.map((col, i) =>
    col.kind === 'varchar'
      ? undefined
      : Float64Array.from(rows, (row) => {
          const v = row[i];
          return v === null ? Number.NaN : typeof v === 'boolean' ? Number(v) : (v as number);
        }),
  );
  const str = schema.columns.map((col, i) =>
    col.kind === 'varchar' ? rows.map((row) => row[i] as string | null) : undefined,
  );
  const keyAt = schema.columns.findIndex((col) => col.name === schema.key);
  return {
    rows: records.length,
    num,
    str,
    extra: rows.map((row) => row[width] as string | null),
    keys: num[keyAt]!,
    constant: new Array(width).fill(undefined),
  };
}

/** What the record validator says: valid and unchanged, with its times. */
function validated(records: readonly WireRecord[]): { time: number[]; local: number[] } | undefined {
  const v = new RecordValidator();
  const time: number[] = [];
  const local: number[] = [];
  for (const r of records) {
    if (v.check(r) !== undefined || v.record !== r) return undefined;
    time.push(v.timeUs);
    local.push(v.localTimeUs);
  }
  return { time, local };
}

const candle: WireRecord = {
  type: 'candle',
  time: '2024-01-01T00:01:00.000Z',
  exchange: 'binance_spot',
  symbol: 'BTCUSDT',
  interval: '1m',
  open_time: '2024-01-01T00:00:00.000Z',
  open: 42000.5,
  high: 42010,
  low: 41990.25,
  close: 42001,
  volume: 1.5,
  quote_volume: 63000,
  trades: 12,
  taker_buy_volume: 0.7,
};
const trade: WireRecord = {
  type: 'trade',
  time: '2024-01-01T00:00:00.123456Z',
  exchange: 'binance_spot',
  symbol: 'BTCUSDT',
  id: 7,
  price: 42000.5,
  amount: 0.01,
  side: 'buy',
  local_time: '2024-01-01T00:00:00.125Z',
};
const quote: WireRecord = {
  type: 'quote',
  time: '2024-01-01T00:00:00.100Z',
  exchange: 'binance_spot',
  symbol: 'BTCUSDT',
  bid_price: 42000,
  bid_amount: 0,
  ask_price: 42000.01,
  ask_amount: 2,
  sequence: 5,
};
const funding: WireRecord = {
  type: 'funding',
  time: '2024-01-01T08:00:00.000Z',
  exchange: 'binance_usdm',
  symbol: 'BTCUSDT',
  rate: -0.0001,
  mark_price: 42000,
};

const cases: readonly [string, WireRecord][] = [
  ['a candle', candle],
  ['a candle without its optional fields', { ...candle, quote_volume: undefined, trades: undefined }],
  ['a candle with local_time', { ...candle, local_time: '2024-01-01T00:01:00.002Z' }],
  ['a candle with zero volume', { ...candle, volume: 0 }],
  ['a candle at the smallest positive price', { ...candle, low: 1e-18 }],
  ['a candle below the smallest positive price', { ...candle, low: 1e-19 }],
  ['a candle with a negative price', { ...candle, open: -1 }],
  ['a candle with a zero close', { ...candle, close: 0 }],
  ['a candle with a price past 1e18', { ...candle, high: 2e18 }],
  ['a candle with a negative volume', { ...candle, volume: -0.5 }],
  ['a candle without volume', { ...candle, volume: undefined }],
  ['a candle without open', { ...candle, open: undefined }],
  ['a candle with fractional trades', { ...candle, trades: 1.5 }],
  ['a candle with negative trades', { ...candle, trades: -3 }],
  ['a candle with a negative taker volume', { ...candle, taker_buy_volume: -1 }],
  ['a candle with a bad interval', { ...candle, interval: 'often' }],
  ['a candle without interval', { ...candle, interval: undefined }],
  ['a candle without open_time', { ...candle, open_time: undefined }],
  ['a candle in 2100', { ...candle, time: '2100-01-01T00:00:00.000Z' }],
  ['a candle at the last microsecond before 2100', { ...candle, time: '2099-12-31T23:59:59.999999Z' }],
  ['a candle at 1970-01-01', { ...candle, open_time: '1970-01-01T00:00:00.000Z' }],
  ['a candle with 1e18 trades, past 2^53 (extra)', { ...candle, trades: 1e18 }],
  ['a candle before 1970', { ...candle, open_time: '1969-12-31T23:59:00.000Z' }],
  ['a candle with an empty exchange', { ...candle, exchange: '' }],
  ['a candle with a decimal string price (extra)', { ...candle, open: '42000.50' }],
  ['a candle with an epoch time (extra)', { ...candle, open_time: 1704067200000 }],
  ['a candle with a field of its own (extra)', { ...candle, flags: 1 }],
  ['a trade', trade],
  ['a trade with a negative id', { ...trade, id: -7 }],
  ['a trade with the largest safe id', { ...trade, id: Number.MAX_SAFE_INTEGER }],
  ['a quote with the largest safe sequence', { ...quote, sequence: Number.MAX_SAFE_INTEGER }],
  ['a trade with a string id (extra)', { ...trade, id: '7' }],
  ['a trade without id', { ...trade, id: undefined }],
  ['a trade with a bad side', { ...trade, side: 'both' }],
  ['a trade with a zero amount', { ...trade, amount: 0 }],
  ['a quote', quote],
  ['a quote without sequence', { ...quote, sequence: undefined }],
  ['a quote with a zero bid', { ...quote, bid_price: 0 }],
  ['funding', funding],
  ['funding without rate', { ...funding, rate: undefined }],
  ['funding with a zero mark price', { ...funding, mark_price: 0 }],
];

describe('ColumnValidator', () => {
  // A row with `extra` is never marked (its values may need normalising): left to RecordValidator.
  it.each(cases)('agrees with RecordValidator on %s', (name, raw) => {
    const rec = JSON.parse(JSON.stringify(raw)) as WireRecord; // undefined fields absent
    const expected = validated([rec]);
    const got = new ColumnValidator(schemaOf(rec.type)).times(columnsOf([rec]));
    if (expected === undefined || name.endsWith('(extra)')) expect(got).toBeUndefined();
    else {
      expect(got).toBeDefined();
      expect([...got!.time]).toEqual(expected.time);
      if (got!.local === undefined) expect(expected.local.every(Number.isNaN)).toBe(true);
      else expect([...got!.local]).toEqual(expected.local);
    }
  });

  it('marks a chunk only when every row passes, with each row own times', () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({
      ...candle,
      open_time: `2024-01-01T00:0${i}:00.000Z`,
      time: `2024-01-01T00:0${i + 1}:00.000Z`,
    }));
    const v = new ColumnValidator(schemaOf('candle'));
    const got = v.times(columnsOf(rows));
    expect([...got!.time]).toEqual(validated(rows)!.time);
    expect(got!.time[4]).toBe(Date.parse('2024-01-01T00:05:00.000Z') * 1000);
    expect([...got!.local!].every(Number.isNaN)).toBe(true);
    const bad = rows.map((r, i) => (i === 3 ? { ...r, close: -1 } : r));
    expect(v.times(columnsOf(bad))).toBeUndefined();
  });

  it('marks nothing for a type it has no rules for (books are validated record by record)', () => {
    const book = {
      type: 'book',
      time: '2024-01-01T00:00:00.000Z',
      exchange: 'binance_spot',
      symbol: 'BTCUSDT',
      snapshot: true,
      bids: [[1, 1]],
      asks: [[2, 1]],
      sequence: 1,
    };
    expect(new ColumnValidator(schemaOf('book')).times(columnsOf([book]))).toBeUndefined();
  });
});
