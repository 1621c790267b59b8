/**
 * Binance options data from the public archive (data.binance.vision `data/option/daily/`, daily
 * files with a `.CHECKSUM`), as the record types of docs/format.md ("Options"):
 *
 * - `BVOLIndex/SYMBOL/SYMBOL-BVOLIndex-YYYY-MM-DD.zip` (SYMBOL: `BTCBVOLUSDT`, `ETHBVOLUSDT`),
 *   columns `calc_time` (epoch ms), `symbol`, `base_asset`, `quote_asset`, `index_value`: one
 *   `volatility_index` record a row.
 * - `EOHSummary/UNDERLYING/UNDERLYING-EOHSummary-YYYY-MM-DD.zip` (UNDERLYING: `BTCUSDT`, ...), one row
 *   per option contract and hour: `date`, `hour`, `symbol`, `underlying`, `type`, `strike`, `open`,
 *   `high`, `low`, `close`, `volume_contracts`, `volume_usdt`, `best_bid_price`, `best_ask_price`,
 *   `best_bid_qty`, `best_ask_qty`, `best_buy_iv`, `best_sell_iv`, `mark_price`, `mark_iv`, `delta`,
 *   `gamma`, `vega`, `theta`, `openinterest_contracts`, `openinterest_usdt`: one `option_summary`
 *   record a row. Fields the archive leaves empty are left out; an hour with no trade (open 0) has no
 *   open, high, low or close; an implied volatility below 0 (the venue's "none") is left out.
 *
 * Columns are found by their header names (columns.ts). The REST klines' objects are mapped to the
 * kline row layout here too, so REST option candles go through the kline parser like every candle.
 */

import { daysFromCivil, US_PER_DAY, US_PER_HOUR } from '../../records/time.js';
import {
  type EpochTime,
  epoch,
  formatTime,
  type ParsedRow,
  positive,
  RowError,
  type RowParser,
} from '../rows.js';
import type { TimedBatch, TimedStream } from '../timed.js';
import { NamedColumns } from './columns.js';

interface Labels {
  readonly exchange: string;
  readonly symbol: string;
}

const BVOL = ['calc_time', 'symbol', 'base_asset', 'quote_asset', 'index_value'] as const;

export function bvolIndexParser(labels: Labels): RowParser {
  const cols = new NamedColumns(BVOL, ['calc_time', 'index_value']);
  const t: EpochTime = { us: 0, precision: 'ms' };
  return {
    isHeader: (fields) => cols.header(fields),
    parse(f: string[]): ParsedRow {
      cols.check(f, 'a BVOLIndex row');
      epoch(f, cols.index('calc_time'), 'calc_time', t);
      const value = cols.number(f, 'index_value', true);
      if (value === undefined) throw new RowError('expected a number for "index_value", found ""');
      const rec: Record<string, unknown> = {
        type: 'volatility_index',
        time: formatTime(t.us, t.precision),
        exchange: labels.exchange,
        symbol: labels.symbol,
      };
      const base = cols.text(f, 'base_asset');
      const quote = cols.text(f, 'quote_asset');
      if (base !== undefined && base.length > 0) rec.base = base;
      if (quote !== undefined && quote.length > 0) rec.quote = quote;
      rec.value = value;
      return { record: rec as ParsedRow['record'], key: t.us };
    },
  };
}

const EOH = [
  'date',
  'hour',
  'symbol',
  'underlying',
  'type',
  'strike',
  'open',
  'high',
  'low',
  'close',
  'volume_contracts',
  'volume_usdt',
  'best_bid_price',
  'best_ask_price',
  'best_bid_qty',
  'best_ask_qty',
  'best_buy_iv',
  'best_sell_iv',
  'mark_price',
  'mark_iv',
  'delta',
  'gamma',
  'vega',
  'theta',
  'openinterest_contracts',
  'openinterest_usdt',
] as const;
type EohColumn = (typeof EOH)[number];

/** [record field, column, non-negative] of the numbers an EOHSummary row may carry, in output order. */
const EOH_NUMBERS: readonly (readonly [string, EohColumn, boolean])[] = [
  ['volume', 'volume_contracts', true],
  ['quote_volume', 'volume_usdt', true],
  ['bid_price', 'best_bid_price', true],
  ['ask_price', 'best_ask_price', true],
  ['bid_amount', 'best_bid_qty', true],
  ['ask_amount', 'best_ask_qty', true],
  ['bid_iv', 'best_buy_iv', false],
  ['ask_iv', 'best_sell_iv', false],
  ['mark_price', 'mark_price', true],
  ['mark_iv', 'mark_iv', false],
  ['delta', 'delta', false],
  ['gamma', 'gamma', false],
  ['vega', 'vega', false],
  ['theta', 'theta', false],
  ['open_interest', 'openinterest_contracts', true],
  ['open_interest_usd', 'openinterest_usdt', true],
];
const IV = new Set(['bid_iv', 'ask_iv', 'mark_iv']);

/** `BTC-231027-33000-C`: the underlying's coin, expiry (YYMMDD), strike and C/P. */
const OPTION_SYMBOL = /^[A-Z0-9]+-(\d{2})(\d{2})(\d{2})-(\d+(?:\.\d+)?)-([CP])$/;

/** The day of `date` (`2023-07-10` or `20230710`), epoch days; undefined if it is not one. */
function dayOf(text: string): number | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  return daysFromCivil(y, mo, d);
}

export function eohSummaryParser(labels: Labels): RowParser {
  const cols = new NamedColumns(EOH, ['date', 'hour', 'symbol']);
  return {
    isHeader: (fields) => cols.header(fields),
    parse(f: string[]): ParsedRow {
      cols.check(f, 'an EOHSummary row');
      const dateText = cols.text(f, 'date')!;
      const day = dayOf(dateText);
      if (day === undefined)
        throw new RowError(`expected a date (YYYY-MM-DD) for "date", found "${dateText}"`);
      const hourText = cols.text(f, 'hour')!;
      const hour = /^\d{1,2}$/.test(hourText) ? Number(hourText) : Number.NaN;
      if (!(hour >= 0 && hour <= 23))
        throw new RowError(`expected an hour from 0 to 23 for "hour", found "${hourText}"`);
      const symbol = cols.text(f, 'symbol')!;
      const parts = OPTION_SYMBOL.exec(symbol);
      if (parts === null)
        throw new RowError(
          `expected an option symbol such as BTC-231027-33000-C for "symbol", found "${symbol.slice(0, 40)}"`,
        );
      const typeText = (cols.text(f, 'type') ?? parts[5]!).toUpperCase();
      const optionType =
        typeText === 'C' || typeText === 'CALL'
          ? 'call'
          : typeText === 'P' || typeText === 'PUT'
            ? 'put'
            : undefined;
      if (optionType === undefined) throw new RowError(`expected C or P for "type", found "${typeText}"`);
      // The strike column is a number, or (as some files write it) "EXPIRY-STRIKE": its last part.
      const strikeText = cols.text(f, 'strike') ?? parts[4]!;
      const strike = Number(/(\d+(?:\.\d+)?)$/.exec(strikeText)?.[1] ?? parts[4]);
      const openUs = day * US_PER_DAY + hour * US_PER_HOUR;
      const rec: Record<string, unknown> = {
        type: 'option_summary',
        time: formatTime(openUs + US_PER_HOUR, 'ms'),
        exchange: labels.exchange,
        symbol,
        underlying: cols.text(f, 'underlying') || labels.symbol,
        option_type: optionType,
        strike,
        expiry_date: `20${parts[1]}-${parts[2]}-${parts[3]}`,
        open_time: formatTime(openUs, 'ms'),
      };
      // An hour without trades has 0 for its prices: no candle, rather than a price of 0.
      const open = cols.number(f, 'open', true);
      const ohlc = ['open', 'high', 'low', 'close'] as const;
      if (open !== undefined && open > 0 && ohlc.every((c) => cols.has(c)))
        for (const c of ohlc) rec[c] = positive(f, cols.index(c), c);
      for (const [field, column, nonnegative] of EOH_NUMBERS) {
        const n = cols.number(f, column, nonnegative);
        if (n === undefined || (IV.has(field) && n < 0)) continue;
        rec[field] = n;
      }
      return { record: rec as ParsedRow['record'], key: openUs };
    },
  };
}

/**
 * A file's records in key order (stable: rows of one hour keep the file's order). EOHSummary files
 * are not documented to be sorted by hour, and a daily file is small (a few thousand rows a day), so
 * it is held whole and sorted.
 */
export async function* sortedByKey(stream: TimedStream): AsyncGenerator<TimedBatch> {
  const all: { record: TimedBatch['records'][number]; key: number; i: number }[] = [];
  for await (const b of stream)
    for (let i = 0; i < b.keys.length; i++)
      all.push({ record: b.records[i]!, key: b.keys[i]!, i: all.length });
  all.sort((a, b) => a.key - b.key || a.i - b.i);
  if (all.length > 0) yield { records: all.map((x) => x.record), keys: all.map((x) => x.key) };
}

/**
 * A REST `/eapi/v1/klines` row (an object: `openTime`, `open`, `high`, `low`, `close`, `volume`,
 * `closeTime`, `amount`, `tradeCount`, `takerVolume`, `takerAmount`) as the kline row layout of the
 * other Binance markets, whose parser then reads it: `volume` is in contracts, `amount` (the quote
 * volume) becomes `quote_volume`, `takerVolume` `taker_buy_volume`.
 */
export function optionKlineFields(row: unknown): string[] {
  if (row === null || typeof row !== 'object' || Array.isArray(row))
    throw new RowError(`expected a kline object, found ${JSON.stringify(row)?.slice(0, 80)}`);
  const r = row as Record<string, unknown>;
  return [
    r.openTime,
    r.open,
    r.high,
    r.low,
    r.close,
    r.volume,
    r.closeTime,
    r.amount,
    r.tradeCount,
    r.takerVolume,
    r.takerAmount,
    0,
  ].map(String);
}
