/**
 * `fetch --file`: files already on disk, read through the same parsers the downloads use.
 *
 * What a file is, is decided from its bytes and then its name: a zip (its CSV entries), gzip
 * (decompressed first), a JSON array (barter's market-data file), NDJSON (records, such as a
 * tickpipe cache entry), or CSV: a Binance archive CSV (named as the archive names them, or with
 * --kind), a Bybit trade archive CSV (by its header), or a generic OHLCV CSV with a header row.
 */

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { CorruptInput, DataError, TickpipeError, UsageError } from '../errors.js';
import { untilAbortedAtLine } from '../io/abortable.js';
import { fileLines, openInput, type StdinLike } from '../io/input.js';
import type { ErrorPolicy } from '../io/lines.js';
import { parseRecords, splitLines } from '../io/lines.js';
import { listZipEntries, readZipEntry } from '../io/zip.js';
import { parseInterval } from '../records/interval.js';
import { parseTime, US_PER_DAY } from '../records/time.js';
import { type BarterConfig, barterRecords } from './barter.js';
import { binanceRows, parseBinanceFileName } from './binance/csv.js';
import { bybitTradeParser, isBybitTradeHeader } from './bybit/csv.js';
import { type GenericCsvOptions, genericCsv, intervalFromStep, intervalMismatch } from './generic.js';
import { parseCsv } from './rows.js';
import { ascending, type TimedBatch, type TimedStream } from './timed.js';
import { BINANCE_DATA_TYPE, EXCHANGES, type Kind } from './venues.js';

export interface LocalFileOptions {
  readonly exchange?: string | undefined;
  readonly symbol?: string | undefined;
  readonly interval?: string | undefined;
  readonly kind?: Kind | undefined;
  readonly policy: ErrorPolicy;
  readonly maxEntryBytes?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly generic?: GenericCsvOptions | undefined;
  readonly barterConfig?: BarterConfig | undefined;
  /** Standard input, for the path `-`. */
  readonly stdin?: StdinLike | undefined;
  /** Told the bytes of each file consumed as it goes (a zip's in proportion to its entries), for progress. */
  readonly onBytes?: ((n: number) => void) | undefined;
}

function sniff(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Guesses the Binance market from a path laid out like the archive (`.../data/futures/um/...`). */
function exchangeFromPath(path: string): string | undefined {
  const p = path.replaceAll('\\', '/');
  if (p.includes('/futures/um/')) return 'binance_futures_usd';
  if (p.includes('/futures/cm/')) return 'binance_futures_coin';
  if (p.includes('/spot/') && p.includes('/data/')) return 'binance_spot';
  return undefined;
}

/** `chunks`, telling `onBytes` each chunk's length times `scale` (file bytes per byte). */
async function* counted(
  chunks: AsyncIterable<Buffer>,
  onBytes: ((n: number) => void) | undefined,
  scale: number,
): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    onBytes?.(chunk.length * scale);
    yield chunk;
  }
}

/** Reads one local file as a timed stream of normalised records. */
export function readLocalFile(path: string, options: LocalFileOptions): TimedStream {
  if (path === '-') {
    if (options.stdin === undefined) throw new UsageError('--file -: no standard input here');
    // openInput refuses a terminal and gunzips; a zip needs its directory at the end, so not from a pipe.
    const input = openInput('-', options.stdin, options.signal);
    return textFile(input.chunks, 'stdin', 'stdin', undefined, options);
  }
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  if (st.isDirectory()) throw new UsageError(`${path}: is a directory, expected a file`);
  const head = sniff(path);
  const name = basename(path);
  // A zip starts with a local header, or (no entries at all) with its end record.
  const magic = head.length >= 4 ? head.readUInt32LE(0) : 0;
  if (magic === 0x04034b50 || magic === 0x06054b50) return zipFile(path, options);
  if (/\.zip$/i.test(name))
    throw new CorruptInput(
      name,
      `not a valid zip file: ${head.length === 0 ? 'it is empty (0 bytes)' : /^\s*</.test(head.toString('latin1', 0, 64)) ? 'it is an HTML page' : 'no zip signature at its start'}`,
    );
  const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const inner = gz ? name.replace(/\.gz$/i, '') : name;
  const chunks = fileLines(path, options.signal, name, options.onBytes);
  return textFile(chunks, path, inner, gz ? undefined : head, options);
}

async function* zipFile(path: string, options: LocalFileOptions): AsyncGenerator<TimedBatch> {
  const entries = listZipEntries(path).filter((e) => !e.name.endsWith('/'));
  if (entries.length === 0) throw new DataError(basename(path), 'the zip file has no entries');
  for (const entry of entries) {
    const chunks = counted(
      untilAbortedAtLine(
        readZipEntry(path, entry, { maxBytes: options.maxEntryBytes, signal: options.signal }),
        options.signal,
      ),
      options.onBytes,
      entry.size > 0 ? entry.compressedSize / entry.size : 0,
    );
    yield* csvEntry(chunks, `${basename(path)}/${entry.name}`, basename(entry.name), path, options);
  }
}

async function* textFile(
  chunks: AsyncIterable<Buffer>,
  path: string,
  inner: string,
  head: Buffer | undefined,
  options: LocalFileOptions,
): AsyncGenerator<TimedBatch> {
  // Peek at the first bytes of the (decompressed) text to tell JSON from CSV.
  const it = chunks[Symbol.asyncIterator]();
  const first = head === undefined ? await it.next() : undefined;
  const peek = head ?? (first?.done === false ? first.value : Buffer.alloc(0));
  const text = peek.toString('utf8', 0, Math.min(peek.length, 64)).trimStart();
  const all: AsyncIterable<Buffer> =
    head === undefined
      ? (async function* () {
          if (first?.done === false) yield first.value;
          for (;;) {
            const n = await it.next();
            if (n.done === true) return;
            yield n.value;
          }
        })()
      : chunks;
  if (text.startsWith('[')) {
    yield* barterRecords(all, path, options);
    return;
  }
  if (peek.length >= 4 && peek.readUInt32LE(0) === 0x04034b50)
    throw new UsageError(
      `${path}: a zip file cannot be read from a pipe (its directory is at its end): give its path`,
    );
  if (text.startsWith('{')) {
    yield* ndjson(all, path, options.policy, options.signal);
    return;
  }
  yield* csvEntry(all, path, inner, path, options);
}

async function* ndjson(
  chunks: AsyncIterable<Buffer>,
  source: string,
  policy: ErrorPolicy,
  signal: AbortSignal | undefined,
): AsyncGenerator<TimedBatch> {
  let last = Number.NEGATIVE_INFINITY;
  for await (const batch of parseRecords(splitLines(chunks, source, undefined, signal), source, policy)) {
    // A record without a readable time (an unknown type, a note) keeps its place: it takes the key
    // of the record before it. Records pass through unchanged (as the bytes they came in as).
    const keys: number[] = [];
    for (const r of batch) {
      const t = parseTime(r.type === 'candle' && r.open_time !== undefined ? r.open_time : r.time);
      if (t !== undefined) last = t.us;
      keys.push(last);
    }
    yield { records: batch, keys };
  }
}

/** `1mo` (the archive's name) is `1M`. */
function canonicalInterval(text: string): string {
  return text === '1mo' ? '1M' : text;
}

/**
 * A kline's span (open to close) says its interval: a 1m file read with --interval 1h would label
 * one-minute candles as hours. Checked on the first candle (months vary in length: 28 to 31 days).
 */
function checkKlineSpan(batch: TimedBatch, interval: string, source: string): void {
  const first = batch.records[0] as { time?: unknown; open_time?: unknown } | undefined;
  const iv = parseInterval(canonicalInterval(interval));
  const open = parseTime(first?.open_time);
  const close = parseTime(first?.time);
  if (iv === undefined || open === undefined || close === undefined) return;
  const span = close.us - open.us;
  const fits =
    iv.months > 0
      ? span >= 28 * US_PER_DAY * iv.months && span <= 31 * US_PER_DAY * iv.months
      : span === iv.us;
  if (!fits) throw intervalMismatch(source, intervalFromStep(span) ?? `${span / 1_000_000}-second`, interval);
}

/** One CSV text: which parser, decided from the file name, --kind and the header. */
async function* csvEntry(
  chunks: AsyncIterable<Buffer>,
  source: string,
  name: string,
  path: string,
  options: LocalFileOptions,
): AsyncGenerator<TimedBatch> {
  const binName = parseBinanceFileName(name);
  const kindType = options.kind === undefined ? undefined : BINANCE_DATA_TYPE[options.kind];
  // The options datasets are only Binance options': their file names say the market.
  const optionsFile = binName?.dataType === 'BVOLIndex' || binName?.dataType === 'EOHSummary';
  const exchangeId = options.exchange ?? (optionsFile ? 'binance_options' : exchangeFromPath(path));
  const exchange = exchangeId === undefined ? undefined : EXCHANGES[exchangeId];
  if (binName !== undefined || (exchange?.venue === 'binance' && kindType !== undefined)) {
    if (exchange === undefined || exchange.venue !== 'binance')
      throw new UsageError(
        `${source}: a Binance archive file does not say its market: give --exchange binance_spot, binance_futures_usd or binance_futures_coin`,
      );
    const dataType = kindType ?? binName!.dataType;
    const symbol = options.symbol ?? binName?.symbol;
    if (symbol === undefined)
      throw new UsageError(`${source}: give --symbol (the file name does not say it)`);
    const named = binName?.interval === undefined ? undefined : canonicalInterval(binName.interval);
    const interval = options.interval ?? named;
    if (dataType === 'klines' && interval === undefined)
      throw new UsageError(`${source}: give --interval (the file name does not say it)`);
    if (dataType === 'klines' && named !== undefined && canonicalInterval(interval!) !== named)
      throw intervalMismatch(source, named, interval!);
    const labels = { exchange: exchange.id, symbol, interval, inverse: exchange.inverse };
    let rows = 0;
    for await (const batch of binanceRows(chunks, source, dataType, labels, options.policy)) {
      if (rows === 0 && dataType === 'klines') checkKlineSpan(batch, interval!, source);
      rows += batch.keys.length;
      yield batch;
    }
    // An archive file always has rows: none at all is a damaged or wrong file, not "no data".
    if (rows === 0 && options.policy.skipped === 0)
      throw new DataError(
        source,
        `no ${dataType} rows in the file (it is empty or not a Binance archive file)`,
      );
    return;
  }
  // Read the header line to tell a Bybit trade archive from a generic OHLCV file.
  const it = chunks[Symbol.asyncIterator]();
  const buffered: Buffer[] = [];
  let headText = '';
  while (!headText.includes('\n')) {
    const n = await it.next();
    if (n.done === true) break;
    buffered.push(n.value);
    headText += n.value.toString('utf8');
    if (headText.length > 65536) break;
  }
  const replay = (async function* () {
    yield* buffered;
    for (;;) {
      const n = await it.next();
      if (n.done === true) return;
      yield n.value;
    }
  })();
  const header = headText
    .split('\n', 1)[0]!
    .replace(/\r$/, '')
    .replace(/^\uFEFF/, '');
  if (isBybitTradeHeader(header)) {
    const id = options.exchange ?? (header.startsWith('id,') ? 'bybit_spot' : 'bybit_perpetuals_usd');
    const symbol = options.symbol ?? /^([A-Z0-9]+?)_?\d{4}-\d{2}-\d{2}/.exec(name)?.[1];
    if (symbol === undefined && header.startsWith('id,'))
      throw new UsageError(`${source}: give --symbol (the file name does not say it)`);
    yield* ascending(parseCsv(replay, source, bybitTradeParser({ exchange: id, symbol }), options.policy));
    return;
  }
  if (header.length === 0) return;
  if (/^[\s\d.,-]+$/.test(header))
    throw new TickpipeError(
      `${source}: a CSV without a header row that is not named like a Binance archive file: give --exchange and --kind (for Binance files), or add a header`,
    );
  yield* genericCsv(replay, source, name, header, options);
}
