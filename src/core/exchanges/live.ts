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
 *
 * The connections a session opens are planned in live-links.ts; what an overlapping connection
 * delivers twice is dropped by overlap.ts.
 */

import type WebSocket from 'ws';
import type { RecordStream } from '../io/stream.js';
import type { WireRecord } from '../records/record.js';
import { escapeText } from '../records/text.js';
import { BinanceFeed, CONNECTION_LOST } from './binance/feed.js';
import { BybitFeed } from './bybit/feed.js';
import { DEFAULT_REST, depthEndpoint, type Link, type LiveExchange, links } from './live-links.js';
import { OverlapFilter } from './overlap.js';

export interface LiveOptions {
  readonly exchange: LiveExchange;
  readonly symbols: readonly string[];
  /** `trades`, `quotes`, `book`, `candles:1m` (any kline interval), `liquidations` (contracts). */
  readonly channels: readonly string[];
  /** Websocket base (Binance: the host, `/stream?streams=` is appended; Bybit: the full path). */
  readonly endpoint?: string;
  /** Binance's REST depth endpoint (`.../api/v3/depth`). */
  readonly restEndpoint?: string;
  /** Binance's REST API root (`https://api.binance.com`); the depth path is appended. */
  readonly restUrl?: string;
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
  /**
   * Records refused at the boundary (a price that is not a number, a sequence beyond 2^53): each is
   * said here (`connect` prints these even with --quiet: data was left out).
   */
  readonly warn?: (message: string) => void;
  /** For tests: the jitter source. */
  readonly random?: () => number;
}

export interface LiveStats {
  frames: number;
  malformed: number;
  /** Records the venue parser refused (exchanges/intake.ts). */
  refused?: number;
  connections: number;
  snapshots: number;
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
  // Loaded here, not at the top: `connect --replay` and the rest of the toolkit never need it, and
  // importing it cost about 50 ms of every start.
  const { default: WebSocket } = await import('ws');
  const plan = links(o);
  const binance = o.exchange.startsWith('binance');
  const onProblem = (detail: string): void => o.warn?.(detail);
  const feed = binance ? new BinanceFeed(o.exchange, onProblem) : new BybitFeed(o.exchange, onProblem);
  const books = binance && o.channels.includes('book');
  const now = clockNs();
  const random = o.random ?? Math.random;
  const initial = o.backoffInitialMs ?? 125;
  const cap = o.backoffMaxMs ?? 60_000;
  const healthy = o.healthyMs ?? 60_000;
  const staleAfter = o.staleAfterMs ?? 30_000;
  const maxAge = o.maxConnectionMs ?? 23.5 * 3_600_000;
  const pingEvery = o.pingEveryMs ?? 20_000;
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
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, f: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    timers.add(t);
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

  // Book snapshots (Binance), one request per symbol at a time.
  const pending = new Set<string>();
  const takeSnapshot = async (symbol: string): Promise<void> => {
    if (pending.has(symbol) || stopped) return;
    pending.add(symbol);
    const base =
      o.restEndpoint ??
      (o.restUrl === undefined ? DEFAULT_REST[o.exchange]! : depthEndpoint(o.exchange, o.restUrl));
    try {
      const res = await fetch(`${base}?symbol=${symbol}&limit=${o.snapshotLimit ?? 1000}`, {
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (stopped) return;
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 100)}`);
      const body = JSON.parse(text) as Record<string, unknown>;
      if (!(feed instanceof BinanceFeed) || !feed.needsSnapshot(symbol)) return;
      // Spot bodies do not name their symbol: the recording's line does, so a replay knows it.
      const raw = 'symbol' in body ? text : `{"symbol":${JSON.stringify(symbol)},${text.trim().slice(1)}`;
      stats.snapshots++;
      ingest(raw, { symbol, ...body });
    } catch (error) {
      if (stopped) return;
      o.log?.(escapeText(`${symbol} depth snapshot failed (${(error as Error).message}); retrying`));
      later(1000, () => {
        if (feed instanceof BinanceFeed && feed.needsSnapshot(symbol)) void takeSnapshot(symbol);
      });
    } finally {
      pending.delete(symbol);
    }
  };
  const resync = (symbols: readonly string[]): void => {
    if (!books || !(feed instanceof BinanceFeed)) return;
    for (const s of symbols) if (feed.needsSnapshot(s) && !pending.has(s)) void takeSnapshot(s);
  };

  let gapsSeen = 0;
  const overlap = new OverlapFilter((message) => o.log?.(message));

  // An unexpected failure inside a socket's handler ends the session with that error (the recording
  // is still closed and renamed by the caller), rather than the process with an uncaught exception.
  let failure: unknown;

  interface Conn {
    readonly socket: WebSocket;
    openedAt: number;
    lastMessage: number;
    lastPing: number;
    open: boolean;
    done: boolean;
  }
  interface LinkState {
    readonly link: Link;
    current: Conn | undefined;
    /** A connection opened to take over from `current` (server shutdown, age limit). */
    next: Conn | undefined;
    attempt: number;
    healthySince: number;
  }
  const states: LinkState[] = plan.map((link) => ({
    link,
    current: undefined,
    next: undefined,
    attempt: 0,
    healthySince: 0,
  }));

  const quiet = (c: Conn): void => {
    c.done = true;
    c.socket.removeAllListeners();
    c.socket.on('error', () => {});
    c.socket.terminate();
  };

  const lost = (st: LinkState, reason: string): void => {
    const symbols = plan.length > 1 ? st.link.symbols : undefined;
    const event =
      symbols === undefined ? { e: CONNECTION_LOST, reason } : { e: CONNECTION_LOST, reason, symbols };
    ingest(JSON.stringify(event), event);
  };

  const connect = (st: LinkState, role: 'current' | 'next'): void => {
    if (stopped) return;
    const socket = new WebSocket(st.link.url, { handshakeTimeout: 10_000 });
    const c: Conn = { socket, openedAt: 0, lastMessage: 0, lastPing: 0, open: false, done: false };
    if (role === 'current') st.current = c;
    else st.next = c;
    const ended = (reason: string): void => {
      if (c.done) return;
      quiet(c);
      if (stopped) return;
      if (st.next === c) {
        // A replacement that failed: the current connection goes on; the next trigger tries again.
        st.next = undefined;
        return;
      }
      if (st.current !== c) return;
      st.current = undefined;
      lost(st, c.open ? reason : `could not connect: ${reason}`);
      if (st.next !== undefined) {
        // The replacement is on its way: it takes over, and the books resynchronise on it.
        st.current = st.next;
        st.next = undefined;
        if (st.current.open) resync(st.link.symbols);
        return;
      }
      if (c.open && Date.now() - c.openedAt >= healthy) st.attempt = 0;
      const delay = Math.min(cap, initial * 2 ** st.attempt);
      st.attempt++;
      // Jitter over the upper half: no thundering herd, never much sooner than planned.
      const wait = Math.round(delay / 2 + (random() * delay) / 2);
      o.log?.(`connection lost (${escapeText(reason)}); reconnecting in ${wait} ms`);
      later(wait, () => connect(st, 'current'));
    };
    socket.on('open', () => {
      if (c.done) return;
      c.open = true;
      c.openedAt = Date.now();
      c.lastMessage = c.openedAt;
      c.lastPing = c.openedAt;
      stats.connections++;
      o.log?.(`connected to ${st.link.url.slice(0, 120)}`);
      for (const m of st.link.subscribe) socket.send(m);
      if (st.current === c) resync(st.link.symbols);
    });
    socket.on('message', (data: WebSocket.RawData) => {
      if (c.done || stopped) return;
      c.lastMessage = Date.now();
      if (st.next === c && st.current !== undefined) {
        // The replacement delivers: the old connection retires without a gap.
        quiet(st.current);
        st.current = c;
        st.next = undefined;
        o.log?.('switched to the new connection');
      }
      try {
        onFrame(c, data.toString());
      } catch (error) {
        failure ??= error;
        stop();
      }
    });
    const onFrame = (c: Conn, raw: string): void => {
      let msg: unknown;
      try {
        msg = JSON.parse(raw);
      } catch {
        stats.malformed++;
        o.log?.(`malformed frame skipped: ${escapeText(raw.slice(0, 60))}`);
        return;
      }
      stats.frames++;
      const e =
        (msg as { data?: { e?: unknown }; e?: unknown } | null)?.data?.e ?? (msg as { e?: unknown })?.e;
      if (e === 'serverShutdown') {
        o.log?.('the venue announced a shutdown: opening a new connection');
        if (st.next === undefined && st.current === c) connect(st, 'next');
        return;
      }
      if (!overlap.fresh(msg, c)) return;
      ingest(raw, msg);
      stats.refused = feed.stats.refused;
      // A sequence gap leaves its book waiting for a snapshot: only then is there one to take.
      if (feed.stats.gaps !== gapsSeen) {
        gapsSeen = feed.stats.gaps;
        resync(st.link.symbols);
      }
    };
    socket.on('close', (code) => ended(`closed (${code})`));
    socket.on('error', (error) => ended(`error: ${error.message}`));
  };

  // Keepalive: Bybit's application ping, stale connections, and the age limit.
  const tick = setInterval(
    () => {
      if (stopped) return;
      const t = Date.now();
      for (const st of states) {
        const c = st.current;
        if (c === undefined || !c.open || c.done) continue;
        if (!binance && t - c.lastPing >= pingEvery) {
          c.lastPing = t;
          c.socket.send('{"op":"ping"}');
        }
        if (t - c.lastMessage >= staleAfter) c.socket.emit('close', 4000);
        else if (t - c.openedAt >= maxAge && st.next === undefined) {
          o.log?.('connection reached its age limit: opening a new connection');
          connect(st, 'next');
        }
      }
    },
    Math.max(10, Math.min(1000, Math.floor(Math.min(staleAfter, pingEvery, maxAge) / 4))),
  );
  const onAbort = (): void => stop();
  o.signal?.addEventListener('abort', onAbort);
  if (o.durationMs !== undefined) later(o.durationMs, stop);

  let emitted = 0;
  try {
    for (const st of states) connect(st, 'current');
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
    for (const st of states) {
      for (const c of [st.current, st.next]) {
        if (c === undefined || c.done) continue;
        c.done = true;
        c.socket.removeAllListeners();
        c.socket.on('error', () => {});
        c.socket.close();
      }
    }
  }
  if (feed instanceof BinanceFeed) {
    const tail: WireRecord[] = [];
    feed.finish(tail);
    if (tail.length > 0 && emitted < max) yield tail.slice(0, max - emitted);
  }
  if (failure !== undefined) throw failure;
}
