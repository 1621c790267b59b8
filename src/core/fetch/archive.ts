/**
 * One archive file of a fetch: its name and URL, downloaded (or found in the cache) and verified
 * (the published checksum, the zip or gzip structure), and parsed.
 */

import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptInput, TickpipeError } from '../errors.js';
import { untilAbortedAtLine } from '../io/abortable.js';
import { fileLines } from '../io/input.js';
import { listZipEntries, readZipEntry } from '../io/zip.js';
import { binanceRows } from './binance/csv.js';
import { bybitTradeParser } from './bybit/csv.js';
import type { Cache } from './cache.js';
import type { FetchOptions, FetchReport } from './fetch.js';
import { expectGzip, expectZip, type HttpClient, HttpError } from './http.js';
import type { Unit } from './plan.js';
import { parseCsv } from './rows.js';
import { ascending, type TimedStream } from './timed.js';
import { BINANCE_DATA_TYPE, binanceArchiveInterval, type Exchange, type Kind } from './venues.js';

/** What the archive files of one fetch share. */
export interface ArchiveContext {
  readonly options: FetchOptions;
  readonly exchange: Exchange;
  readonly kind: Kind;
  /** The venue's name for the candle interval (candles only). */
  readonly interval: string | undefined;
  /** The archive's base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly http: HttpClient;
  readonly report: FetchReport;
}

/** A small counting semaphore: downloads across all symbols share `concurrency` slots. */
export class Slots {
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

/** One archive file, ready to parse (ok), or why not. */
export interface Prepared {
  readonly status: 'ok' | 'missing' | 'failed';
  readonly path?: string;
  readonly file?: string;
  readonly url: string;
  readonly reason?: string;
  readonly temporary?: boolean;
}

export function archiveFile(
  c: ArchiveContext,
  symbol: string,
  period: 'monthly' | 'daily',
  date: string,
): { file: string; url: string } {
  const { exchange, kind, interval, baseUrl } = c;
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

/** Downloads (or finds in the cache) one archive file, verified. */
export async function prepare(
  c: ArchiveContext,
  symbol: string,
  unit: Extract<Unit, { type: 'archive' }>,
  cache: Cache | undefined,
  temp: string | undefined,
  slots: Slots,
): Promise<Prepared> {
  const { options, exchange, http, report } = c;
  const { file, url } = archiveFile(c, symbol, unit.period, unit.date);
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
        published = await publishedChecksum(http, `${url}.CHECKSUM`);
      } catch (error) {
        if (!(error instanceof TickpipeError)) throw error;
        options.log?.(`could not revalidate ${url}: ${error.message}; using the cached file`);
      }
      if (published !== undefined && published !== known) {
        options.log?.(`republished: ${url} (checksum was ${known}, is now ${published}); downloading again`);
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
          published = await publishedChecksum(http, `${url}.CHECKSUM`);
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

async function publishedChecksum(http: HttpClient, url: string): Promise<string | undefined> {
  const res = await http.get(url);
  if (res.status === 404) return undefined;
  const text = res.body.toString('utf8').trim();
  const m = /^([0-9a-fA-F]{64})\b/.exec(text);
  if (m === null)
    throw new HttpError(url, res.status, `expected "<sha256>  <name>", found "${text.slice(0, 60)}"`);
  return m[1]!.toLowerCase();
}

export function parseArchive(c: ArchiveContext, symbol: string, path: string, url: string): TimedStream {
  const { options, exchange, kind, interval } = c;
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

export function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
