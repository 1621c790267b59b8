/**
 * `store read`: the records of a kind, in time order across partitions and symbols. Each series
 * (exchange, symbol, interval) is read partition by partition (they are months, so already in
 * order, and each file is in time order); several series are merged by time key, k ways, ties in
 * the order of the series' names.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBMaterializedResult } from '@duckdb/node-api';
import { CorruptInput, UsageError } from '../errors.js';
import type { ByteBatch, ByteStream, RecordStream } from '../io/stream.js';
import type { WireRecord } from '../records/record.js';
import { parseCanonicalTime } from '../records/time.js';
import { markValidated, type ValidatedTimes } from '../records/validate.js';
import { type Columns, Layout, RecordBuilder } from './columns.js';
import { CHUNK_ROWS, type FilePlan, filePlans, openDatabase, selectRows, unreadable } from './duck.js';
import { LineWriter } from './lines.js';
import { type Partition, readManifest } from './manifest.js';
import { type Keyed, merge } from './merge.js';
import { kindOf, type Schema, schemaOf, typeOfKind } from './schema.js';
import { ColumnValidator } from './valid.js';

export interface StoreReadOptions {
  readonly dir: string;
  /** `candles`, `trades`, ... (or the record type, `candle`). */
  readonly kind: string;
  /** Symbols to read; empty or absent: all. */
  readonly symbols?: readonly string[];
  readonly exchange?: string;
  readonly interval?: string;
  /** Half-open range of the time key, epoch µs. */
  readonly fromUs?: number;
  readonly toUs?: number;
  readonly signal?: AbortSignal;
  /**
   * Given: refuse a selection with candles of several intervals for one symbol, naming this flag
   * (backtest and sweep: a strategy fed 1m and 1h candles of one market mixed would be wrong).
   */
  readonly oneInterval?: string;
  /**
   * Records: mark each batch whose records all pass validation by column (valid.ts) as validated,
   * with their times (records/validate.ts `markValidated`), for a consumer that would validate
   * them again (backtest).
   */
  readonly markValid?: boolean;
}

/** The partitions a read selects, grouped by series, each in time order. */
export function selectPartitions(options: StoreReadOptions): { schema: Schema; series: Partition[][] } {
  const schema = schemaOf(typeOfKind(options.kind));
  const kind = kindOf(schema.type);
  const manifest = readManifest(options.dir);
  const symbols =
    options.symbols !== undefined && options.symbols.length > 0 ? new Set(options.symbols) : undefined;
  const groups = new Map<string, Partition[]>();
  for (const p of manifest.partitions) {
    if (p.kind !== kind) continue;
    if (symbols !== undefined && !symbols.has(p.symbol)) continue;
    if (options.exchange !== undefined && p.exchange !== options.exchange) continue;
    if (options.interval !== undefined && p.interval !== options.interval) continue;
    if (options.toUs !== undefined && parseCanonicalTime(p.min_time) >= options.toUs) continue;
    if (options.fromUs !== undefined && parseCanonicalTime(p.max_time) < options.fromUs) continue;
    const name = `${p.exchange}/${p.symbol}/${p.interval}`;
    const group = groups.get(name) ?? [];
    groups.set(name, group);
    group.push(p);
  }
  if (symbols !== undefined)
    for (const s of symbols)
      if (!manifest.partitions.some((p) => p.kind === kind && p.symbol === s))
        throw new UsageError(
          `${options.dir}: no ${kind} of ${s} in the store (it has ${describeStore(manifest.partitions, kind)})`,
        );
  if (options.oneInterval !== undefined) checkOneInterval(groups.values(), kind, options.oneInterval);
  const names = [...groups.keys()].sort();
  const series = names.map((n) =>
    groups.get(n)!.sort((a, b) => a.year * 12 + a.month - (b.year * 12 + b.month)),
  );
  return { schema, series };
}

function checkOneInterval(series: Iterable<Partition[]>, kind: string, flag: string): void {
  const intervals = new Map<string, Set<string>>();
  for (const [p] of series) {
    const name = `${p!.exchange} ${p!.symbol}`;
    const set = intervals.get(name) ?? new Set<string>();
    intervals.set(name, set);
    set.add(p!.interval);
  }
  for (const [name, set] of intervals)
    if (set.size > 1)
      throw new UsageError(
        `the store has ${kind} of ${name} at ${[...set].sort().join(', ')}: choose one with ${flag}`,
      );
}

function describeStore(partitions: readonly Partition[], kind: string): string {
  const symbols = [...new Set(partitions.filter((p) => p.kind === kind).map((p) => p.symbol))];
  if (symbols.length > 0) return `${kind} of ${symbols.slice(0, 10).join(', ')}`;
  const kinds = [...new Set(partitions.map((p) => p.kind))];
  return kinds.length > 0 ? `only ${kinds.join(', ')}` : 'nothing';
}

/**
 * Records built at a time, a part of a chunk: the engine uses each part before the next is built,
 * so fewer records are alive at once (a chunk's 2048 records outlived young-generation collections,
 * which copied them).
 */
const PART_ROWS = 256;

/** Reads the store: one stream of record batches in time order. */
export function storeRead(options: StoreReadOptions): RecordStream {
  return readStore(options, (schema) => {
    const builder = new RecordBuilder(schema);
    const validator = options.markValid === true ? new ColumnValidator(schema) : undefined;
    let times: ValidatedTimes | undefined;
    return {
      rows: PART_ROWS,
      items: (cols, from, to) => {
        const out: WireRecord[] = new Array(to - from);
        builder.records(cols, from, to, out);
        if (validator !== undefined) {
          if (from === 0) times = validator.times(cols);
          if (times !== undefined)
            markValidated(out, {
              time: times.time.subarray(from, to),
              local: times.local?.subarray(from, to),
            });
        }
        return out;
      },
    };
  });
}

/**
 * `storeRead` as NDJSON bytes (the command's byte path): lines written from the columns straight
 * into Buffers (lines.ts), a chunk's lines in one Buffer; the same text as writing `storeRead`'s
 * records (tests/store.test.ts compares them).
 */
export async function* storeReadBytes(options: StoreReadOptions): ByteStream {
  const stream = readStore<ByteBatch>(options, (schema, merged) => {
    const writer = new LineWriter(schema);
    return {
      rows: CHUNK_ROWS,
      items: (cols) => {
        const { bytes, ends } = writer.lines(cols);
        if (!merged) return [{ bytes, records: cols.rows }];
        // Merged with other series: each line on its own, for the merge to order.
        const lines: ByteBatch[] = new Array(cols.rows);
        for (let r = 0; r < cols.rows; r++)
          lines[r] = { bytes: bytes.subarray(r === 0 ? 0 : ends[r - 1], ends[r]), records: 1 };
        return lines;
      },
    };
  });
  for await (const batch of stream)
    yield batch.length === 1
      ? batch[0]!
      : { bytes: Buffer.concat(batch.map((b) => b.bytes)), records: batch.length };
}

/**
 * Rows read from DuckDB at a time: a slice of a file is materialised in one call (on DuckDB's
 * thread, the next while this one is used) and its chunks of 2048 rows taken synchronously.
 * Streaming chunk by chunk waits for a thread hand-off per 2048 rows, which on a loaded machine
 * cost more wall time than the read itself; a slice bounds the memory (about 20 MB of candle
 * columns) where a whole partition (a month of trades) would not.
 */
const SLICE_ROWS = 131_072;

/**
 * Makes, for one series, what turns a chunk's columns into items (records, lines), `rows` rows at
 * a time (`items` of rows [from, to), in order); `merged`: the items are merged with other series'
 * one by one (else a part's may be one item).
 */
type Build<T> = (schema: Schema, merged: boolean) => Parts<T>;

interface Parts<T> {
  readonly rows: number;
  items(cols: Columns, from: number, to: number): T[];
}

async function* readStore<T>(options: StoreReadOptions, build: Build<T>): AsyncGenerator<T[]> {
  const { schema, series } = selectPartitions(options);
  if (series.length === 0) return;
  const { instance, connection } = await openDatabase(1);
  try {
    if (series.length === 1) {
      for await (const rows of readSeries(connection, schema, series[0]!, options, build(schema, false))) {
        if (options.signal?.aborted === true) return;
        yield rows.records;
      }
      return;
    }
    const connections: DuckDBConnection[] = [];
    for (let i = 0; i < series.length; i++) connections.push(await instance.connect());
    try {
      yield* merge(
        series.map((s, i) => readSeries(connections[i]!, schema, s, options, build(schema, true))),
        options.signal,
      );
    } finally {
      for (const c of connections) c.closeSync();
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** One series' items, partition after partition, with their time keys. */
async function* readSeries<T>(
  connection: DuckDBConnection,
  schema: Schema,
  partitions: readonly Partition[],
  options: StoreReadOptions,
  build: Parts<T>,
): AsyncGenerator<Keyed<T>> {
  for await (const { layout, result } of ahead(slices(connection, schema, partitions, options))) {
    for (let i = 0; i < result.chunkCount; i++) {
      const chunk = result.getChunk(i);
      if (chunk.rowCount === 0) continue;
      const cols = layout.columns(chunk);
      for (let from = 0; from < cols.rows; from += build.rows) {
        const to = Math.min(cols.rows, from + build.rows);
        yield { records: build.items(cols, from, to), keys: cols.keys.subarray(from, to) };
      }
    }
  }
}

/** The series' files read a slice at a time, each slice materialised by DuckDB. */
async function* slices(
  connection: DuckDBConnection,
  schema: Schema,
  partitions: readonly Partition[],
  options: StoreReadOptions,
): AsyncGenerator<{ layout: Layout; result: DuckDBMaterializedResult }> {
  const files = partitions.map((p) => join(options.dir, p.path));
  for (const file of files)
    if (!existsSync(file))
      throw new CorruptInput(
        file,
        `is in the store's manifest but missing; write its month again with tickpipe store write`,
      );
  const plans = await planFiles(connection, files);
  for (let f = 0; f < files.length; f++) {
    const plan = plans[f]!;
    const file = files[f]!;
    const layout = new Layout(schema, plan);
    for (let start = 0; start < plan.rows; start += SLICE_ROWS) {
      const sql = selectRows(schema, file, layout.read, layout.readsExtra, {
        fromUs: options.fromUs,
        toUs: options.toUs,
        rows: [start, start + SLICE_ROWS],
      });
      let result: DuckDBMaterializedResult;
      try {
        result = await connection.run(sql);
      } catch (error) {
        throw unreadable(file, error);
      }
      yield { layout, result };
    }
  }
}

/** The files' plans (filePlans); when their metadata cannot be read, the first file that fails is named. */
async function planFiles(connection: DuckDBConnection, files: readonly string[]): Promise<FilePlan[]> {
  try {
    return await filePlans(connection, files);
  } catch (error) {
    for (const file of files)
      await filePlans(connection, [file]).catch((e: unknown) => {
        throw unreadable(file, e);
      });
    throw error;
  }
}

/**
 * `source`'s items, the next one asked for as soon as one is handed out: DuckDB reads the next
 * slice on its thread while the records of this one are built and used.
 */
async function* ahead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  // A failure of the item asked for ahead is thrown when that item is awaited; until then it has
  // a handler, or Node would end the process over an unhandled rejection while this one is used.
  const ask = (): Promise<IteratorResult<T>> => {
    const p = source.next();
    p.catch(() => undefined);
    return p;
  };
  let next = ask();
  try {
    for (;;) {
      const item = await next;
      if (item.done === true) return;
      next = ask();
      yield item.value;
    }
  } finally {
    await next.catch(() => undefined);
    await source.return(undefined);
  }
}
