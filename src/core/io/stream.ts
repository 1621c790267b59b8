/**
 * The shape of data flowing through the core: an async iterable of record batches.
 *
 * Core functions take and return `RecordStream`s rather than one record per `await`, because an
 * async-generator step costs about 250 ns per record per stage on this kind of machine (bench:
 * `node bench/async-overhead.js`), a sixth of the whole budget of an NDJSON tool. Batches cost
 * 17 ns. Stages themselves are synchronous objects (`Stage`), which keeps them easy to test with
 * plain arrays, and `runStage` adapts one to a stream.
 */

import type { WireRecord } from '../records/record.js';

export type RecordStream<T extends WireRecord = WireRecord> = AsyncIterable<T[]>;

/**
 * Output already serialised: NDJSON lines, each ending in a newline, and how many records they are.
 * Only a command's last step yields these (the `orderbook` command's byte path, which writes quotes
 * straight into bytes); the library's functions take and return records.
 */
export interface ByteBatch {
  readonly bytes: Buffer;
  readonly records: number;
}

export type ByteStream = AsyncIterable<ByteBatch>;

const BYTES: unique symbol = Symbol('tickpipe.batchBytes');

/**
 * Marks a batch as being exactly `bytes` when written (every record unchanged, in order, each line
 * ending in a newline). The writer then writes the bytes as they came in: no serialising, joining or
 * re-encoding. A stage that passes a whole batch through untouched passes the mark on (`runStage`).
 */
export function setBatchBytes(batch: readonly WireRecord[], bytes: Buffer): void {
  (batch as unknown as { [BYTES]?: Buffer })[BYTES] = bytes;
}

export function batchBytes(batch: readonly WireRecord[]): Buffer | undefined {
  return (batch as unknown as { [BYTES]?: Buffer })[BYTES];
}

/** A synchronous, stateful transform: records in, records out, and a final flush. */
export interface Stage<In extends WireRecord = WireRecord, Out extends WireRecord = WireRecord> {
  /** If given, called with each batch before its records are pushed (to read the batch's marks). */
  begin?(batch: readonly In[]): void;
  push(record: In, out: Out[]): void;
  /** Called once at the end of input (also after an interrupt): emit what is still owed. */
  finish(out: Out[]): void;
  /** If given, used instead of `finish`: the same records, in batches (a long end-of-input flush). */
  finishBatches?(): Iterable<Out[]>;
}

/**
 * Pushes one batch through a stage: `begin` first (the batch's marks), then each record. Every loop
 * that drives a stage goes through here, so none can forget `begin`.
 */
export function pushBatch<In extends WireRecord, Out extends WireRecord>(
  stage: Stage<In, Out>,
  batch: readonly In[],
  out: Out[],
): void {
  stage.begin?.(batch);
  for (let i = 0; i < batch.length; i++) stage.push(batch[i]!, out);
}

export async function* runStage<In extends WireRecord, Out extends WireRecord>(
  input: RecordStream<In>,
  stage: Stage<In, Out>,
): AsyncGenerator<Out[]> {
  for await (const batch of input) {
    const out: Out[] = [];
    pushBatch(stage, batch, out);
    if (out.length === 0) continue;
    const bytes = batchBytes(batch);
    if (bytes !== undefined && sameRecords(batch, out)) setBatchBytes(out, bytes);
    yield out;
  }
  if (stage.finishBatches !== undefined) {
    for (const tail of stage.finishBatches()) if (tail.length > 0) yield tail;
    return;
  }
  const tail: Out[] = [];
  stage.finish(tail);
  if (tail.length > 0) yield tail;
}

function sameRecords(a: readonly WireRecord[], b: readonly WireRecord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A stream from records already in memory (tests, library use). */
export async function* fromRecords<T extends WireRecord>(
  records: Iterable<T> | AsyncIterable<T>,
  batchSize = 1024,
): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const r of records) {
    batch.push(r);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Flattens a stream to single records, for library users who want `for await (const r of ...)`. */
export async function* toRecords<T extends WireRecord>(stream: RecordStream<T>): AsyncGenerator<T> {
  for await (const batch of stream) yield* batch;
}

/** Collects a whole stream into an array (tests, small inputs). */
export async function collect<T extends WireRecord>(stream: RecordStream<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of stream) for (const r of batch) all.push(r);
  return all;
}
