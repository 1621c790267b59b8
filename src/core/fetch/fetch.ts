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
 */

import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptInput, TickpipeError, UsageError } from '../errors.js';
import { untilAbortedAtLine } from '../io/abortable.js';
import { fileLines } from '../io/input.js';
import type { ErrorPolicy } from '../io/lines.js';
import type { RecordStream } from '../io/stream.js';
import { listZipEntries, readZipEntry } from '../io/zip.js';
import { parseInterval } from '../records/interval.js';
import type { WireRecord } from '../records/record.js';
import { daysFromCivil, formatTime, US_PER_DAY } from '../records/time.js';
import { binanceRows } from './binance/csv.js';
import { binanceOptionMarks } from './binance/options-rest.js';
import { bybitTradeParser } from './bybit/csv.js';
import { Cache } from './cache.js';
import { expectGzip, expectZip, HttpClient, HttpError, type HttpOptions } from './http.js';
import {
  binanceAggTrades,
  binanceDepth,
  binanceExchangeInfo,
  binanceFunding,
  binanceKlines,
  bybitKlines,
  type RestContext,
} from './rest.js';
import { parseCsv } from './rows.js';
import { intoStore, type StoreTarget } from './store.js';
import {
  ascending,
  clip,
  mergeByTime,
  type TimedBatch,
  type TimedStream,
  type TimeRange,
  untimed,
} from './timed.js';
import {
  BINANCE_DAILY_ONLY,
  BINANCE_DATA_TYPE,
  binanceArchiveInterval,
  exchangeById,
  type Kind,
  SNAPSHOT_KINDS,
} from './venues.js';

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

type Unit =
  | {
      readonly type: 'archive';
      readonly period: 'monthly' | 'daily';
      readonly date: string;
      readonly range: TimeRange;
    }
  | { readonly type: 'rest'; readonly range: TimeRange };

function dayText(day: number): string {
  return formatTime(day * US_PER_DAY).slice(0, 10);
}

/** The part of `r` on day `d` (days since the epoch). */
function dayPart(d: number, r: TimeRange): TimeRange {
  return { from: Math.max(r.from, d * US_PER_DAY), to: Math.min(r.to, (d + 1) * US_PER_DAY) };
}

function monthStartDay(day: number): number {
  const t = dayText(day);
  return daysFromCivil(Number(t.slice(0, 4)), Number(t.slice(5, 7)), 1);
}

function nextMonthDay(day: number): number {
  const t = dayText(day);
  const y = Number(t.slice(0, 4));
  const m = Number(t.slice(5, 7));
  return m === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1);
}

/** A small counting semaphore: downloads across all symbols share `concurrency` slots. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  give(): void {
    const w = this.waiting.shift();
    if (w !== undefined) w();
    else this.free++;
  }
}

interface Prepared {
  readonly status: 'ok' | 'missing' | 'failed';
  readonly path?: string;
  readonly file?: string;
  readonly url: string;
  readonly reason?: string;
  readonly temporary?: boolean;
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

  /** The units of one symbol's range, in time order. */
  function plan(r: TimeRange): Unit[] {
    const units: Unit[] = [];
    const today = Math.floor(now / US_PER_DAY);
    const currentMonth = monthStartDay(today);
    const firstDay = Math.floor(r.from / US_PER_DAY);
    const endDay = Math.ceil(r.to / US_PER_DAY);
    const dataType = BINANCE_DATA_TYPE[kind];
    const monthlyOnly = exchange.venue === 'binance' && dataType === 'fundingRate';
    const hasMonthly = exchange.venue === 'binance' && !BINANCE_DAILY_ONLY.has(dataType ?? '');
    // Binance's archive has every kind planned here (options: not candles); Bybit's has trades only.
    const hasArchive =
      exchange.venue === 'binance' ? (exchange.archiveKinds?.has(kind) ?? true) : kind === 'trades';
    const pushRest = (from: number, to: number): void => {
      const last = units.at(-1);
      if (last?.type === 'rest' && last.range.to === from)
        units[units.length - 1] = { type: 'rest', range: { from: last.range.from, to } };
      else units.push({ type: 'rest', range: { from, to } });
    };
    let day = firstDay;
    while (day < endDay) {
      const mStart = monthStartDay(day);
      const mEnd = nextMonthDay(day);
      if (source !== 'rest' && hasArchive) {
        const monthRange = {
          from: Math.max(r.from, mStart * US_PER_DAY),
          to: Math.min(r.to, mEnd * US_PER_DAY),
        };
        const wholeMonth =
          day === mStart && mEnd <= endDay && r.from <= mStart * US_PER_DAY && r.to >= mEnd * US_PER_DAY;
        if (hasMonthly && mEnd <= currentMonth && (wholeMonth || monthlyOnly)) {
          units.push({
            type: 'archive',
            period: 'monthly',
            date: dayText(mStart).slice(0, 7),
            range: monthRange,
          });
          day = mEnd;
          continue;
        }
        if (monthlyOnly) {
          // Funding is published monthly only: the current month comes from REST.
          pushRest(monthRange.from, monthRange.to);
          day = mEnd;
          continue;
        }
        if (day < today) {
          units.push({ type: 'archive', period: 'daily', date: dayText(day), range: dayPart(day, r) });
          day++;
          continue;
        }
      }
      const dr = dayPart(day, r);
      pushRest(dr.from, dr.to);
      day++;
    }
    return units.filter((u) => u.range.from < u.range.to);
  }

  function archiveFile(
    symbol: string,
    period: 'monthly' | 'daily',
    date: string,
  ): { file: string; url: string } {
    if (exchange.venue === 'bybit') {
      const name = exchange.archiveMarket === 'spot' ? `${symbol}_${date}.csv.gz` : `${symbol}${date}.csv.gz`;
      const path = `${exchange.archiveMarket}/${symbol}/${name}`;
      return { file: `bybit/${path}`, url: `${baseUrl}/${path}` };
    }
    const dataType = BINANCE_DATA_TYPE[kind]!;
    const what = dataType === 'klines' ? binanceArchiveInterval(interval!) : dataType;
    const folder = dataType === 'klines' ? `${symbol}/${what}` : symbol;
    const path = `data/${exchange.archiveMarket}/${period}/${dataType}/${folder}/${symbol}-${what}-${date}.zip`;
    return { file: `binance/${path}`, url: `${baseUrl}/${path}` };
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

  /** Downloads (or finds in the cache) one archive file, verified. */
  async function prepare(
    symbol: string,
    unit: Extract<Unit, { type: 'archive' }>,
    cache: Cache | undefined,
    temp: string | undefined,
    slots: Slots,
  ): Promise<Prepared> {
    const { file, url } = archiveFile(symbol, unit.period, unit.date);
    let replaces: string | undefined;
    if (cache?.has(file) === true) {
      const check = await cache.verify(file);
      if (!check.ok)
        options.warn?.(
          `cached ${file} no longer matches its manifest (its SHA-256 is ${check.found}, the manifest says ${cache.entry(file)?.sha256}): downloading it again`,
        );
    }
    if (cache?.has(file) === true) {
      const known = cache.entry(file)?.sha256;
      if (options.revalidate === true && exchange.venue === 'binance') {
        // Binance republishes files now and then: a changed .CHECKSUM means a replaced file.
        let published: string | undefined;
        try {
          published = await publishedChecksum(`${url}.CHECKSUM`);
        } catch (error) {
          if (!(error instanceof TickpipeError)) throw error;
          options.log?.(`could not revalidate ${url}: ${error.message}; using the cached file`);
        }
        if (published !== undefined && published !== known) {
          options.log?.(
            `republished: ${url} (checksum was ${known}, is now ${published}); downloading again`,
          );
          replaces = known;
        }
      }
      if (replaces === undefined) {
        report.fromCache++;
        options.log?.(`cached: ${file}`);
        return { status: 'ok', path: cache.path(file), file, url };
      }
    }
    await slots.take();
    try {
      const part =
        cache !== undefined ? cache.partPath(file) : join(temp!, `${file.replaceAll('/', '_')}.part`);
      const expect = exchange.venue === 'binance' ? expectZip : expectGzip;
      const attempts = options.checksumAttempts ?? 2;
      for (let attempt = 1; ; attempt++) {
        let result: Awaited<ReturnType<HttpClient['download']>>;
        try {
          result = await http.download(url, part, expect);
        } catch (error) {
          if (!(error instanceof TickpipeError)) throw error;
          safeUnlink(part);
          return { status: 'failed', url, file, reason: error.message.replace(`${url}: `, '') };
        }
        if (result.status === 'not_found') {
          safeUnlink(part);
          return { status: 'missing', url, file, reason: 'not in the archive (404)' };
        }
        let checksum: 'matched' | 'unpublished' = 'unpublished';
        if (exchange.venue === 'binance') {
          let published: string | undefined;
          try {
            published = await publishedChecksum(`${url}.CHECKSUM`);
          } catch (error) {
            if (!(error instanceof TickpipeError)) throw error;
            safeUnlink(part);
            return {
              status: 'failed',
              url,
              file,
              reason: `its checksum could not be read: ${error.message}`,
            };
          }
          if (published !== undefined) {
            if (published !== result.sha256) {
              safeUnlink(part);
              const reason = `checksum mismatch: the file's SHA-256 is ${result.sha256}, ${url}.CHECKSUM says ${published}`;
              if (attempt < attempts) {
                options.log?.(`${reason}; downloading again`);
                continue;
              }
              return { status: 'failed', url, file, reason };
            }
            checksum = 'matched';
          } else {
            options.warn?.(
              `${url}.CHECKSUM is not published (404): ${file.split('/').pop()} is checked by its zip structure and CRC-32 only`,
            );
          }
        }
        report.downloaded++;
        options.log?.(`downloaded: ${url} (${result.bytes} bytes, checksum ${checksum})`);
        if (cache !== undefined) {
          cache.commit(file);
          cache.record({
            file,
            url,
            status: 'ok',
            sha256: result.sha256,
            checksum,
            ...(replaces === undefined ? {} : { replaced: replaces }),
            bytes: result.bytes,
            fetched_at: new Date().toISOString(),
          });
          return { status: 'ok', path: cache.path(file), file, url };
        }
        return { status: 'ok', path: part, file, url, temporary: true };
      }
    } finally {
      slots.give();
    }
  }

  async function publishedChecksum(url: string): Promise<string | undefined> {
    const res = await http.get(url);
    if (res.status === 404) return undefined;
    const text = res.body.toString('utf8').trim();
    const m = /^([0-9a-fA-F]{64})\b/.exec(text);
    if (m === null)
      throw new HttpError(url, res.status, `expected "<sha256>  <name>", found "${text.slice(0, 60)}"`);
    return m[1]!.toLowerCase();
  }

  function parseArchive(symbol: string, path: string, url: string): TimedStream {
    if (exchange.venue === 'bybit') {
      const chunks = fileLines(path, options.signal, url.split('/').pop());
      return ascending(
        parseCsv(
          chunks,
          url.split('/').pop()!,
          bybitTradeParser({ exchange: exchange.id, symbol }),
          options.policy,
        ),
      );
    }
    const labels = { exchange: exchange.id, symbol, interval, inverse: exchange.inverse };
    return (async function* () {
      const entries = listZipEntries(path).filter((e) => !e.name.endsWith('/'));
      if (entries.length === 0) throw new CorruptInput(url.split('/').pop(), 'the zip file has no entries');
      for (const entry of entries) {
        const name = `${url.split('/').pop()}/${entry.name}`;
        const chunks = untilAbortedAtLine(
          readZipEntry(path, entry, { maxBytes: options.maxEntryBytes, signal: options.signal }),
          options.signal,
        );
        yield* binanceRows(chunks, name, BINANCE_DATA_TYPE[kind]!, labels, options.policy);
      }
    })();
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
    const units = plan(args.range);
    const ahead = new Map<Unit, Promise<Prepared>>();
    const lookahead = Math.max(1, options.concurrency ?? 4);
    const start = (i: number): void => {
      for (let j = i; j < units.length && j < i + lookahead; j++) {
        const u = units[j]!;
        if (u.type === 'archive' && !ahead.has(u)) {
          const p = prepare(symbol, u, cache, temp, slots);
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
            const first = Math.floor(unit.range.from / US_PER_DAY);
            const last = Math.ceil(unit.range.to / US_PER_DAY);
            const days: Unit[] = [];
            for (let d = first; d < last; d++)
              days.push({
                type: 'archive',
                period: 'daily',
                date: dayText(d),
                range: dayPart(d, unit.range),
              });
            units.splice(i + 1, 0, ...days);
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
          for await (const batch of clip(parseArchive(symbol, prepared.path!, prepared.url), unit.range)) {
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

/** Rows and times in the manifest describe the whole file only when the range did not cut it. */
function unitIsWholeFile(unit: Extract<Unit, { type: 'archive' }>): boolean {
  const first = Math.floor(unit.range.from / US_PER_DAY);
  if (unit.range.from !== first * US_PER_DAY) return false;
  const end = unit.period === 'daily' ? first + 1 : nextMonthDay(first);
  return unit.range.to === end * US_PER_DAY;
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
