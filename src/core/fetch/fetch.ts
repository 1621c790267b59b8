/**
 * `fetch`: market data from the venues' archives and REST APIs as normalised records.
 *
 * For each symbol the range is planned as a list of units in time order: whole past months from the
 * archive's monthly files, other whole past days from its daily files, and what the archive cannot
 * have yet (today) from REST. A unit the archive turns out not to have (404) falls back, under
 * `--source auto`, to its daily files (a month) or to REST (a day). Downloads run ahead of the parser
 * up to `concurrency` files at once (across all symbols); parsing streams each file in order, so
 * output is in time order per symbol, and symbols are merged in time order.
 *
 * Nothing that fails is silent: a unit that cannot be delivered is recorded (what, URL, why) in the
 * report and the cache manifest, the run goes on with the rest, and the command exits 1.
 *
 * The plan is in plan.ts; one archive file's download, checks and parsing in archive.ts.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptInput, UsageError } from '../errors.js';
import type { ErrorPolicy } from '../io/lines.js';
import type { RecordStream } from '../io/stream.js';
import { parseInterval } from '../records/interval.js';
import type { WireRecord } from '../records/record.js';
import { formatTime } from '../records/time.js';
import { type ArchiveContext, type Prepared, parseArchive, prepare, Slots, safeUnlink } from './archive.js';
import { binanceOptionMarks } from './binance/options-rest.js';
import { bybitKlines } from './bybit/rest.js';
import { Cache } from './cache.js';
import { HttpClient, HttpError, type HttpOptions } from './http.js';
import { dailyUnits, planUnits, type Unit, unitIsWholeFile } from './plan.js';
import {
  binanceAggTrades,
  binanceDepth,
  binanceExchangeInfo,
  binanceFunding,
  binanceKlines,
  type RestContext,
} from './rest.js';
import { intoStore, type StoreTarget } from './store.js';
import { clip, mergeByTime, type TimedBatch, type TimedStream, type TimeRange, untimed } from './timed.js';
import { exchangeById, type Kind, SNAPSHOT_KINDS } from './venues.js';

export type SourceMode = 'auto' | 'archive' | 'rest';

export interface FetchOptions {
  readonly exchange: string;
  /** Write the records to this columnar store (fetch/store.ts) and yield its store_partition records. */
  readonly store?: StoreTarget | undefined;
  readonly symbols: readonly string[];
  readonly kind: Kind;
  readonly interval?: string | undefined;
  /** Epoch microseconds, inclusive. */
  readonly from?: number | undefined;
  /** Epoch microseconds, exclusive (default: now). */
  readonly to?: number | undefined;
  readonly source?: SourceMode;
  readonly cacheDir?: string | undefined;
  readonly concurrency?: number;
  readonly baseUrl?: string | undefined;
  readonly restUrl?: string | undefined;
  readonly policy: ErrorPolicy;
  readonly signal?: AbortSignal | undefined;
  /** Epoch microseconds; default the clock (tests fix it). */
  readonly now?: number | undefined;
  readonly http?: HttpOptions;
  readonly maxEntryBytes?: number | undefined;
  /** Download attempts when the published checksum does not match (default 2). */
  readonly checksumAttempts?: number;
  /** Check cached Binance files against their published checksum; download replaced ones again. */
  readonly revalidate?: boolean;
  /** Levels a side for `--kind book`. */
  readonly depthLimit?: number;
  readonly lockWaitMs?: number;
  /** How often the cache lock's lease is renewed (default 15 s; a lease not renewed for 2 min is stale). */
  readonly lockHeartbeatMs?: number;
  /** One line per file (--verbose) and other notes. */
  readonly log?: ((message: string) => void) | undefined;
  /** What a user must hear even without --verbose (an unverified file, a healed cache entry). */
  readonly warn?: ((message: string) => void) | undefined;
}

export interface Failure {
  readonly symbol: string;
  readonly what: string;
  readonly url: string;
  readonly reason: string;
}

export interface FetchReport {
  files: number;
  fromCache: number;
  downloaded: number;
  readonly failures: Failure[];
  http?: HttpClient;
}

export interface FetchRun {
  readonly records: RecordStream;
  readonly report: FetchReport;
}

/** Plans, downloads and parses; the stream ends when everything asked for was tried. */
export function fetchMarketData(options: FetchOptions): FetchRun {
  const exchange = exchangeById(options.exchange);
  const kind = options.kind;
  if (!exchange.kinds.has(kind))
    throw new UsageError(`${exchange.id} has no ${kind} (it has: ${[...exchange.kinds].join(', ')})`);
  const now = options.now ?? Date.now() * 1000;
  const source = options.source ?? 'auto';
  let interval = options.interval;
  if (kind === 'candles') {
    if (interval === undefined)
      throw new UsageError('--kind candles needs --interval (for example 1m, 1h, 1d)');
    if (interval === '1mo') interval = '1M';
    if (!exchange.intervals.includes(interval))
      throw new UsageError(
        `${exchange.id} has no ${interval} candles (it has: ${exchange.intervals.join(', ')})`,
      );
  }
  const needsRange = !SNAPSHOT_KINDS.has(kind);
  let range: TimeRange | undefined;
  if (needsRange) {
    if (options.from === undefined) throw new UsageError(`--kind ${kind} needs --from`);
    const to = Math.min(options.to ?? now, now);
    if (options.to !== undefined && options.from >= options.to)
      throw new UsageError(`--from ${formatTime(options.from)} is not before --to ${formatTime(options.to)}`);
    range = { from: options.from, to };
  }
  if (needsRange && options.symbols.length === 0) throw new UsageError('give --symbol');
  const report: FetchReport = { files: 0, fromCache: 0, downloaded: 0, failures: [] };
  const http = new HttpClient({ ...options.http, signal: options.signal, log: options.log });
  report.http = http;
  const restUrl = (options.restUrl ?? exchange.defaultRestUrl).replace(/\/+$/, '');
  const baseUrl = (options.baseUrl ?? exchange.defaultArchiveUrl).replace(/\/+$/, '');
  const ctx: RestContext = {
    http,
    exchange,
    restUrl,
    policy: options.policy,
    now,
    warn: options.warn,
    missing: (symbol, r, url, reason) =>
      fail(symbol, `${formatTime(r.from)}..${formatTime(r.to)} from REST`, url, reason, currentCache),
  };
  let currentCache: Cache | undefined;
  const archive: ArchiveContext = { options, exchange, kind, interval, baseUrl, http, report };

  async function* run(): AsyncGenerator<WireRecord[]> {
    let cache: Cache | undefined;
    let temp: string | undefined;
    try {
      if (kind === 'instruments') {
        yield await binanceExchangeInfoFor(ctx, options.symbols);
        return;
      }
      if (kind === 'option_marks') {
        yield await binanceOptionMarks(ctx, options.symbols);
        return;
      }
      if (kind === 'book') {
        const out: WireRecord[] = [];
        for (const s of options.symbols) out.push(await binanceDepth(ctx, s, options.depthLimit ?? 1000));
        yield out;
        return;
      }
      if (options.cacheDir !== undefined)
        cache = await Cache.open(options.cacheDir, {
          lockWaitMs: options.lockWaitMs,
          signal: options.signal,
          log: options.log,
          warn: options.warn,
          ...(options.lockHeartbeatMs === undefined ? {} : { heartbeatMs: options.lockHeartbeatMs }),
        });
      else temp = mkdtempSync(join(tmpdir(), 'tickpipe-fetch-'));
      currentCache = cache;
      const slots = new Slots(Math.max(1, options.concurrency ?? 4));
      const streams = options.symbols.map((symbol) =>
        symbolStream({ symbol, range: range!, cache, temp, slots }),
      );
      yield* untimed(mergeByTime(streams));
    } finally {
      cache?.close();
      if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
      http.close();
    }
  }

  async function binanceExchangeInfoFor(c: RestContext, symbols: readonly string[]): Promise<WireRecord[]> {
    if (exchange.venue !== 'binance')
      throw new UsageError(`--kind instruments is not available for ${exchange.id} yet`);
    return binanceExchangeInfo(c, symbols);
  }

  function fail(
    symbol: string,
    what: string,
    url: string,
    reason: string,
    cache: Cache | undefined,
    file?: string,
  ): void {
    report.failures.push({ symbol, what, url, reason });
    options.log?.(`failed: ${symbol} ${what}: ${reason} (${url})`);
    if (cache !== undefined && file !== undefined)
      cache.record({ file, url, status: 'failed', reason, fetched_at: new Date().toISOString() });
  }

  function restStream(symbol: string, r: TimeRange): TimedStream | string {
    if (exchange.venue === 'bybit') {
      if (kind === 'candles') return bybitKlines(ctx, symbol, interval!, parseInterval(interval!)!.us, r);
      return `Bybit's REST API has no ${kind} history; only its archive does, up to yesterday`;
    }
    switch (kind) {
      case 'candles':
        return binanceKlines(ctx, symbol, interval!, r);
      case 'agg_trades':
        return binanceAggTrades(ctx, symbol, r);
      case 'funding':
        return binanceFunding(ctx, symbol, r);
      default:
        return `Binance's REST API has no ${kind} history by time (use the archive${kind === 'trades' ? ', or --kind agg_trades' : ''})`;
    }
  }

  async function* symbolStream(args: {
    symbol: string;
    range: TimeRange;
    cache: Cache | undefined;
    temp: string | undefined;
    slots: Slots;
  }): AsyncGenerator<TimedBatch> {
    const { symbol, cache, temp, slots } = args;
    const units = planUnits(args.range, { exchange, kind, source, now });
    const ahead = new Map<Unit, Promise<Prepared>>();
    const lookahead = Math.max(1, options.concurrency ?? 4);
    const start = (i: number): void => {
      for (let j = i; j < units.length && j < i + lookahead; j++) {
        const u = units[j]!;
        if (u.type === 'archive' && !ahead.has(u)) {
          const p = prepare(archive, symbol, u, cache, temp, slots);
          p.catch(() => {});
          ahead.set(u, p);
        }
      }
    };
    try {
      for (let i = 0; i < units.length; i++) {
        start(i);
        const unit = units[i]!;
        if (unit.type === 'rest') {
          const what = `${formatTime(unit.range.from)}..${formatTime(unit.range.to)} from REST`;
          if (source === 'archive') {
            fail(
              symbol,
              what,
              baseUrl,
              'not in the archive yet (it publishes whole past days); use --source auto or rest',
              cache,
            );
            continue;
          }
          const s = restStream(symbol, unit.range);
          if (typeof s === 'string') {
            fail(symbol, what, restUrl, s, cache);
            continue;
          }
          try {
            yield* s;
          } catch (error) {
            if (!(error instanceof HttpError)) throw error;
            fail(symbol, what, error.url, error.message.replace(`${error.url}: `, ''), cache);
          }
          continue;
        }
        const prepared = await ahead.get(unit)!;
        ahead.delete(unit);
        const what = `${unit.period} ${unit.date}`;
        if (prepared.status === 'missing') {
          if (unit.period === 'monthly' && kind !== 'funding') {
            // Not published (yet): take the month's days instead.
            options.log?.(`no monthly file ${prepared.url}; using daily files`);
            units.splice(i + 1, 0, ...dailyUnits(unit.range));
            continue;
          }
          if (source === 'auto' && typeof restStream(symbol, unit.range) !== 'string') {
            options.log?.(`no archive file ${prepared.url}; using REST for ${what}`);
            units.splice(i + 1, 0, { type: 'rest', range: unit.range });
            continue;
          }
          fail(
            symbol,
            what,
            prepared.url,
            prepared.reason ?? 'not in the archive (404)',
            cache,
            prepared.file,
          );
          continue;
        }
        if (prepared.status === 'failed') {
          fail(symbol, what, prepared.url, prepared.reason ?? 'failed', cache, prepared.file);
          continue;
        }
        report.files++;
        let rows = 0;
        let first: number | undefined;
        let last: number | undefined;
        try {
          for await (const batch of clip(
            parseArchive(archive, symbol, prepared.path!, prepared.url),
            unit.range,
          )) {
            rows += batch.keys.length;
            first ??= batch.keys[0];
            last = batch.keys.at(-1);
            yield batch;
          }
        } catch (error) {
          // A damaged file that passed the checks it had (no checksum published): never keep it.
          if (error instanceof CorruptInput && prepared.file !== undefined) {
            safeUnlink(prepared.path!);
            fail(symbol, what, prepared.url, error.message, cache, prepared.file);
            if (rows === 0) continue;
          }
          throw error;
        } finally {
          if (prepared.temporary === true) safeUnlink(prepared.path!);
        }
        if (cache !== undefined && prepared.file !== undefined) {
          const prev = cache.entry(prepared.file);
          if (
            prev !== undefined &&
            prev.status === 'ok' &&
            prev.rows === undefined &&
            unitIsWholeFile(unit)
          ) {
            cache.record({
              ...prev,
              rows,
              ...(first === undefined
                ? {}
                : { first_time: formatTime(first, 'us'), last_time: formatTime(last!, 'us') }),
            });
          }
        }
      }
    } finally {
      // Downloads still running ahead are left to finish into the cache (or the temp dir, removed).
      await Promise.allSettled([...ahead.values()]);
    }
  }

  return {
    records: intoStore(
      run(),
      options.store,
      exchange.id,
      () => report.failures.length === 0 && options.policy.skipped === 0,
    ),
    report,
  };
}
