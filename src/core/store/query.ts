/**
 * `query`: SQL over the store. Each kind in the manifest is a view named by the kind (`candles`,
 * `trades`, `quotes`, `funding`, `books`, ...) over all its partitions' Parquet files; any SQL
 * DuckDB reads runs, and each result row is one record (docs/store.md, "Query").
 *
 * Values: TIMESTAMP as the wire format's time string, integers as numbers (beyond 2^53 as decimal
 * strings), DECIMAL as numbers, lists as arrays, structs as objects, other types as DuckDB writes
 * them. Each view has a `type` column first (`candle` in `candles`), so `SELECT *` gives records.
 */

import { join } from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import { CorruptInput, DataError, UsageError } from '../errors.js';
import type { RecordStream } from '../io/stream.js';
import type { WireRecord } from '../records/record.js';
import { formatTime } from '../records/time.js';
import { duckdb, ident, literal, openDatabase } from './duck.js';
import { REMEDY, readManifest } from './manifest.js';
import { precisionOf, typeOfKind } from './schema.js';

export interface QueryOptions {
  readonly dir: string;
  readonly sql: string;
  readonly signal?: AbortSignal;
}

/** The view definitions of a store: one per kind. */
export function viewsOf(dir: string): Map<string, string> {
  const manifest = readManifest(dir);
  const files = new Map<string, string[]>();
  for (const p of manifest.partitions) {
    const list = files.get(p.kind) ?? [];
    files.set(p.kind, list);
    list.push(literal(join(dir, p.path)));
  }
  const views = new Map<string, string>();
  for (const [kind, list] of files)
    views.set(
      kind,
      `CREATE VIEW ${ident(kind)} AS SELECT ${literal(typeOfKind(kind))} AS type, * FROM read_parquet([${list.join(', ')}], union_by_name = true, hive_partitioning = false)`,
    );
  return views;
}

/** Errors DuckDB raises before reading any data: the SQL is wrong (exit 2). */
const USAGE_ERRORS = /^(Parser|Binder|Catalog|Syntax|Not implemented|Permission) Error/;

export async function* query(options: QueryOptions): RecordStream {
  const views = viewsOf(options.dir);
  const { instance, connection } = await openDatabase();
  try {
    try {
      for (const sql of views.values()) await connection.run(sql);
    } catch (error) {
      // Making the views reads every partition's metadata: a damaged one fails here.
      const fault = sqlError(error, options.sql, views, options.dir, true);
      throw fault instanceof CorruptInput ? fault : error;
    }
    let result: Awaited<ReturnType<typeof connection.stream>>;
    try {
      result = await connection.stream(options.sql);
    } catch (error) {
      throw sqlError(error, options.sql, views, options.dir, false);
    }
    const names = result.deduplicatedColumnNames();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof result.fetchChunk>>;
      try {
        chunk = await result.fetchChunk();
      } catch (error) {
        throw sqlError(error, options.sql, views, options.dir, false);
      }
      if (chunk === null || chunk.rowCount === 0) break;
      const rows = chunk.getRows();
      const out: WireRecord[] = new Array(rows.length);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        const record: Record<string, unknown> = {};
        for (let c = 0; c < names.length; c++) record[names[c]!] = toJson(row[c]!);
        out[r] = record as unknown as WireRecord;
      }
      if (options.signal?.aborted === true) return;
      yield out;
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** DuckDB's messages of a Parquet file it could not read (damaged, truncated, missing). */
const FILE_FAULTS =
  /Failed to read file|too small to be a Parquet file|No magic bytes found|No files found that match|TProtocolException|[Dd]ecompression/;

/**
 * `ours`: the error is of the views' SQL (tickpipe's), so a file fault is the store's; of the
 * user's query, only one naming a file of the store is (`read_parquet('/tmp/x.parquet')` of a file
 * that is not there is the query's own error).
 */
function sqlError(
  error: unknown,
  sql: string,
  views: Map<string, string>,
  dir: string,
  ours: boolean,
): Error {
  const message = (error as Error).message.trim().replace(/^Failed to extract statements: /, '');
  if (FILE_FAULTS.test(message) && (ours || namesStoreFile(message, views)))
    return new CorruptInput(
      dir,
      `a partition of the store cannot be read (DuckDB: ${message}); ${REMEDY} (store read names it)`,
    );
  const where = 'SQL';
  const known =
    views.size > 0 ? `the store's views: ${[...views.keys()].join(', ')}` : 'the store is empty: no views';
  if (USAGE_ERRORS.test(message))
    return new UsageError(`${where}: ${message} (${known}; the query: ${JSON.stringify(sql)})`);
  return new DataError(where, message);
}

/** Whether `message` quotes one of the files the views read. */
function namesStoreFile(message: string, views: Map<string, string>): boolean {
  for (const view of views.values())
    for (const m of view.matchAll(/'((?:[^']|'')*)'/g)) {
      const file = m[1]!.replaceAll("''", "'");
      if (file.endsWith('.parquet') && message.includes(file)) return true;
    }
  return false;
}

/** A DuckDB value as a JSON value. */
export function toJson(value: DuckDBValue): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof duckdb.DuckDBTimestampValue || value instanceof duckdb.DuckDBTimestampTZValue) {
    const us = Number(value.micros);
    return formatTime(us, precisionOf(us));
  }
  if (value instanceof duckdb.DuckDBDateValue) return value.toString();
  if (value instanceof duckdb.DuckDBDecimalValue) return value.toDouble();
  if (value instanceof duckdb.DuckDBListValue) return value.items.map(toJson);
  if (value instanceof duckdb.DuckDBStructValue) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value.entries)) o[k] = toJson(v);
    return o;
  }
  return String(value);
}
