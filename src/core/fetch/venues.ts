/**
 * The venues `fetch` knows: their archive and REST hosts, what each offers, and the checks on names
 * that become URL and file paths.
 */

import { UsageError } from '../errors.js';
import type { BinanceDataType } from './binance/csv.js';

export type Kind =
  | 'candles'
  | 'trades'
  | 'agg_trades'
  | 'quotes'
  | 'funding'
  | 'instruments'
  | 'book'
  | 'liquidations'
  | 'volatility_index'
  | 'option_summary'
  | 'option_marks';
export const KINDS: readonly Kind[] = [
  'candles',
  'trades',
  'agg_trades',
  'quotes',
  'funding',
  'instruments',
  'book',
  'liquidations',
  'volatility_index',
  'option_summary',
  'option_marks',
];

/** Kinds that are one snapshot now (no range, no archive). */
export const SNAPSHOT_KINDS: ReadonlySet<Kind> = new Set<Kind>(['instruments', 'book', 'option_marks']);

export type Venue = 'binance' | 'bybit';

/** Binance archive data types by kind. */
export const BINANCE_DATA_TYPE: Partial<Record<Kind, BinanceDataType>> = {
  candles: 'klines',
  trades: 'trades',
  agg_trades: 'aggTrades',
  quotes: 'bookTicker',
  funding: 'fundingRate',
  liquidations: 'liquidationSnapshot',
  volatility_index: 'BVOLIndex',
  option_summary: 'EOHSummary',
};

/** Binance archive data types published as daily files only (no monthly ones). */
export const BINANCE_DAILY_ONLY: ReadonlySet<string> = new Set([
  'liquidationSnapshot',
  'BVOLIndex',
  'EOHSummary',
]);

export interface Exchange {
  readonly id: string;
  readonly venue: Venue;
  /** Binance archive market folder (`spot`, `futures/um`, `futures/cm`) or Bybit archive folder. */
  readonly archiveMarket: string;
  /** REST API path prefix (Binance) or v5 category (Bybit). */
  readonly rest: string;
  readonly defaultArchiveUrl: string;
  readonly defaultRestUrl: string;
  /** Candle intervals the venue offers. */
  readonly intervals: readonly string[];
  /** Largest page of the klines endpoint. */
  readonly klineLimit: number;
  /** The request-weight budget per minute (X-MBX-USED-WEIGHT-1M), Binance only. */
  readonly weightLimit: number;
  readonly kinds: ReadonlySet<Kind>;
  /** The kinds its archive has, where not all of `kinds` (options candles are REST only). */
  readonly archiveKinds?: ReadonlySet<Kind>;
  readonly inverse: boolean;
}

const BINANCE_INTERVALS = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
];

/** What Binance's futures markets (USD-M and COIN-M) offer. */
const FUTURES_KINDS: ReadonlySet<Kind> = new Set<Kind>([
  'candles',
  'trades',
  'agg_trades',
  'quotes',
  'funding',
  'instruments',
  'book',
  'liquidations',
]);

export const EXCHANGES: Readonly<Record<string, Exchange>> = {
  binance_spot: {
    id: 'binance_spot',
    venue: 'binance',
    archiveMarket: 'spot',
    rest: '/api/v3',
    defaultArchiveUrl: 'https://data.binance.vision',
    defaultRestUrl: 'https://api.binance.com',
    intervals: ['1s', ...BINANCE_INTERVALS],
    klineLimit: 1000,
    weightLimit: 6000,
    kinds: new Set<Kind>(['candles', 'trades', 'agg_trades', 'instruments', 'book']),
    inverse: false,
  },
  binance_futures_usd: {
    id: 'binance_futures_usd',
    venue: 'binance',
    archiveMarket: 'futures/um',
    rest: '/fapi/v1',
    defaultArchiveUrl: 'https://data.binance.vision',
    defaultRestUrl: 'https://fapi.binance.com',
    intervals: BINANCE_INTERVALS,
    klineLimit: 1500,
    weightLimit: 2400,
    kinds: FUTURES_KINDS,
    inverse: false,
  },
  binance_futures_coin: {
    id: 'binance_futures_coin',
    venue: 'binance',
    archiveMarket: 'futures/cm',
    rest: '/dapi/v1',
    defaultArchiveUrl: 'https://data.binance.vision',
    defaultRestUrl: 'https://dapi.binance.com',
    intervals: BINANCE_INTERVALS,
    klineLimit: 1500,
    weightLimit: 2400,
    kinds: FUTURES_KINDS,
    inverse: true,
  },
  binance_options: {
    id: 'binance_options',
    venue: 'binance',
    archiveMarket: 'option',
    rest: '/eapi/v1',
    defaultArchiveUrl: 'https://data.binance.vision',
    defaultRestUrl: 'https://eapi.binance.com',
    intervals: ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d', '3d', '1w'],
    klineLimit: 1500,
    weightLimit: 6000,
    kinds: new Set<Kind>(['candles', 'volatility_index', 'option_summary', 'option_marks']),
    archiveKinds: new Set<Kind>(['volatility_index', 'option_summary']),
    inverse: false,
  },
  bybit_spot: {
    id: 'bybit_spot',
    venue: 'bybit',
    archiveMarket: 'spot',
    rest: 'spot',
    defaultArchiveUrl: 'https://public.bybit.com',
    defaultRestUrl: 'https://api.bybit.com',
    intervals: ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d', '1w', '1M'],
    klineLimit: 1000,
    weightLimit: 0,
    kinds: new Set<Kind>(['candles', 'trades']),
    inverse: false,
  },
  bybit_perpetuals_usd: {
    id: 'bybit_perpetuals_usd',
    venue: 'bybit',
    archiveMarket: 'trading',
    rest: 'linear',
    defaultArchiveUrl: 'https://public.bybit.com',
    defaultRestUrl: 'https://api.bybit.com',
    intervals: ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d', '1w', '1M'],
    klineLimit: 1000,
    weightLimit: 0,
    kinds: new Set<Kind>(['candles', 'trades']),
    inverse: false,
  },
};

export function exchangeById(id: string): Exchange {
  const ex = EXCHANGES[id];
  if (ex === undefined)
    throw new UsageError(`unknown exchange "${id}": expected one of ${Object.keys(EXCHANGES).join(', ')}`);
  return ex;
}

/**
 * A symbol as the venue spells it: upper-case letters, digits, `_` and `-`. Anything else (a `/`, a
 * `..`) is refused here, before any URL or file path is built from it.
 */
export function checkSymbol(symbol: string): string {
  const s = symbol.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9_-]{0,39}$/.test(s))
    throw new UsageError(
      `invalid symbol "${symbol}": a venue symbol is letters, digits, "_" and "-" (for example BTCUSDT, BTCUSD_PERP)`,
    );
  return s;
}

/** The name of an interval in Binance's archive paths: `1M` is `1mo` there. */
export function binanceArchiveInterval(interval: string): string {
  return interval === '1M' ? '1mo' : interval;
}
