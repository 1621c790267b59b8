/**
 * Row parsers for the Binance public archive's CSV files (data.binance.vision), one per data type.
 *
 * Format facts (docs/fetch.md has the table):
 * - Spot files have no header row; futures files have one only since 2022: a header is detected per
 *   file from its first line, never assumed from the market or the date.
 * - Spot booleans are `True`/`False`, futures `true`/`false`.
 * - Spot times are microseconds from 2025-01-01 on; futures stay milliseconds. Each value is told
 *   apart by its magnitude, and a record keeps the precision its source had.
 * - COIN-M klines: `volume` is in contracts and column 8, headed `quote_volume`, is the volume in the
 *   base asset. tickpipe writes base-asset volume as `volume` (as for every candle) and the contract
 *   counts as `contracts` and `taker_buy_contracts`.
 */

import type { ErrorPolicy } from '../../io/lines.js';
import { MAX_TIME_US } from '../../records/bounds.js';
import type { WireRecord } from '../../records/record.js';
import type { TimePrecision } from '../../records/time.js';
import {
  bool,
  type EpochTime,
  epoch,
  expectColumns,
  formatTime,
  id,
  nonnegative,
  type ParsedRow,
  parseCsv,
  parseCsvBytes,
  positive,
  RowError,
  type RowParser,
  signed,
  startsWithName,
  whole,
} from '../rows.js';
import type { TimedStream } from '../timed.js';
import { KlineBytes } from './kline-bytes.js';
import { liquidationSnapshotParser } from './liquidations.js';
import { bvolIndexParser, eohSummaryParser, sortedByKey } from './options.js';

export type BinanceDataType =
  | 'klines'
  | 'trades'
  | 'aggTrades'
  | 'bookTicker'
  | 'fundingRate'
  | 'liquidationSnapshot'
  | 'BVOLIndex'
  | 'EOHSummary';

export interface Labels {
  readonly exchange: string;
  readonly symbol: string;
  /** For klines. */
  readonly interval?: string | undefined;
  /** COIN-M: contracts, not base asset. */
  readonly inverse?: boolean;
}

const t1: EpochTime = { us: 0, precision: 'ms' };
const t2: EpochTime = { us: 0, precision: 'ms' };

function unit(p: TimePrecision): number {
  return p === 'us' ? 1 : 1000;
}

/**
 * Kline rows through the string path: REST pages, COIN-M files, and any row the byte fast path
 * (kline-bytes.ts) declines. The output is the same as the fast path's, record for record.
 */
export function klineParser(labels: Labels): RowParser {
  // [field, column, the column's name for messages], in output order; COIN-M counts volume in
  // contracts and has the base-asset volume in column 8.
  const volumes: readonly (readonly [string, number, string])[] =
    labels.inverse === true
      ? [
          ['volume', 7, 'base_volume'],
          ['contracts', 5, 'volume'],
          ['trades', 8, 'count'],
          ['taker_buy_volume', 10, 'taker_buy_base_volume'],
          ['taker_buy_contracts', 9, 'taker_buy_volume'],
        ]
      : [
          ['volume', 5, 'volume'],
          ['quote_volume', 7, 'quote_volume'],
          ['trades', 8, 'count'],
          ['taker_buy_volume', 9, 'taker_buy_volume'],
        ];
  return {
    isHeader: startsWithName,
    parse(f: string[]): ParsedRow {
      expectColumns(f, [12], 'a kline row');
      epoch(f, 0, 'open_time', t1);
      epoch(f, 6, 'close_time', t2);
      if (t2.us + unit(t2.precision) <= t1.us)
        throw new RowError(`close_time ${f[6]} is not after open_time ${f[0]}`);
      // The candle's time is the instant after close_time: before 2100 too (records/bounds.ts).
      if (t2.us + unit(t2.precision) >= MAX_TIME_US)
        throw new RowError(
          `close_time ${f[6]!.slice(0, 40)} makes the candle's time (the instant after it) 2100-01-01 or later: expected a time before 2100-01-01`,
        );
      const record: Record<string, unknown> = {
        type: 'candle',
        // close_time is the candle's last instant (open + interval - 1 unit).
        time: formatTime(t2.us + unit(t2.precision), t2.precision),
        exchange: labels.exchange,
        symbol: labels.symbol,
        interval: labels.interval,
        open_time: formatTime(t1.us, t1.precision),
        open: positive(f, 1, 'open'),
        high: positive(f, 2, 'high'),
        low: positive(f, 3, 'low'),
        close: positive(f, 4, 'close'),
      };
      for (const [name, column, header] of volumes)
        record[name] = name === 'trades' ? whole(f, column, header) : nonnegative(f, column, header);
      return { record: record as WireRecord, key: t1.us };
    },
  };
}

interface TradeColumns {
  readonly what: string;
  readonly counts: readonly number[];
  readonly id: string;
  readonly qty: string;
  readonly time: number;
  readonly side: number;
  /** first_trade_id and last_trade_id in columns 3 and 4 (aggTrades). */
  readonly aggregated: boolean;
}

function tradeRows(labels: Labels, c: TradeColumns): RowParser {
  const head = `"exchange":"${labels.exchange}","symbol":"${labels.symbol}"`;
  return {
    isHeader: startsWithName,
    parse(f: string[]): ParsedRow {
      expectColumns(f, c.counts, `a ${c.what} row`);
      const tradeId = id(f, 0, c.id);
      const price = positive(f, 1, 'price');
      const amount = positive(f, 2, c.qty);
      const first = c.aggregated ? id(f, 3, 'first_trade_id') : 0;
      const last = c.aggregated ? id(f, 4, 'last_trade_id') : 0;
      epoch(f, c.time, c.aggregated ? 'transact_time' : 'time', t1);
      // The buyer was the maker: the aggressor sold.
      const side = bool(f, c.side, 'is_buyer_maker') ? 'sell' : 'buy';
      const time = formatTime(t1.us, t1.precision);
      const record: Record<string, unknown> = {
        type: 'trade',
        time,
        exchange: labels.exchange,
        symbol: labels.symbol,
        id: tradeId,
        price,
        amount,
        side,
      };
      let json = `{"type":"trade","time":"${time}",${head},"id":${tradeId},"price":${price},"amount":${amount},"side":"${side}"`;
      if (c.aggregated) {
        record.first_id = first;
        record.last_id = last;
        json += `,"first_id":${first},"last_id":${last}`;
      }
      return { record: record as WireRecord, json: `${json}}`, key: t1.us };
    },
  };
}

/** `trades`: id, price, qty, quote_qty, time, is_buyer_maker[, is_best_match]. */
export function tradeParser(labels: Labels): RowParser {
  return tradeRows(labels, {
    what: 'trade',
    counts: [6, 7],
    id: 'id',
    qty: 'qty',
    time: 4,
    side: 5,
    aggregated: false,
  });
}

/**
 * `aggTrades`: agg_trade_id, price, quantity, first_trade_id, last_trade_id, transact_time,
 * is_buyer_maker[, is_best_match]. Written as `trade` records whose `id` is the aggregate id, with
 * `first_id` and `last_id` of the trades it aggregates.
 */
export function aggTradeParser(labels: Labels): RowParser {
  return tradeRows(labels, {
    what: 'aggTrades',
    counts: [7, 8],
    id: 'agg_trade_id',
    qty: 'quantity',
    time: 5,
    side: 6,
    aggregated: true,
  });
}

/**
 * `bookTicker` (futures): update_id, best_bid_price, best_bid_qty, best_ask_price, best_ask_qty,
 * transaction_time, event_time. `time` is the transaction time (when the book changed); the update
 * id is kept as `sequence`.
 */
export function bookTickerParser(labels: Labels): RowParser {
  return {
    isHeader: startsWithName,
    parse(f: string[]): ParsedRow {
      expectColumns(f, [7], 'a bookTicker row');
      const sequence = id(f, 0, 'update_id');
      const bidPrice = positive(f, 1, 'best_bid_price');
      const bidAmount = nonnegative(f, 2, 'best_bid_qty');
      const askPrice = positive(f, 3, 'best_ask_price');
      const askAmount = nonnegative(f, 4, 'best_ask_qty');
      epoch(f, 5, 'transaction_time', t1);
      const record: WireRecord = {
        type: 'quote',
        time: formatTime(t1.us, t1.precision),
        exchange: labels.exchange,
        symbol: labels.symbol,
        bid_price: bidPrice,
        bid_amount: bidAmount,
        ask_price: askPrice,
        ask_amount: askAmount,
        sequence,
      };
      return { record, key: t1.us };
    },
  };
}

/** `fundingRate` (futures, monthly files only): calc_time, funding_interval_hours, last_funding_rate. */
export function fundingParser(labels: Labels): RowParser {
  return {
    isHeader: startsWithName,
    parse(f: string[]): ParsedRow {
      expectColumns(f, [3], 'a fundingRate row');
      epoch(f, 0, 'calc_time', t1);
      const hours = positive(f, 1, 'funding_interval_hours');
      const rate = signed(f, 2, 'last_funding_rate');
      const record: WireRecord = {
        type: 'funding',
        time: formatTime(t1.us, t1.precision),
        exchange: labels.exchange,
        symbol: labels.symbol,
        rate,
        interval_hours: hours,
      };
      return { record, key: t1.us };
    },
  };
}

export function binanceParser(dataType: BinanceDataType, labels: Labels): RowParser {
  switch (dataType) {
    case 'klines':
      return klineParser(labels);
    case 'trades':
      return tradeParser(labels);
    case 'aggTrades':
      return aggTradeParser(labels);
    case 'bookTicker':
      return bookTickerParser(labels);
    case 'fundingRate':
      return fundingParser(labels);
    case 'liquidationSnapshot':
      return liquidationSnapshotParser(labels);
    case 'BVOLIndex':
      return bvolIndexParser(labels);
    case 'EOHSummary':
      return eohSummaryParser(labels);
  }
}

/**
 * What a Binance archive file name says: `BTCUSDT-1m-2020-01-01.zip`, `BTCUSDT-aggTrades-2024-01.zip`,
 * `BTCUSD_PERP-fundingRate-2026-04.csv`.
 */
export function parseBinanceFileName(
  name: string,
): { symbol: string; dataType: BinanceDataType; interval?: string } | undefined {
  const m = /^([A-Z0-9_]+)-([A-Za-z0-9]+)-(\d{4}-\d{2}(?:-\d{2})?)\.(?:zip|csv)(?:\.gz)?$/.exec(name);
  if (m === null) return undefined;
  const symbol = m[1]!;
  const what = m[2]!;
  if (
    what === 'trades' ||
    what === 'aggTrades' ||
    what === 'bookTicker' ||
    what === 'fundingRate' ||
    what === 'liquidationSnapshot' ||
    what === 'BVOLIndex' ||
    what === 'EOHSummary'
  )
    return { symbol, dataType: what };
  if (/^\d+(s|m|h|d|w|mo)$/.test(what))
    return { symbol, dataType: 'klines', interval: what === '1mo' ? '1M' : what };
  return undefined;
}

/**
 * The rows of one Binance archive CSV as timed batches: klines (spot and USD-M) through the byte
 * fast path, everything else through the string parsers.
 */
export function binanceRows(
  chunks: AsyncIterable<Buffer>,
  source: string,
  dataType: BinanceDataType,
  labels: Labels,
  policy: ErrorPolicy,
): TimedStream {
  const parser = binanceParser(dataType, labels);
  if (dataType === 'klines' && labels.inverse !== true && labels.interval !== undefined)
    return parseCsvBytes(
      chunks,
      source,
      parser,
      new KlineBytes(labels.exchange, labels.symbol, labels.interval),
      policy,
    );
  if (dataType === 'EOHSummary') return sortedByKey(parseCsv(chunks, source, parser, policy));
  return parseCsv(chunks, source, parser, policy);
}
