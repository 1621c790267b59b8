/**
 * `store read`: the records of a kind, in time order across partitions and symbols. Each series
 * (exchange, symbol, interval) is read partition by partition (they are months, so already in
 * order, and each file is in time order); several series are merged by time key, k ways, ties in
 * the order of the series' names.
 */

import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../errors.js';
import type { ByteStream, RecordStream } from '../io/stream.js';
import type { WireRecord } from '../records/record.js';
import { parseCanonicalTime } from '../records/time.js';
import { openDatabase, selectRows } from './duck.js';
import { type Partition, readManifest } from './manifest.js';
import { fromRow, kindOf, type Schema, schemaOf, textOfRow, typeOfKind } from './schema.js';

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
  const names = [...groups.keys()].sort();
  const series = names.map((n) =>
    groups.get(n)!.sort((a, b) => a.year * 12 + a.month - (b.year * 12 + b.month)),
  );
  return { schema, series };
}

function describeStore(partitions: readonly Partition[], kind: string): string {
  const symbols = [...new Set(partitions.filter((p) => p.kind === kind).map((p) => p.symbol))];
  if (symbols.length > 0) return `${kind} of ${symbols.slice(0, 10).join(', ')}`;
  const kinds = [...new Set(partitions.map((p) => p.kind))];
  return kinds.length > 0 ? `only ${kinds.join(', ')}` : 'nothing';
}

/** Reads the store: one stream of record batches in time order. */
export function storeRead(options: StoreReadOptions): RecordStream {
  return readStore(options, (schema, values, extra) => fromRow(schema, values, extra) as WireRecord);
}

/**
 * `storeRead` as NDJSON bytes (the command's byte path: no record objects, no JSON.stringify);
 * the same text as writing `storeRead`'s records (tests/store.test.ts compares them).
 */
export async function* storeReadBytes(options: StoreReadOptions): ByteStream {
  for await (const lines of readStore(options, textOfRow)) {
    yield { bytes: Buffer.from(`${lines.join('\n')}\n`), records: lines.length };
  }
}

type Build<T> = (schema: Schema, values: readonly unknown[], extra: Record<string, unknown> | undefined) => T;

async function* readStore<T>(options: StoreReadOptions, build: Build<T>): AsyncGenerator<T[]> {
  const { schema, series } = selectPartitions(options);
  if (series.length === 0) return;
  const { instance, connection } = await openDatabase(1);
  try {
    if (series.length === 1) {
      for await (const rows of readSeries(connection, schema, series[0]!, options, build)) {
        if (options.signal?.aborted === true) return;
        yield rows.records;
      }
      return;
    }
    const connections: DuckDBConnection[] = [];
    for (let i = 0; i < series.length; i++) connections.push(await instance.connect());
    try {
      yield* merge(
        series.map((s, i) => readSeries(connections[i]!, schema, s, options, build)),
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

/** One series' records, partition after partition. */
async function* readSeries<T>(
  connection: DuckDBConnection,
  schema: Schema,
  partitions: readonly Partition[],
  options: StoreReadOptions,
  build: Build<T>,
): AsyncGenerator<Keyed<T>> {
  const width = schema.columns.length;
  const keyAt = schema.columns.findIndex((col) => col.name === schema.key);
  for (const p of partitions) {
    const result = await connection.stream(
      selectRows(schema, join(options.dir, p.path), options.fromUs, options.toUs),
    );
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const columns = chunk.getColumns();
      const n = chunk.rowCount;
      const out: T[] = new Array(n);
      const keys = new Float64Array(n);
      const keyColumn = columns[keyAt]!;
      const values: unknown[] = new Array(width);
      const extras = columns[width]!;
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < width; c++) values[c] = columns[c]![r];
        keys[r] = keyColumn[r] as number;
        const extra = extras[r];
        out[r] = build(schema, values, extra === null ? undefined : JSON.parse(extra as string));
      }
      yield { records: out, keys };
    }
  }
}

/** A batch of records with their time keys (epoch µs). */
interface Keyed<T> {
  readonly records: T[];
  readonly keys: Float64Array;
}

interface Head<T> {
  batch: Keyed<T>;
  at: number;
  readonly source: AsyncGenerator<Keyed<T>>;
}

/** The k-way merge by time key; ties go to the series that comes first by name. */
async function* merge<T>(
  sources: AsyncGenerator<Keyed<T>>[],
  signal: AbortSignal | undefined,
): AsyncGenerator<T[]> {
  const heads: Head<T>[] = [];
  for (const source of sources) {
    const first = await source.next();
    if (first.done !== true) heads.push({ batch: first.value, at: 0, source });
  }
  let out: T[] = [];
  while (heads.length > 0) {
    let best = 0;
    let bestKey = heads[0]!.batch.keys[heads[0]!.at]!;
    for (let i = 1; i < heads.length; i++) {
      const h = heads[i]!;
      const k = h.batch.keys[h.at]!;
      if (k < bestKey) {
        best = i;
        bestKey = k;
      }
    }
    const head = heads[best]!;
    out.push(head.batch.records[head.at++]!);
    if (head.at === head.batch.records.length) {
      const next = await head.source.next();
      if (next.done === true) heads.splice(best, 1);
      else {
        head.batch = next.value;
        head.at = 0;
      }
    }
    if (out.length >= 1024) {
      if (signal?.aborted === true) return;
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}
