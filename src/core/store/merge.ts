/**
 * `store read`'s merge of several series (each in time order) into one stream in time order: k
 * ways by time key, ties in the order of the series (their names). A merged batch of records that
 * all came from batches marked validated is marked validated too, with their times gathered.
 */

import { markValidated, type ValidatedTimes, validatedTimes } from '../records/validate.js';

/** A batch of records with their time keys (epoch µs). */
export interface Keyed<T> {
  readonly records: T[];
  readonly keys: Float64Array;
}

interface Head<T> {
  batch: Keyed<T>;
  at: number;
  readonly source: AsyncGenerator<Keyed<T>>;
}

/** The k-way merge by time key; ties go to the series that comes first by name. */
export async function* merge<T>(
  sources: AsyncGenerator<Keyed<T>>[],
  signal: AbortSignal | undefined,
): AsyncGenerator<T[]> {
  try {
    yield* mergeAll(sources, signal);
  } finally {
    // Ended early too (the reader went away: `store read | head`): each source's own clean-up runs,
    // or the slice it reads ahead keeps the process alive.
    await Promise.allSettled(sources.map((s) => s.return(undefined)));
  }
}

async function* mergeAll<T>(
  sources: AsyncGenerator<Keyed<T>>[],
  signal: AbortSignal | undefined,
): AsyncGenerator<T[]> {
  const heads: Head<T>[] = [];
  for (const source of sources) {
    const first = await source.next();
    if (first.done !== true) heads.push({ batch: first.value, at: 0, source });
  }
  let out: T[] = [];
  // The times of `out`'s records while every one came from a batch marked validated (records).
  let times: Times | undefined = new Times();
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
    times = times?.add(validatedTimes(head.batch.records as never), head.at);
    out.push(head.batch.records[head.at++]!);
    if (head.at === head.batch.records.length) {
      const next = await head.source.next();
      if (next.done === true) heads.splice(best, 1);
      else {
        head.batch = next.value;
        head.at = 0;
      }
    }
    if (out.length >= MERGED_ROWS) {
      if (signal?.aborted === true) return;
      times?.mark(out);
      yield out;
      out = [];
      times = new Times();
    }
  }
  times?.mark(out);
  if (out.length > 0) yield out;
}

/** Records a merged batch holds. */
const MERGED_ROWS = 1024;

/** The times of a merged batch of validated records, gathered from the batches they came from. */
class Times {
  private readonly time = new Float64Array(MERGED_ROWS);
  private readonly local = new Float64Array(MERGED_ROWS).fill(Number.NaN);
  private hasLocal = false;
  private n = 0;

  /** With the times of record `at` of a batch of these (undefined: not validated; this is done). */
  add(from: ValidatedTimes | undefined, at: number): Times | undefined {
    if (from === undefined) return undefined;
    this.time[this.n] = from.time[at]!;
    if (from.local !== undefined) {
      this.local[this.n] = from.local[at]!;
      this.hasLocal = true;
    }
    this.n++;
    return this;
  }

  mark<T>(batch: T[]): void {
    if (this.n === 0 || this.n !== batch.length) return;
    markValidated(batch as never, {
      time: this.time.subarray(0, this.n),
      local: this.hasLocal ? this.local.subarray(0, this.n) : undefined,
    });
  }
}
