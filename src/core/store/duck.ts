/**
 * The DuckDB side of the store: an in-process database (no server, no file of its own) that
 * stages rows, writes Parquet with COPY and reads it back with read_parquet. Everything that knows
 * SQL text for the store is here.
 */

import { createRequire } from 'node:module';
import type { DuckDBConnection, DuckDBInstance, DuckDBType } from '@duckdb/node-api';
import { CorruptInput } from '../errors.js';
import { REMEDY } from './manifest.js';
import type { Column, ColumnKind, Schema } from './schema.js';

/**
 * DuckDB's Node API, loaded with `require`: it is a CommonJS package of 124 files, and an ESM
 * `import` of it runs Node's CommonJS export scanner over every one of them first (0.1 s of a
 * `backtest --store` run's start, measured in docs/performance.md, "store"). Loaded once, here,
 * and only by a command that opens a store (this module is imported on demand).
 */
const require = createRequire(import.meta.url);
export const duckdb: typeof import('@duckdb/node-api') = require('@duckdb/node-api');
const { BOOLEAN, DOUBLE, DuckDBDataChunk, INTEGER, VARCHAR } = duckdb;

/**
 * DuckDB's C API as the Node API calls it: columns.ts reads vectors' data with it. Resolved from
 * the Node API's own place, so it is the very module (and native library) the Node API loaded,
 * whatever version that is; it is not a dependency of ours.
 */
export const duckdbBindings: typeof import('@duckdb/node-bindings') = createRequire(
  require.resolve('@duckdb/node-api'),
)('@duckdb/node-bindings');

/** DuckDB's vector size: the most rows one appended chunk holds. */
export const CHUNK_ROWS = 2048;

/**
 * An in-memory database. `threads: 1` for streaming reads: a scan streamed chunk by chunk into
 * JavaScript gains nothing from more threads, and on a loaded machine they cost (1M candles read
 * in 0.2 s with one thread, 1.2 s with the default, load average 16 on 2 cores).
 */
export async function openDatabase(
  threads?: number,
): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await duckdb.DuckDBInstance.create(
    ':memory:',
    threads === undefined ? {} : { threads: String(threads) },
  );
  const connection = await instance.connect();
  return { instance, connection };
}

/**
 * DuckDB failing to read `file`, a partition of a store (damaged, truncated, not Parquet): damaged
 * input, named (exit 1). DuckDB's own message says what it found; some name no file.
 */
export function unreadable(file: string, error: unknown, then = ''): CorruptInput {
  const message = (error instanceof Error ? error.message : String(error)).trim();
  return new CorruptInput(file, `cannot be read as a store partition (DuckDB: ${message})${then}; ${REMEDY}`);
}

/** A SQL string literal. */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function stagedType(kind: ColumnKind): DuckDBType {
  return kind === 'varchar' ? VARCHAR : kind === 'boolean' ? BOOLEAN : DOUBLE;
}

function sqlType(kind: ColumnKind): string {
  return kind === 'varchar' ? 'VARCHAR' : kind === 'boolean' ? 'BOOLEAN' : 'DOUBLE';
}

/** The stored (Parquet) expression of a staged column. */
function storedExpr(col: Column): string {
  const name = ident(col.name);
  if (col.kind === 'time') return `make_timestamp(CAST(${name} AS BIGINT)) AS ${name}`;
  if (col.kind === 'bigint') return `CAST(${name} AS BIGINT) AS ${name}`;
  return name;
}

/**
 * The read expression of a stored column: VARCHAR as it is; every other kind as a DOUBLE (times in
 * epoch µs, booleans 1 or 0) with NaN for NULL, so a chunk's numbers come out as plain doubles with
 * no validity mask to test (no stored value is NaN: the wire format's numbers are JSON numbers).
 */
function readExpr(col: Column): string {
  const name = ident(col.name);
  if (col.kind === 'varchar') return name;
  const value = col.kind === 'time' ? `epoch_us(${name})` : name;
  return `coalesce(CAST(${value} AS DOUBLE), 'NaN'::DOUBLE)`;
}

/**
 * A staging table of one kind: partition number, input order, the columns, `extra`. Rows are
 * appended in chunks as they arrive, so the JavaScript side holds at most one chunk per kind.
 */
export class Staging {
  private readonly table: string;
  private readonly types: DuckDBType[];
  private rows: unknown[][] = [];
  private appender: Awaited<ReturnType<DuckDBConnection['createAppender']>> | undefined;
  private seq = 0;

  constructor(
    private readonly connection: DuckDBConnection,
    readonly schema: Schema,
    index: number,
  ) {
    this.table = `staging_${index}`;
    this.types = [INTEGER, DOUBLE, ...schema.columns.map((col) => stagedType(col.kind)), VARCHAR];
  }

  async open(): Promise<void> {
    const cols = this.schema.columns.map((col) => `${ident(col.name)} ${sqlType(col.kind)}`);
    await this.connection.run(
      `CREATE TABLE ${this.table} (p INTEGER, q DOUBLE, ${cols.join(', ')}, extra VARCHAR)`,
    );
    this.appender = await this.connection.createAppender(this.table);
  }

  add(partition: number, row: unknown[]): void {
    row.unshift(partition, this.seq++);
    this.rows.push(row);
    if (this.rows.length >= CHUNK_ROWS) this.flush();
  }

  flush(): void {
    if (this.rows.length === 0) return;
    const chunk = DuckDBDataChunk.create(this.types, this.rows.length);
    chunk.setRows(this.rows as never);
    this.appender!.appendDataChunk(chunk);
    this.rows = [];
  }

  close(): void {
    this.flush();
    this.appender?.closeSync();
    this.appender = undefined;
  }

  /**
   * Writes partition `partition` to `target` (a new file): the staged rows, plus the rows of
   * `existing` (the partition's current file, if any) on days the staged rows do not cover, in time
   * order (ties in input order, kept rows first).
   */
  async copyPartition(partition: number, existing: string | undefined, target: string): Promise<void> {
    const schema = this.schema;
    const names = [...schema.columns.map((col) => ident(col.name)), 'extra'].join(', ');
    const key = ident(schema.key);
    const fresh = `SELECT ${schema.columns.map(storedExpr).join(', ')}, extra, 1 AS _src, q AS _seq FROM ${this.table} WHERE p = ${partition}`;
    const day = `CAST(floor(epoch_us(${key}) / 86400000000) AS BIGINT)`;
    const kept =
      existing === undefined
        ? ''
        : ` UNION ALL BY NAME SELECT ${names}, 0 AS _src, CAST(file_row_number AS DOUBLE) AS _seq FROM read_parquet(${literal(existing)}, file_row_number = true) WHERE ${day} NOT IN (SELECT DISTINCT CAST(floor(${key} / 86400000000) AS BIGINT) FROM ${this.table} WHERE p = ${partition})`;
    await this.connection.run(
      `COPY (SELECT ${names} FROM (${fresh}${kept}) ORDER BY ${key}, _src, _seq) TO ${literal(target)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  }
}

/** Whether DuckDB reads every value of `file` (a full scan: each row hashed, so every column is decoded). */
export async function readable(connection: DuckDBConnection, file: string): Promise<boolean> {
  try {
    await connection.run(`SELECT bit_xor(hash(t)) FROM read_parquet(${literal(file)}) t`);
    return true;
  } catch {
    return false;
  }
}

/** Row count and the first and last time key (epoch µs) of a Parquet file. */
export async function describeFile(
  connection: DuckDBConnection,
  file: string,
  key: string,
): Promise<{ rows: number; min: number; max: number }> {
  const k = ident(key);
  const reader = await connection.runAndReadAll(
    `SELECT CAST(count(*) AS DOUBLE), CAST(epoch_us(min(${k})) AS DOUBLE), CAST(epoch_us(max(${k})) AS DOUBLE) FROM read_parquet(${literal(file)})`,
  );
  const [rows, min, max] = reader.getRows()[0] as [number, number | null, number | null];
  return { rows, min: min ?? 0, max: max ?? 0 };
}

/**
 * What a file's metadata says of its columns, so a read skips what it need not scan: `absent`,
 * the columns NULL in every row (a candle's `contracts`, usually `extra`); `constant`, the VARCHAR
 * columns with one value in every row (a series' `exchange`, `symbol`, `interval`), taken from the
 * row groups' statistics (min = max, no NULL). Nothing is scanned.
 */
export interface FilePlan {
  readonly rows: number;
  readonly absent: ReadonlySet<string>;
  readonly constant: ReadonlyMap<string, string>;
}

/** The plans of `files`, in their order: two metadata queries for all of them. */
export async function filePlans(connection: DuckDBConnection, files: readonly string[]): Promise<FilePlan[]> {
  if (files.length === 0) return [];
  const list = `[${files.map(literal).join(', ')}]`;
  const totals = await connection.runAndReadAll(
    `SELECT file_name, CAST(num_rows AS DOUBLE) FROM parquet_file_metadata(${list})`,
  );
  const rows = new Map<string, number>();
  for (const [name, n] of totals.getRows() as [string, number][]) rows.set(name, (rows.get(name) ?? 0) + n);
  const stats = await connection.runAndReadAll(
    `SELECT file_name, path_in_schema, CAST(count(*) AS DOUBLE), CAST(count(stats_null_count) AS DOUBLE), CAST(sum(stats_null_count) AS DOUBLE), min(stats_min_value), max(stats_max_value), bool_and(type = 'BYTE_ARRAY') FROM parquet_metadata(${list}) GROUP BY file_name, path_in_schema`,
  );
  const plans = new Map<string, { rows: number; absent: Set<string>; constant: Map<string, string> }>();
  for (const file of files)
    plans.set(file, { rows: rows.get(file) ?? 0, absent: new Set(), constant: new Map() });
  for (const row of stats.getRows()) {
    const [file, name, groups, counted, nulls, lo, hi, text] = row as [
      string,
      string,
      number,
      number,
      number | null,
      string | null,
      string | null,
      boolean,
    ];
    const plan = plans.get(file);
    if (plan === undefined || counted < groups || nulls === null) continue; // no statistics: read it
    if (nulls === plan.rows) plan.absent.add(name);
    else if (text && nulls === 0 && lo !== null && lo === hi && lo.length <= 64) plan.constant.set(name, lo);
  }
  return files.map((f) => plans.get(f)!);
}

/**
 * The SELECT that reads `columns` of `file` as `readExpr` gives them (and `extra` if asked): keys
 * in [fromUs, toUs), and only the file's rows [rows[0], rows[1]) when `rows` is given (the scan
 * skips the row groups outside them).
 */
export function selectRows(
  schema: Schema,
  file: string,
  columns: readonly Column[],
  extra: boolean,
  range: { fromUs?: number | undefined; toUs?: number | undefined; rows?: readonly [number, number] },
): string {
  const key = ident(schema.key);
  const where: string[] = [];
  const { fromUs, toUs, rows } = range;
  if (fromUs !== undefined) where.push(`${key} >= make_timestamp(${Math.trunc(fromUs)})`);
  if (toUs !== undefined) where.push(`${key} < make_timestamp(${Math.trunc(toUs)})`);
  if (rows !== undefined) where.push(`file_row_number >= ${rows[0]} AND file_row_number < ${rows[1]}`);
  const source = `read_parquet(${literal(file)}${rows === undefined ? '' : ', file_row_number = true'})`;
  const list = [...columns.map(readExpr), ...(extra ? ['extra'] : [])];
  return `SELECT ${list.length > 0 ? list.join(', ') : '1'} FROM ${source}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`;
}
