/**
 * The connections a `connect` live session opens: the venues' default endpoints, and per venue the
 * streams (Binance, at most 1024 a connection) or topics (Bybit) for the symbols and channels asked.
 */

import { UsageError } from '../errors.js';
import { BYBIT_INTERVAL } from './bybit/intervals.js';
import type { LiveOptions } from './live.js';

export const LIVE_EXCHANGES = [
  'binance_spot',
  'binance_futures_usd',
  'binance_futures_coin',
  'bybit_spot',
  'bybit_perpetuals_usd',
  'bybit_perpetuals_inverse',
] as const;
export type LiveExchange = (typeof LIVE_EXCHANGES)[number];

const DEFAULT_WS: Record<LiveExchange, string> = {
  binance_spot: 'wss://stream.binance.com:9443',
  binance_futures_usd: 'wss://fstream.binance.com',
  binance_futures_coin: 'wss://dstream.binance.com',
  bybit_spot: 'wss://stream.bybit.com/v5/public/spot',
  bybit_perpetuals_usd: 'wss://stream.bybit.com/v5/public/linear',
  bybit_perpetuals_inverse: 'wss://stream.bybit.com/v5/public/inverse',
};
export const DEFAULT_REST: Record<string, string> = {
  binance_spot: 'https://api.binance.com/api/v3/depth',
  binance_futures_usd: 'https://fapi.binance.com/fapi/v1/depth',
  binance_futures_coin: 'https://dapi.binance.com/dapi/v1/depth',
};

/** The depth endpoint under a REST API root (`--rest-url`, as fetch takes it): the venue's path appended. */
export function depthEndpoint(exchange: string, restUrl: string): string {
  const path = new URL(DEFAULT_REST[exchange] ?? DEFAULT_REST.binance_spot!).pathname;
  return `${restUrl.replace(/\/+$/, '')}${path}`;
}

/** One connection's worth of a session: its URL, what to send after opening, and its symbols. */
export interface Link {
  readonly url: string;
  readonly subscribe: readonly string[];
  readonly symbols: readonly string[];
}

/** Streams a Binance connection may carry. */
export const BINANCE_MAX_STREAMS = 1024;

const CHANNELS = 'trades, quotes, book, candles:1m, liquidations';

/** Liquidations are a contract venue's: spot markets have none to publish. */
function noSpotLiquidations(exchange: string): never {
  throw new UsageError(
    `--channels liquidations: ${exchange} has no liquidations (a spot market); use a futures or perpetuals venue`,
  );
}

function binanceStreams(sym: string, channels: readonly string[], futures: boolean): string[] {
  const s = sym.toLowerCase();
  return channels.map((c) => {
    if (c === 'trades') return `${s}@${futures ? 'aggTrade' : 'trade'}`;
    if (c === 'quotes') return `${s}@bookTicker`;
    if (c === 'book') return `${s}@depth@100ms`;
    if (c.startsWith('candles:')) return `${s}@kline_${c.slice(8)}`;
    if (c === 'liquidations') return futures ? `${s}@forceOrder` : noSpotLiquidations('binance_spot');
    throw new UsageError(`--channels: unknown channel "${c}" (${CHANNELS})`);
  });
}

/**
 * The connections a session opens: Binance puts at most 1024 streams on one connection, so more
 * symbols are spread over several (a symbol's streams stay on one); Bybit takes everything on one,
 * subscribed 10 topics a message.
 */
export function links(o: LiveOptions): Link[] {
  const symbols = o.symbols.map((s) => s.toUpperCase());
  if (symbols.length === 0) throw new UsageError('--symbols: no symbol given');
  if (o.exchange.startsWith('binance')) {
    const futures = o.exchange !== 'binance_spot';
    const base = (o.endpoint ?? DEFAULT_WS[o.exchange]).replace(/\/+$/, '');
    const out: Link[] = [];
    let streams: string[] = [];
    let syms: string[] = [];
    const flush = (): void => {
      if (streams.length === 0) return;
      out.push({ url: `${base}/stream?streams=${streams.join('/')}`, subscribe: [], symbols: syms });
      streams = [];
      syms = [];
    };
    for (const sym of symbols) {
      const mine = binanceStreams(sym, o.channels, futures);
      if (streams.length + mine.length > BINANCE_MAX_STREAMS) flush();
      streams.push(...mine);
      syms.push(sym);
    }
    flush();
    return out;
  }
  const args: string[] = [];
  for (const sym of symbols) {
    for (const c of o.channels) {
      if (c === 'trades') args.push(`publicTrade.${sym}`);
      else if (c === 'book') args.push(`orderbook.50.${sym}`);
      else if (c === 'quotes') args.push(`orderbook.1.${sym}`);
      else if (c.startsWith('candles:')) {
        const i = BYBIT_INTERVAL[c.slice(8)];
        if (i === undefined) throw new UsageError(`--channels: Bybit has no ${c.slice(8)} klines`);
        args.push(`kline.${i}.${sym}`);
      } else if (c === 'liquidations') {
        if (o.exchange === 'bybit_spot') noSpotLiquidations(o.exchange);
        args.push(`allLiquidation.${sym}`);
      } else throw new UsageError(`--channels: unknown channel "${c}" (${CHANNELS})`);
    }
  }
  const subscribe: string[] = [];
  for (let i = 0; i < args.length; i += 10)
    subscribe.push(JSON.stringify({ op: 'subscribe', args: args.slice(i, i + 10) }));
  return [{ url: o.endpoint ?? DEFAULT_WS[o.exchange], subscribe, symbols }];
}
