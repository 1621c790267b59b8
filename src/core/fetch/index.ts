/**
 * `fetch` entry points: from the venues (`fetchMarketData`) or from files on disk (`readLocalFiles`).
 */

import type { RecordStream } from '../io/stream.js';
import { type LocalFileOptions, readLocalFile } from './local.js';
import { intoStore, type StoreTarget } from './store.js';
import { clip, mergeByTime, type TimeRange, untimed } from './timed.js';

export { parseBarterConfig } from './barter.js';
export { cacheFolder } from './cache.js';
export {
  type Failure,
  type FetchOptions,
  type FetchReport,
  type FetchRun,
  fetchMarketData,
} from './fetch.js';
export type { StoreTarget } from './store.js';
export { KINDS, type Kind } from './venues.js';

/** Reads local files (merged in time order when there are several), optionally clipped to a range. */
export function readLocalFiles(
  paths: readonly string[],
  options: LocalFileOptions,
  range?: TimeRange,
  store?: StoreTarget,
): RecordStream {
  const streams = paths.map((p) => readLocalFile(p, options));
  const merged = mergeByTime(streams);
  const records = untimed(range === undefined ? merged : clip(merged, range));
  // Written only when no line or record was skipped (fetch/store.ts).
  return intoStore(records, store, paths.join(' '), () => options.policy.skipped === 0);
}
