/**
 * The DuckDB side of the store: an in-process database (no server, no file of its own) that
 * stages rows, writes Parquet with COPY and reads it back with read_parquet. Everything that knows
 * SQL text for the store is here.
 */

import {
  BOOLEAN,
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBType,
  INTEGER,
  VARCHAR,
} from '@duckdb/node-api';
import type { Column, ColumnKind, Schema } from './schema.js';

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
  const instance = await DuckDBInstance.create(
    ':memory:',
    threads === undefined ? {} : { threads: String(threads) },
  );
  const connection = await instance.connect();
  return { instance, connection };
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

/** The read expression of a stored column, in the staged representation (times as epoch µs). */
function readExpr(col: Column): string {
  const name = ident(col.name);
  if (col.kind === 'time') return `CAST(epoch_us(${name}) AS DOUBLE)`;
  if (col.kind === 'bigint') return `CAST(${name} AS DOUBLE)`;
  return name;
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

/** The SELECT that reads `file`'s rows in the staged representation, keys in [fromUs, toUs). */
export function selectRows(schema: Schema, file: string, fromUs?: number, toUs?: number): string {
  const key = ident(schema.key);
  const where: string[] = [];
  if (fromUs !== undefined) where.push(`${key} >= make_timestamp(${Math.trunc(fromUs)})`);
  if (toUs !== undefined) where.push(`${key} < make_timestamp(${Math.trunc(toUs)})`);
  return `SELECT ${schema.columns.map(readExpr).join(', ')}, extra FROM read_parquet(${literal(file)})${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`;
}
