/**
 * `fetch --store DIR`: the fetched records written to a columnar store by `store write`'s own code
 * (core/store/write.ts: the same partitions, the same day-replacing idempotence, the same
 * temporary-file-and-rename crash safety), so a cron job keeps a store current. The output is
 * then `store write`'s: one store_partition record per partition written.
 *
 * A fetch that could not deliver everything it was asked for (a part that failed or a record
 * skipped under --on-error) writes nothing: the days it did get may be partial, and a partial day
 * must not replace a whole one (the rule `store write` keeps for an interrupted run). The store
 * keeps what it had, and the next run fetches again.
 */

import type { RecordStream } from '../io/stream.js';
import { storeWrite } from '../store/write.js';

export interface StoreTarget {
  readonly dir: string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * `records` written to `store.dir`, or `records` as they are without a store. `complete()` is
 * asked at the end of the input: false writes nothing.
 */
export function intoStore(
  records: RecordStream,
  store: StoreTarget | undefined,
  source: string,
  complete: () => boolean,
): RecordStream {
  if (store === undefined) return records;
  return storeWrite(records, {
    dir: store.dir,
    source,
    ...(store.signal === undefined ? {} : { signal: store.signal }),
    complete,
  });
}
