/**
 * `connect` live: public market data from Binance and Bybit over websockets, through the same venue
 * parsers and book synchronisers as `connect --replay` (binance/feed.ts, bybit/feed.ts).
 *
 * Everything the session feeds to a parser (each websocket frame, each REST depth snapshot, and a
 * `tickpipe_connection_lost` event when a connection breaks) goes through one function that first
 * writes it to the recording (`<receive ns> <raw JSON>`), so replaying the recording gives the same
 * records, `local_time` included. A frame that is not JSON is counted and skipped, not recorded.
 *
 * Staying connected: reconnect with exponential backoff and full jitter (from `backoffInitialMs`,
 * doubling, capped at `backoffMaxMs`; reset after a connection stayed up `healthyMs`), resubscribe,
 * and re-take the book snapshots; a connection silent for `staleAfterMs` is dead; Binance's
 * `serverShutdown` event and its 24-hour connection limit make the session reconnect at once.
 */

import WebSocket from 'ws';
import { UsageError } from '../errors.js';
import { BYBIT_INTERVAL } from '../fetch/rest.js';
import type { RecordStream } from '../io/stream.js';
import type { WireRecord } from '../records/record.js';
import { BinanceFeed, CONNECTION_LOST } from './binance/feed.js';
import { BybitFeed } from './bybit/feed.js';

export const LIVE_EXCHANGES = [
  'binance_spot',
  'binance_futures_usd',
  'binance_futures_coin',
  'bybit_spot',
  'bybit_perpetuals_usd',
] as const;
export type LiveExchange = (typeof LIVE_EXCHANGES)[number];

const DEFAULT_WS: Record<LiveExchange, string> = {
  binance_spot: 'wss://stream.binance.com:9443',
  binance_futures_usd: 'wss://fstream.binance.com',
  binance_futures_coin: 'wss://dstream.binance.com',
  bybit_spot: 'wss://stream.bybit.com/v5/public/spot',
  bybit_perpetuals_usd: 'wss://stream.bybit.com/v5/public/linear',
};
const DEFAULT_REST: Record<string, string> = {
  binance_spot: 'https://api.binance.com/api/v3/depth',
  binance_futures_usd: 'https://fapi.binance.com/fapi/v1/depth',
  binance_futures_coin: 'https://dapi.binance.com/dapi/v1/depth',
};

export interface LiveOptions {
  readonly exchange: LiveExchange;
  readonly symbols: readonly string[];
  /** `trades`, `quotes`, `book`, `candles:1m` (any kline interval). */
  readonly channels: readonly string[];
  /** Websocket base (Binance: the host, `/stream?streams=` is appended; Bybit: the full path). */
  readonly endpoint?: string;
  /** Binance's REST depth endpoint (`.../api/v3/depth`). */
  readonly restEndpoint?: string;
  readonly signal?: AbortSignal;
  /** End after this much wall time. */
  readonly durationMs?: number;
  /** End after this many records. */
  readonly maxRecords?: number;
  readonly staleAfterMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly healthyMs?: number;
  /** Reconnect before a connection gets this old (Binance closes them at 24 hours). */
  readonly maxConnectionMs?: number;
  /** Bybit's application-level ping interval (default 20 s). */
  readonly pingEveryMs?: number;
  /** Depth levels asked of Binance's REST snapshot. */
  readonly snapshotLimit?: number;
  /** Receives every line of the recording (`<ns> <json>`, no newline). */
  readonly record?: (line: string) => void;
  /** Diagnostics (connections, reconnects, malformed frames). */
  readonly log?: (message: string) => void;
  /** For tests: the jitter source. */
  readonly random?: () => number;
}

export interface LiveStats {
  frames: number;
  malformed: number;
  connections: number;
  snapshots: number;
}

/** The websocket URL and the messages to send after opening, for a venue, symbols and channels. */
export function subscription(o: LiveOptions): { url: string; subscribe: string[] } {
  const symbols = o.symbols.map((s) => s.toUpperCase());
  if (o.exchange.startsWith('binance')) {
    const futures = o.exchange !== 'binance_spot';
    const streams: string[] = [];
    for (const sym of symbols) {
      const s = sym.toLowerCase();
      for (const c of o.channels) {
        if (c === 'trades') streams.push(`${s}@${futures ? 'aggTrade' : 'trade'}`);
        else if (c === 'quotes') streams.push(`${s}@bookTicker`);
        else if (c === 'book') streams.push(`${s}@depth@100ms`);
        else if (c.startsWith('candles:')) streams.push(`${s}@kline_${c.slice(8)}`);
        else throw new UsageError(`--channels: unknown channel "${c}" (trades, quotes, book, candles:1m)`);
      }
    }
    if (streams.length > 1024)
      throw new UsageError(`${streams.length} streams: Binance allows 1024 a connection; split the symbols`);
    const base = (o.endpoint ?? DEFAULT_WS[o.exchange]).replace(/\/+$/, '');
    return { url: `${base}/stream?streams=${streams.join('/')}`, subscribe: [] };
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
      } else throw new UsageError(`--channels: unknown channel "${c}" (trades, quotes, book, candles:1m)`);
    }
  }
  // Bybit takes at most 10 topics a subscribe message.
  const subscribe: string[] = [];
  for (let i = 0; i < args.length; i += 10)
    subscribe.push(JSON.stringify({ op: 'subscribe', args: args.slice(i, i + 10) }));
  return { url: o.endpoint ?? DEFAULT_WS[o.exchange], subscribe };
}

/** The wall clock in nanoseconds, monotonic within the process. */
function clockNs(): () => bigint {
  const wall = BigInt(Date.now()) * 1_000_000n;
  const hr = process.hrtime.bigint();
  return () => wall + (process.hrtime.bigint() - hr);
}

/** A live session's records, until the signal, `durationMs` or `maxRecords` ends it. */
export function connectLive(options: LiveOptions, stats?: LiveStats): RecordStream {
  return run(options, stats ?? { frames: 0, malformed: 0, connections: 0, snapshots: 0 });
}

async function* run(o: LiveOptions, stats: LiveStats): AsyncGenerator<WireRecord[]> {
  const { url, subscribe } = subscription(o);
  const binance = o.exchange.startsWith('binance');
  const feed = binance ? new BinanceFeed(o.exchange) : new BybitFeed(o.exchange);
  const bookSymbols = o.channels.includes('book') && binance ? o.symbols.map((s) => s.toUpperCase()) : [];
  const now = clockNs();
  const random = o.random ?? Math.random;
  const initial = o.backoffInitialMs ?? 125;
  const cap = o.backoffMaxMs ?? 60_000;
  const healthy = o.healthyMs ?? 60_000;
  const staleAfter = o.staleAfterMs ?? 30_000;
  const maxAge = o.maxConnectionMs ?? 23.5 * 3_600_000;
  const max = o.maxRecords ?? Number.POSITIVE_INFINITY;

  let queue: WireRecord[] = [];
  let wake: (() => void) | undefined;
  let stopped = false;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stop = (): void => {
    stopped = true;
    notify();
  };

  /** Records and feeds one input, in the order the recording will replay it. */
  const ingest = (raw: string, msg: unknown, snapshotSymbol?: string): void => {
    const ns = now();
    const localUs = Number(ns / 1000n);
    o.record?.(`${ns} ${raw}`);
    if (feed instanceof BinanceFeed) {
      if (snapshotSymbol !== undefined)
        feed.snapshot(msg as Record<string, unknown>, localUs, snapshotSymbol, queue);
      else feed.frame(msg, localUs, queue);
    } else feed.frame(msg, localUs, queue);
    if (queue.length > 0) notify();
  };

  let ws: WebSocket | undefined;
  let attempt = 0;
  let openedAt = 0;
  let lastMessage = 0;
  let lastPing = 0;
  const pingEvery = o.pingEveryMs ?? 20_000;
  let pending = new Set<string>();
  let generation = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, f: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    timers.add(t);
  };

  const takeSnapshot = async (symbol: string, gen: number): Promise<void> => {
    if (pending.has(symbol)) return;
    pending.add(symbol);
    const base = o.restEndpoint ?? DEFAULT_REST[o.exchange]!;
    try {
      const res = await fetch(`${base}?symbol=${symbol}&limit=${o.snapshotLimit ?? 1000}`, {
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (stopped || gen !== generation) return;
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 100)}`);
      const body = JSON.parse(text) as Record<string, unknown>;
      // Spot bodies do not name their symbol: the recording's line does, so a replay knows it.
      const raw = 'symbol' in body ? text : `{"symbol":${JSON.stringify(symbol)},${text.trim().slice(1)}`;
      stats.snapshots++;
      ingest(raw, { symbol, ...body });
    } catch (error) {
      if (stopped || gen !== generation) return;
      o.log?.(`${symbol} depth snapshot failed (${(error as Error).message}); retrying`);
      later(Math.min(cap, 1000), () => {
        if (!stopped && gen === generation && feed instanceof BinanceFeed && feed.needsSnapshot(symbol))
          void takeSnapshot(symbol, gen);
      });
    } finally {
      pending.delete(symbol);
    }
  };

  const broken = (reason: string): void => {
    if (stopped) return;
    ingest(JSON.stringify({ e: CONNECTION_LOST, reason }), { e: CONNECTION_LOST, reason });
    if (Date.now() - openedAt >= healthy && openedAt > 0) attempt = 0;
    const delay = Math.min(cap, initial * 2 ** attempt);
    attempt++;
    // Full jitter over the upper half: never a thundering herd, never much sooner than planned.
    const wait = Math.round(delay / 2 + (random() * delay) / 2);
    o.log?.(`connection lost (${reason}); reconnecting in ${wait} ms`);
    later(wait, open);
  };

  function open(): void {
    if (stopped) return;
    const gen = ++generation;
    pending = new Set();
    const socket = new WebSocket(url, { handshakeTimeout: 10_000 });
    ws = socket;
    let alive = false;
    let ended = false;
    const end = (reason: string): void => {
      if (ended || gen !== generation) return;
      ended = true;
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
      broken(reason);
    };
    socket.on('open', () => {
      if (gen !== generation) return;
      alive = true;
      openedAt = Date.now();
      lastMessage = Date.now();
      lastPing = Date.now();
      stats.connections++;
      o.log?.(`connected to ${url}`);
      for (const m of subscribe) socket.send(m);
      for (const s of bookSymbols) void takeSnapshot(s, gen);
    });
    socket.on('message', (data: WebSocket.RawData) => {
      if (gen !== generation) return;
      lastMessage = Date.now();
      const raw = data.toString();
      let msg: unknown;
      try {
        msg = JSON.parse(raw);
      } catch {
        stats.malformed++;
        o.log?.(`malformed frame skipped: ${raw.slice(0, 60)}`);
        return;
      }
      stats.frames++;
      ingest(raw, msg);
      const e =
        (msg as { data?: { e?: unknown }; e?: unknown } | null)?.data?.e ?? (msg as { e?: unknown })?.e;
      if (e === 'serverShutdown') {
        end('server shutdown');
        return;
      }
      if (feed instanceof BinanceFeed)
        for (const s of bookSymbols) if (feed.needsSnapshot(s) && !pending.has(s)) void takeSnapshot(s, gen);
    });
    socket.on('close', (code) => end(alive ? `closed (${code})` : `could not connect (${code})`));
    socket.on('error', (error) =>
      end(alive ? `error: ${error.message}` : `could not connect: ${error.message}`),
    );
  }

  // Keepalive: Bybit's application ping, stale connections, and the 24-hour limit.
  const tick = setInterval(
    () => {
      const socket = ws;
      if (stopped || socket === undefined || socket.readyState !== WebSocket.OPEN) return;
      if (!binance && Date.now() - lastPing >= pingEvery) {
        lastPing = Date.now();
        socket.send('{"op":"ping"}');
      }
      if (Date.now() - lastMessage >= staleAfter) socket.emit('close', 4000);
      else if (Date.now() - openedAt >= maxAge) socket.emit('close', 4001);
    },
    Math.max(10, Math.min(1000, Math.floor(staleAfter / 4))),
  );
  const onAbort = (): void => stop();
  o.signal?.addEventListener('abort', onAbort);
  if (o.durationMs !== undefined) later(o.durationMs, stop);

  let emitted = 0;
  try {
    open();
    while (true) {
      if (queue.length === 0 && !stopped) await new Promise<void>((r) => (wake = r));
      if (queue.length > 0) {
        let batch = queue;
        queue = [];
        if (emitted + batch.length >= max) {
          batch = batch.slice(0, max - emitted);
          stopped = true;
        }
        emitted += batch.length;
        yield batch;
      }
      if (stopped) break;
    }
  } finally {
    stopped = true;
    clearInterval(tick);
    for (const t of timers) clearTimeout(t);
    o.signal?.removeEventListener('abort', onAbort);
    const socket = ws;
    if (socket !== undefined) {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.close();
    }
  }
  if (feed instanceof BinanceFeed) {
    const tail: WireRecord[] = [];
    feed.finish(tail);
    if (tail.length > 0 && emitted < max) yield tail.slice(0, max - emitted);
  }
}
