/**
 * `store write`: records in, Parquet partitions out (docs/store.md).
 *
 * Each record goes to the partition `exchange/kind/symbol/interval/year=YYYY/month=MM` of its time
 * key (candles: open_time; others: time), staged in an in-memory DuckDB table as it arrives. At the
 * end of input each partition touched is rewritten: its new rows, plus the rows it had on days the
 * input does not cover (writing the same days again replaces them, never duplicates), in time
 * order, to a temporary file in the partition's folder, which is fsynced and renamed over the old
 * file; then the manifest is replaced the same way. Every partition's new file is written before
 * any is renamed, so a partition that cannot be written (its old file damaged, the disk full)
 * leaves the store as it was. A crash at any point leaves each partition either old or new. An
 * interrupted run (SIGINT, SIGTERM) writes nothing.
 */

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, TickpipeError } from '../errors.js';
import type { RecordStream } from '../io/stream.js';
import { type WireRecord, whereOf } from '../records/record.js';
import { escapeText } from '../records/text.js';
import { formatTime, parseTime } from '../records/time.js';
import { RecordValidator } from '../records/validate.js';
import { describeFile, openDatabase, readable, Staging, unreadable } from './duck.js';
import {
  checkStoreDir,
  fsyncPath,
  type Partition,
  readOrCreateManifest,
  updateManifest,
} from './manifest.js';
import { precisionOf, schemaOf, toRow } from './schema.js';

export interface StoreWriteOptions {
  readonly dir: string;
  /** The input's name, for located messages. */
  readonly source?: string;
  readonly signal?: AbortSignal;
  /**
   * Asked at the end of the input: false writes nothing (fetch --store when a part of the range
   * could not be delivered: what came may hold partial days).
   */
  readonly complete?: () => boolean;
}

/** A `store_partition` record: one partition this run wrote (docs/format.md). */
export interface PartitionRecord extends WireRecord {
  readonly type: 'store_partition';
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DATA_FILE = 'data.parquet';

interface Target {
  readonly index: number;
  readonly staging: Staging;
  readonly exchange: string;
  readonly symbol: string;
  readonly interval: string;
  readonly year: number;
  readonly month: number;
  readonly path: string;
  written: number;
}

/** Writes the records of `input` to the store in `options.dir`; yields one record per partition written. */
export async function* storeWrite(
  input: RecordStream,
  options: StoreWriteOptions,
): RecordStream<PartitionRecord> {
  const source = options.source ?? 'input';
  checkStoreDir(options.dir);
  const { instance, connection } = await openDatabase();
  try {
    const stagings = new Map<string, Staging>();
    const targets = new Map<string, Target>();
    // Market records are checked as every reader checks them, so that a store never holds what
    // `backtest` would refuse: the first invalid record ends the run, and nothing is written. The
    // record is kept as given (decimal strings and time forms come back as written), not as the
    // validator normalises it.
    const validator = new RecordValidator();
    for await (const batch of input) {
      for (const record of batch) {
        const problem = validator.check(record);
        if (problem !== undefined)
          throw new DataError(whereOf(record, source), `${problem}; nothing was written`);
        const schema = schemaOf(record.type);
        const where = (): string => whereOf(record, source);
        const exchange = segment(record, 'exchange', where);
        const symbol = segment(record, 'symbol', where);
        const interval = schema.type === 'candle' ? segment(record, 'interval', where) : 'none';
        const keyTime = parseTime(record[schema.key]);
        if (keyTime === undefined)
          throw new DataError(
            where(),
            `cannot store a "${record.type}" record: "${schema.key}" is not a time (found ${JSON.stringify(record[schema.key]) ?? 'nothing'})`,
          );
        const month = formatTime(keyTime.us).slice(0, 7);
        const path = `${exchange}/${schema.kind}/${symbol}/${interval}/year=${month.slice(0, 4)}/month=${month.slice(5, 7)}/${DATA_FILE}`;
        let staging = stagings.get(schema.type);
        if (staging === undefined) {
          staging = new Staging(connection, schema, stagings.size);
          await staging.open();
          stagings.set(schema.type, staging);
        }
        let target = targets.get(path);
        if (target === undefined) {
          target = {
            index: targets.size,
            staging,
            exchange,
            symbol,
            interval,
            year: Number(month.slice(0, 4)),
            month: Number(month.slice(5, 7)),
            path,
            written: 0,
          };
          targets.set(path, target);
        }
        target.written++;
        let row: unknown[];
        try {
          row = toRow(schema, record);
        } catch (error) {
          // A value nested deeper than JSON.stringify can go from here (its `extra`).
          if (!(error instanceof RangeError)) throw error;
          throw new DataError(
            where(),
            `cannot store a "${record.type}" record: a value is nested too deeply to write (${error.message}); nothing was written`,
          );
        }
        staging.add(target.index, row);
      }
    }
    // Interrupted: the input may have stopped mid-day, and a partial day must not replace a whole one.
    if (options.signal?.aborted === true) return;
    if (options.complete !== undefined && !options.complete()) return;
    for (const staging of stagings.values()) staging.close();
    const manifest = readOrCreateManifest(options.dir);
    // Every partition's new file first, then the renames: a partition that cannot be written (its
    // old file damaged, the disk full) leaves the whole store as it was.
    const prepared: Prepared[] = [];
    const made: string[] = [];
    try {
      for (const target of [...targets.values()].sort((a, b) => (a.path < b.path ? -1 : 1)))
        prepared.push(await preparePartition(options.dir, target, connection, made));
    } catch (error) {
      for (const p of prepared) rmSync(p.tmp, { force: true });
      // The folders this run made for new partitions hold nothing else.
      for (const folder of made.reverse()) rmSync(folder, { recursive: true, force: true });
      throw error;
    }
    // Then the renames, and the manifest once (a crash between them leaves its row counts behind
    // the files until they are written again; each file is whole, old or new).
    for (let k = 0; k < prepared.length; k++)
      try {
        commitPartition(prepared[k]!);
      } catch (error) {
        for (const p of prepared.slice(k)) rmSync(p.tmp, { force: true });
        // The partitions renamed so far are in the manifest, as they are on disk.
        if (k > 0)
          updateManifest(
            options.dir,
            manifest,
            prepared.slice(0, k).map((p) => p.entry),
          );
        throw error;
      }
    if (prepared.length > 0)
      updateManifest(
        options.dir,
        manifest,
        prepared.map((p) => p.entry),
      );
    const out: PartitionRecord[] = prepared.map((p) => ({
      type: 'store_partition',
      ...p.entry,
      written: p.written,
    }));
    if (out.length > 0) yield out;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A partition's new file, written beside its old one, and its manifest entry. */
interface Prepared {
  readonly file: string;
  readonly tmp: string;
  readonly entry: Partition;
  readonly written: number;
}

async function preparePartition(
  dir: string,
  target: Target,
  connection: Parameters<typeof describeFile>[0],
  made: string[],
): Promise<Prepared> {
  const file = join(dir, target.path);
  const folder = join(file, '..');
  const first = mkdirSync(folder, { recursive: true });
  if (first !== undefined) made.push(first);
  // Temporary files a crashed writer left behind.
  for (const name of readdirSync(folder))
    if (name.startsWith(`.${DATA_FILE}.tmp-`)) rmSync(join(folder, name), { force: true });
  const tmp = join(folder, `.${DATA_FILE}.tmp-${process.pid}`);
  const existing = existsSync(file) ? file : undefined;
  try {
    await target.staging.copyPartition(target.index, existing, tmp);
  } catch (error) {
    rmSync(tmp, { force: true });
    // The old file is blamed only if reading it alone fails: a full disk or a file-size limit
    // fails the copy too, and a healthy file must never be called damaged.
    if (existing !== undefined && !(await readable(connection, existing)))
      throw unreadable(existing, error, ': nothing was written, its other days would be lost');
    const message = (error instanceof Error ? error.message : String(error)).trim();
    throw new TickpipeError(
      escapeText(`${file}: the partition could not be written (DuckDB: ${message}); nothing was written`),
    );
  }
  const schema = target.staging.schema;
  let described: Awaited<ReturnType<typeof describeFile>>;
  try {
    described = await describeFile(connection, tmp, schema.key);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  const { rows, min, max } = described;
  const entry: Partition = {
    path: target.path,
    exchange: target.exchange,
    kind: schema.kind,
    symbol: target.symbol,
    interval: target.interval,
    year: target.year,
    month: target.month,
    rows,
    min_time: formatTime(min, precisionOf(min)),
    max_time: formatTime(max, precisionOf(max)),
  };
  return { file, tmp, entry, written: target.written };
}

function commitPartition(p: Prepared): void {
  fsyncPath(p.tmp);
  renameSync(p.tmp, p.file);
  fsyncPath(join(p.file, '..'));
}

function segment(record: WireRecord, field: string, where: () => string): string {
  const value = record[field];
  if (typeof value !== 'string' || !SEGMENT.test(value) || value.includes('..'))
    throw new DataError(
      where(),
      `cannot store a "${record.type}" record: "${field}" must be a name of letters, digits, ".", "_" or "-" (found ${JSON.stringify(value) ?? 'nothing'})`,
    );
  return value;
}
