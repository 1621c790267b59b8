/**
 * Record batches with each record's time key alongside, as the fetch sources produce them: the key
 * (epoch microseconds) orders, filters and merges records without parsing their time strings again.
 * For a candle the key is its `open_time` (ranges select candles by their start); for everything else
 * it is `time`.
 */

import type { WireRecord } from '../records/record.js';

export interface TimedBatch {
  readonly records: WireRecord[];
  readonly keys: number[];
}

export type TimedStream = AsyncIterable<TimedBatch>;

/** A half-open range of epoch microseconds: `from` inclusive, `to` exclusive. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** Keeps the records whose key is inside `range` (a batch wholly inside passes as it is). */
export async function* clip(stream: TimedStream, range: TimeRange): AsyncGenerator<TimedBatch> {
  for await (const batch of stream) {
    const { records, keys } = batch;
    let inside = 0;
    for (const k of keys) if (k >= range.from && k < range.to) inside++;
    if (inside === keys.length) {
      if (inside > 0) yield batch;
      continue;
    }
    if (inside === 0) continue;
    const out: TimedBatch = { records: [], keys: [] };
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k >= range.from && k < range.to) {
        out.records.push(records[i]!);
        out.keys.push(k);
      }
    }
    yield out;
  }
}

/** Drops the keys. */
export async function* untimed(stream: TimedStream): AsyncGenerator<WireRecord[]> {
  for await (const batch of stream) if (batch.records.length > 0) yield batch.records;
}

interface Cursor {
  readonly it: AsyncIterator<TimedBatch>;
  batch: TimedBatch | undefined;
  i: number;
  readonly order: number;
}

/**
 * Merges streams that are each in key order into one in key order. Ties go to the stream listed
 * first, so the output is deterministic. Reads ahead at most one batch per stream.
 */
export async function* mergeByTime(
  streams: readonly TimedStream[],
  batchSize = 4096,
): AsyncGenerator<TimedBatch> {
  if (streams.length === 1) {
    yield* streams[0]!;
    return;
  }
  const cursors: Cursor[] = streams.map((s, order) => ({
    it: s[Symbol.asyncIterator](),
    batch: undefined,
    i: 0,
    order,
  }));
  const advance = async (c: Cursor): Promise<boolean> => {
    for (;;) {
      const next = await c.it.next();
      if (next.done === true) {
        c.batch = undefined;
        return false;
      }
      if (next.value.keys.length > 0) {
        c.batch = next.value;
        c.i = 0;
        return true;
      }
    }
  };
  let live: Cursor[] = [];
  try {
    const ok = await Promise.all(cursors.map(advance));
    live = cursors.filter((_, i) => ok[i]);
    let out: TimedBatch = { records: [], keys: [] };
    while (live.length > 0) {
      let best = live[0]!;
      for (let j = 1; j < live.length; j++) {
        const c = live[j]!;
        const k = c.batch!.keys[c.i]!;
        const bk = best.batch!.keys[best.i]!;
        if (k < bk || (k === bk && c.order < best.order)) best = c;
      }
      const b = best.batch!;
      out.records.push(b.records[best.i]!);
      out.keys.push(b.keys[best.i]!);
      best.i++;
      if (best.i >= b.keys.length && !(await advance(best))) live = live.filter((c) => c !== best);
      if (out.keys.length >= batchSize) {
        yield out;
        out = { records: [], keys: [] };
      }
    }
    if (out.keys.length > 0) yield out;
  } finally {
    await Promise.all(cursors.map((c) => c.it.return?.()));
  }
}

/**
 * Puts a file that is in descending time order (some venue archives are written newest first) in
 * ascending order; passes an ascending one through as it streams. The direction is read from the
 * first batch whose keys differ; a descending file is held whole (one file, never more) and reversed.
 */
export async function* ascending(stream: TimedStream): AsyncGenerator<TimedBatch> {
  const it = stream[Symbol.asyncIterator]();
  const held: TimedBatch[] = [];
  let direction = 0;
  for (;;) {
    const next = await it.next();
    if (next.done === true) break;
    const b = next.value;
    if (direction === 0) {
      held.push(b);
      const first = held[0]!.keys[0];
      const last = b.keys.at(-1);
      if (first !== undefined && last !== undefined && first !== last) direction = last > first ? 1 : -1;
      if (direction === 1) {
        yield* held.splice(0);
      }
      continue;
    }
    if (direction === 1) yield b;
    else held.push(b);
  }
  if (direction >= 0) {
    yield* held;
    return;
  }
  const records: TimedBatch['records'] = [];
  const keys: number[] = [];
  for (let i = held.length - 1; i >= 0; i--) {
    const b = held[i]!;
    for (let j = b.keys.length - 1; j >= 0; j--) {
      records.push(b.records[j]!);
      keys.push(b.keys[j]!);
    }
  }
  yield { records, keys };
}
