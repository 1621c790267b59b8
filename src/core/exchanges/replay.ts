/**
 * `connect --replay`: a recorded capture through the venue parsers and book synchronisers that
 * `connect` uses live, as normalised records.
 *
 * Layouts read (gzip or plain, detected by bytes):
 * - hftbacktest / `connect --record`: `<local receive ns> <raw JSON>` per line; websocket frames
 *   (Binance `{stream, data}`) and REST depth snapshots (bare JSON) in the order received.
 * - cryptofeed: `<local receive seconds>: <raw JSON>` per line (a first line naming the websocket
 *   URL is skipped), with the REST snapshots in a separate file (`--rest-file`, lines
 *   `<url> -> <seconds>: <JSON>`): each snapshot is fed in at its receive time, its symbol taken
 *   from the URL.
 * - Bybit's orderbook history archive (`...ob500.data`, or its zip): one v5 message per line.
 *
 * The venue is `--exchange`, or inferred from the messages (`pu` or a futures `bookTicker` mean
 * Binance futures, a `_` in the symbol COIN-M, a `topic` Bybit). `--pace realtime` replays at the
 * speed it was recorded; by default as fast as possible.
 */

import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { untilAborted } from '../io/abortable.js';
import { gunzipIfCompressed, READ_CHUNK } from '../io/input.js';
import { splitLines } from '../io/lines.js';
import type { RecordStream } from '../io/stream.js';
import { listZipEntries, readZipEntry } from '../io/zip.js';
import type { WireRecord } from '../records/record.js';
import { BinanceFeed, type FeedStats } from './binance/feed.js';
import { BybitFeed } from './bybit/feed.js';

export interface ReplayOptions {
  readonly exchange?: string | undefined;
  /** cryptofeed's REST snapshot file. */
  readonly restFile?: string | undefined;
  readonly pace?: 'fast' | 'realtime';
  readonly signal?: AbortSignal | undefined;
  /** Stop after this many records. */
  readonly maxRecords?: number | undefined;
  readonly onStats?: (stats: FeedStats & { frames: number; exchange: string }) => void;
  /** Each record the venue parser refused, located (`capture.gz:42: trade BTCUSDT refused: ...`). */
  readonly warn?: (message: string) => void;
}

interface Frame {
  /** Receive time, epoch microseconds (undefined when the layout has none). */
  readonly localUs: number | undefined;
  readonly json: string;
  /** The capture's name and the line, for messages. */
  readonly file: string;
  readonly line: number;
  /** A REST snapshot's symbol, from its URL. */
  readonly symbol?: string;
}

function head(path: string, flag: string): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    return b.subarray(0, n);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a capture file' : (error as Error).message}`,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * A capture's bytes (a zip's entries, or the file gunzipped when it is gzip). An interrupt ends the
 * bytes where they are (untilAborted), so the replay finishes and flushes like any other command.
 */
async function* bytesOf(
  path: string,
  signal: AbortSignal | undefined,
  flag = '--replay',
): AsyncGenerator<Buffer> {
  const h = head(path, flag);
  if (h.length === 4 && h.readUInt32LE(0) === 0x04034b50) {
    for (const entry of listZipEntries(path).filter((e) => !e.name.endsWith('/'))) {
      if (signal?.aborted === true) return;
      yield* untilAborted(readZipEntry(path, entry), signal);
    }
    return;
  }
  yield* gunzipIfCompressed(
    untilAborted(createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>, signal),
    basename(path),
  );
}

const CRYPTOFEED = /^(\d{9,11}(?:\.\d+)?): /;
const CRYPTOFEED_REST = /^(\S+) -> (\d{9,11}(?:\.\d+)?): /;

/**
 * Frames of a capture, in file order, a batch per chunk of lines (a step of an async generator per
 * frame cost more than the venue parser).
 */
async function* frames(path: string, signal: AbortSignal | undefined): AsyncGenerator<Frame[]> {
  const name = basename(path);
  for await (const { lines, firstLine } of splitLines(bytesOf(path, signal), name, undefined, signal)) {
    const batch: Frame[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length === 0) continue;
      const at = firstLine + i;
      // `<ns> <json>`: 10 to 20 digits and a space (scanned by hand: a regular expression per frame
      // showed in the profile).
      const sp = line.indexOf(' ');
      if (sp >= 10 && sp <= 20 && digitsOnly(line, sp)) {
        batch.push({ localUs: nsToUs(line, sp), json: line.slice(sp + 1), file: name, line: at });
        continue;
      }
      const c = CRYPTOFEED.exec(line);
      if (c !== null) {
        batch.push({
          localUs: Math.round(Number(c[1]) * 1e6),
          json: line.slice(c[0].length),
          file: name,
          line: at,
        });
        continue;
      }
      if (line.startsWith('{') || line.startsWith('[')) {
        batch.push({ localUs: undefined, json: line, file: name, line: at });
        continue;
      }
      if (/^wss?:\/\//.test(line)) continue; // cryptofeed's first line: the connection URL
      throw new DataError(
        `${name}:${at}`,
        `not a capture line: expected "<ns> <json>", "<seconds>: <json>" or JSON, found "${line.slice(0, 40)}"`,
      );
    }
    if (batch.length > 0) yield batch;
  }
}

/** True when `line` starts with `n` decimal digits. */
function digitsOnly(line: string, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The first `n` characters of `line`, decimal nanoseconds, as whole microseconds rounded down: the
 * digits without the last three. Number() of that text rounds exactly as Number(BigInt(ns) / 1000n)
 * would (both give the double nearest the same integer), without the BigInt.
 */
function nsToUs(line: string, n: number): number {
  return Number(line.slice(0, n - 3));
}

async function restFrames(path: string): Promise<Frame[]> {
  const out: Frame[] = [];
  const name = basename(path);
  for await (const { lines, firstLine } of splitLines(bytesOf(path, undefined, '--rest-file'), name)) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length === 0) continue;
      const m = CRYPTOFEED_REST.exec(line);
      if (m === null) continue; // cryptofeed's configuration line and the like
      const symbol = /[?&]symbol=([A-Za-z0-9_]+)/.exec(m[1]!)?.[1];
      out.push({
        localUs: Math.round(Number(m[2]) * 1e6),
        json: line.slice(m[0].length),
        file: name,
        line: firstLine + i,
        ...(symbol === undefined ? {} : { symbol }),
      });
    }
  }
  return out;
}

/** Which venue a message is from, or undefined when it does not say. */
function inferExchange(msg: unknown): string | undefined {
  const m = msg as Record<string, unknown> | null;
  if (m === null || typeof m !== 'object') return undefined;
  if (typeof m.topic === 'string') return 'bybit_perpetuals_usd';
  const d = ('data' in m ? m.data : m) as Record<string, unknown> | null;
  if (d === null || typeof d !== 'object') return undefined;
  const symbol = String(d.s ?? d.symbol ?? '');
  const coin = symbol.includes('_');
  if (d.e === 'depthUpdate')
    return d.pu !== undefined ? (coin ? 'binance_futures_coin' : 'binance_futures_usd') : 'binance_spot';
  if (d.e === 'bookTicker') return coin ? 'binance_futures_coin' : 'binance_futures_usd';
  if (d.e === 'forceOrder')
    return String((d.o as { s?: unknown } | null)?.s ?? '').includes('_')
      ? 'binance_futures_coin'
      : 'binance_futures_usd';
  if (d.e === undefined && 'u' in d && 'B' in d) return 'binance_spot';
  if ('lastUpdateId' in d)
    return 'E' in d ? (coin ? 'binance_futures_coin' : 'binance_futures_usd') : 'binance_spot';
  return undefined;
}

/** Waits `ms`; false, at once, when `signal` fires first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Replays a capture as a stream of normalised records. */
export function replayCapture(path: string, options: ReplayOptions = {}): RecordStream {
  return run(path, options);
}

async function* run(path: string, options: ReplayOptions): AsyncGenerator<WireRecord[]> {
  const rest = options.restFile === undefined ? [] : await restFrames(options.restFile);
  let restAt = 0;
  let exchange = options.exchange;
  let feed: BinanceFeed | BybitFeed | undefined;
  const pending: Frame[] = [];
  let frameCount = 0;
  let emitted = 0;
  const max = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const startWall = Date.now() * 1000;
  let startLocal: number | undefined;
  let out: WireRecord[] = [];

  const parse = (f: Frame): unknown => {
    try {
      return JSON.parse(f.json);
    } catch (error) {
      throw new DataError(`${f.file}:${f.line}`, `invalid JSON: ${(error as Error).message}`);
    }
  };
  /** The frame being fed, for locating what the parser refuses. */
  let at: Frame | undefined;
  const onProblem = (detail: string): void =>
    options.warn?.(at === undefined ? detail : `${at.file}:${at.line}: ${detail}`);
  const makeFeed = (id: string): BinanceFeed | BybitFeed => {
    if (id.startsWith('binance')) return new BinanceFeed(id, onProblem);
    if (id.startsWith('bybit')) return new BybitFeed(id, onProblem);
    throw new UsageError(
      `--exchange: cannot replay "${id}" (binance_spot, binance_futures_usd, binance_futures_coin, bybit_spot, bybit_perpetuals_usd)`,
    );
  };
  /** Feeds a frame: as text where the feed reads it so (Binance depth updates), else parsed. */
  const feedFrame = (f: Frame, parsed?: unknown): void => {
    frameCount++;
    at = f;
    if (feed instanceof BinanceFeed) {
      if (f.symbol !== undefined)
        feed.snapshot((parsed ?? parse(f)) as Record<string, unknown>, f.localUs ?? 0, f.symbol, out);
      else if (parsed !== undefined || !feed.frameText(f.json, f.localUs ?? 0, out))
        feed.frame(parsed ?? parse(f), f.localUs ?? 0, out);
    } else feed!.frame(parsed ?? parse(f), f.localUs, out);
  };
  if (exchange !== undefined) feed = makeFeed(exchange);

  /** Feeds one frame (inferring the venue first if need be); returns how long to wait before it, in ms. */
  const process = (f: Frame): number => {
    let msg: unknown;
    if (feed === undefined) {
      msg = parse(f);
      exchange = inferExchange(msg);
      if (exchange === undefined) {
        if (pending.length < 10_000) {
          pending.push(f);
          return 0;
        }
        // Ten thousand messages that do not say their venue: take Binance spot.
        exchange = 'binance_spot';
        feed = makeFeed(exchange);
      } else feed = makeFeed(exchange);
      for (const p of pending.splice(0)) feedFrame(p);
    }
    if (options.pace === 'realtime' && f.localUs !== undefined) {
      startLocal ??= f.localUs;
      const wait = (f.localUs - startLocal - (Date.now() * 1000 - startWall)) / 1000;
      if (wait > 1) {
        held = f;
        return wait;
      }
    }
    feedFrame(f, msg);
    return 0;
  };
  /** A frame whose time has not come yet (--pace realtime). */
  let held: Frame | undefined;

  for await (const batch of frames(path, options.signal)) {
    for (const f of batch) {
      // REST snapshots received before this frame go first.
      while (restAt < rest.length && f.localUs !== undefined && rest[restAt]!.localUs! <= f.localUs) {
        const r = rest[restAt++]!;
        const wait = process(r);
        if (wait > 0 && !(yield* pause(wait))) return report();
      }
      const wait = process(f);
      if (wait > 0 && !(yield* pause(wait))) return report();
    }
    if (out.length >= 512) {
      const room = max - emitted;
      if (out.length >= room) {
        yield out.slice(0, room);
        report();
        return;
      }
      emitted += out.length;
      const full = out;
      out = [];
      yield full;
    }
  }
  for (; restAt < rest.length; restAt++) {
    const wait = process(rest[restAt]!);
    if (wait > 0 && !(yield* pause(wait))) return report();
  }
  if (feed === undefined && pending.length > 0) {
    exchange = 'binance_spot';
    feed = makeFeed(exchange);
    for (const p of pending.splice(0)) feedFrame(p);
  }
  if (feed instanceof BinanceFeed) feed.finish(out);
  if (out.length > 0) yield out.slice(0, Math.max(0, max - emitted));
  report();

  /**
   * Writes what is ready (at most what --max-records leaves), waits `ms` or until the signal, then
   * feeds the held frame. Returns false when the replay is over: the record count reached, or the
   * signal fired (the held frame is then not fed: its time had not come).
   */
  async function* pause(ms: number): AsyncGenerator<WireRecord[], boolean> {
    if (out.length > 0) {
      const ready = out.length > max - emitted ? out.slice(0, max - emitted) : out;
      out = [];
      emitted += ready.length;
      if (ready.length > 0) yield ready;
    }
    if (emitted >= max) return false;
    if (!(await sleep(ms, options.signal))) return false;
    const h = held!;
    held = undefined;
    feedFrame(h);
    return true;
  }

  function report(): void {
    if (feed !== undefined)
      options.onStats?.({ ...feed.stats, frames: frameCount, exchange: exchange ?? '' });
  }
}
