/**
 * What sanitize keeps while it reads (sanitize.ts and the check modules beside it have the checks):
 * an entry (a record with its parsed times and flags), a series' recent keys and spike window, the
 * reorder min-heap of entries by (time, arrival), and the small record helpers the checks share.
 */

import type { Interval } from '../records/interval.js';
import { rawOf, type WireRecord } from '../records/record.js';
import { formatTime, type TimePrecision } from '../records/time.js';
import type { ProblemClass } from './policy.js';
import type { RollingMad } from './rolling.js';

export interface Entry {
  rec: WireRecord;
  timeUs: number;
  openUs: number;
  interval: Interval | undefined;
  precision: TimePrecision;
  seq: number;
  flags: ProblemClass[] | undefined;
  /** Failed the schema check but kept (`--policy schema=keep`): takes no part in series checks. */
  invalid: boolean;
}

export function newEntry(): Entry {
  return {
    rec: { type: '' },
    timeUs: 0,
    openUs: 0,
    interval: undefined,
    precision: 'ms',
    seq: 0,
    flags: undefined,
    invalid: false,
  };
}

export interface Series {
  readonly type: string;
  readonly exchange: unknown;
  readonly symbol: unknown;
  readonly interval: unknown;
  lastKey: number;
  lastRecord: WireRecord | undefined;
  /** Trades: recent ids (any kind of id), oldest first. */
  recent: Map<unknown, WireRecord>;
  /** Candles and books: recent (key, record) pairs in a ring, searched only when a key repeats. */
  ringKeys: number[];
  ringRecords: WireRecord[];
  ringHead: number;
  mad: RollingMad | undefined;
  /** Reference prices of the current run of consecutive outliers. */
  outliers: number[];
  lastClose: number;
  /** Book series: reset by a snapshot. */
  synced: boolean;
}

export function ringFind(s: Series, key: number): WireRecord | undefined {
  const keys = s.ringKeys;
  for (let i = keys.length - 1; i >= 0; i--) if (keys[i] === key) return s.ringRecords[i];
  return undefined;
}

export function best(levels: readonly (readonly [number, number])[], bids: boolean): number {
  let b = bids ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const [price, amount] of levels) {
    if (amount > 0 && (bids ? price > b : price < b)) b = price;
  }
  return b;
}

export function describeKey(e: Entry): string {
  const r = e.rec;
  if (r.type === 'candle') return `${r.exchange} ${r.symbol} ${r.interval} candle open_time ${r.open_time}`;
  if (r.type === 'trade') return `${r.exchange} ${r.symbol} trade id ${JSON.stringify(r.id)}`;
  return `${r.exchange} ${r.symbol} book sequence ${r.sequence}`;
}

/** Same values, whatever the formatting of the line (local_time, when the copy was received, aside). */
export function sameContent(a: WireRecord, b: WireRecord): boolean {
  const ra = rawOf(a);
  if (ra !== undefined && ra === rawOf(b)) return true;
  const strip = (r: WireRecord): string => JSON.stringify({ ...r, local_time: undefined });
  return strip(a) === strip(b);
}

export function mergeFlags(existing: unknown, add: readonly string[]): string[] {
  const flags = Array.isArray(existing) ? existing.filter((f): f is string => typeof f === 'string') : [];
  for (const f of add) if (!flags.includes(f)) flags.push(f);
  return flags;
}

export function syntheticCandle(
  like: WireRecord,
  openUs: number,
  closeUs: number,
  price: number,
  precision: TimePrecision,
): WireRecord {
  const c: Record<string, unknown> = {
    type: 'candle',
    time: formatTime(closeUs, precision),
    exchange: like.exchange,
    symbol: like.symbol,
    interval: like.interval,
    open_time: formatTime(openUs, precision),
    open: price,
    high: price,
    low: price,
    close: price,
    volume: 0,
  };
  if (like.quote_volume !== undefined) c.quote_volume = 0;
  if (like.trades !== undefined) c.trades = 0;
  if (like.taker_buy_volume !== undefined) c.taker_buy_volume = 0;
  c.synthetic = true;
  return c as WireRecord;
}

// ---- a binary min-heap of entries by (time, arrival) ----------------------------------------------

function less(a: Entry, b: Entry): boolean {
  return a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.seq < b.seq);
}

export function pushHeap(h: Entry[], e: Entry): void {
  h.push(e);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(h[i]!, h[p]!)) break;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

export function popHeap(h: Entry[]): Entry {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
  return top;
}
