/**
 * Duplicates and conflicts within a series, in time order: the key a record is judged by, the check
 * of a record's key against the series' recent keys, and remembering the key of a record written.
 */

import { lineOf, type WireRecord } from '../records/record.js';
import { describeKey, type Entry, ringFind, type Series, sameContent } from './entries.js';
import type { Problems } from './problems.js';

/** The key duplicates are judged by: candle open_time, trade id, book sequence; none for quotes. */
function keyOf(e: Entry): unknown {
  const t = e.rec.type;
  if (t === 'candle') return e.openUs;
  if (t === 'trade') return e.rec.id;
  if (t === 'book') return e.rec.snapshot === true ? undefined : e.rec.sequence;
  return undefined;
}

export function duplicateCheck(e: Entry, s: Series, problems: Problems): boolean {
  const key = keyOf(e);
  if (key === undefined) return true;
  let earlier: WireRecord | undefined;
  if (typeof key === 'number' && e.rec.type !== 'trade') {
    // Candles and book deltas: keys rise; only a key at or below the last can repeat one.
    if (key > s.lastKey) return true;
    earlier = key === s.lastKey ? s.lastRecord : ringFind(s, key);
  } else {
    earlier = s.recent.get(key);
  }
  if (earlier === undefined) return true;
  const where = lineOf(earlier) === undefined ? '' : ` (line ${lineOf(earlier)})`;
  if (sameContent(earlier, e.rec)) {
    return problems.handle('duplicate', e.rec, `repeats ${describeKey(e)}${where}`, e);
  }
  return problems.handle(
    'conflict',
    e.rec,
    `${describeKey(e)} was already seen${where} with other values`,
    e,
  );
}

export function remember(e: Entry, s: Series, dedupeMemory: number): void {
  const key = keyOf(e);
  if (key === undefined) return;
  if (e.rec.type === 'trade') {
    s.recent.set(key, e.rec);
    if (s.recent.size > dedupeMemory) s.recent.delete(s.recent.keys().next().value);
  } else {
    const k = key as number;
    if (s.ringKeys.length < dedupeMemory) {
      s.ringKeys.push(k);
      s.ringRecords.push(e.rec);
    } else {
      s.ringKeys[s.ringHead] = k;
      s.ringRecords[s.ringHead] = e.rec;
      s.ringHead = (s.ringHead + 1) % dedupeMemory;
    }
  }
  if (typeof key === 'number' && key > s.lastKey) {
    s.lastKey = key;
    s.lastRecord = e.rec;
  }
}
