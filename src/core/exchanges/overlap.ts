/**
 * `connect` live: what an overlapping connection delivers twice is dropped before it is recorded.
 * A connection's own messages are never dropped (a venue orders each stream); another connection's
 * are while their keys are at or below the last one delivered, for at most OVERLAP_MS from its first
 * such message. One corrupt key (a trade id of 2^53-1) would otherwise silence its stream for the
 * rest of the run.
 */

import { escapeText } from '../records/text.js';

/** How long a new connection's messages are checked against what the one before it delivered. */
const OVERLAP_MS = 2_000;

interface StreamPlace {
  key: number;
  conn: object;
  /** A connection whose messages are behind `key`, and since when. */
  behind: object | undefined;
  behindSince: number;
}

/**
 * A message's place in its stream, for dropping what an overlapping connection delivers twice:
 * [stream, key], the key increasing along the stream; undefined for messages that are not ordered.
 */
function streamKey(msg: unknown): [string, number] | undefined {
  const m = msg as { stream?: unknown; data?: Record<string, unknown> | null; topic?: unknown } | null;
  if (m === null || typeof m !== 'object') return undefined;
  if (typeof m.stream === 'string' && m.data !== null && typeof m.data === 'object') {
    const d = m.data;
    const key =
      d.e === 'trade'
        ? d.t
        : d.e === 'aggTrade'
          ? d.a
          : d.e === 'kline'
            ? (d.k as { t?: unknown } | undefined)?.t
            : d.e === 'forceOrder'
              ? (d.o as { T?: unknown } | undefined)?.T
              : d.u;
    if (d.e === 'kline' && (d.k as { x?: unknown } | undefined)?.x !== true) return undefined;
    // Only a key that compares exactly orders a stream (a trade id of 1e400 would pass every later one).
    return Number.isSafeInteger(key) ? [m.stream, key as number] : undefined;
  }
  return undefined;
}

/** The last place of each ordered stream, and which connection delivered it. */
export class OverlapFilter {
  private readonly lastKey = new Map<string, StreamPlace>();

  constructor(private readonly log: (message: string) => void) {}

  /** False for a message another connection already delivered (while it is within OVERLAP_MS). */
  fresh(msg: unknown, conn: object): boolean {
    const k = streamKey(msg);
    if (k === undefined) return true;
    const last = this.lastKey.get(k[0]);
    if (last === undefined) {
      this.lastKey.set(k[0], { key: k[1], conn, behind: undefined, behindSince: 0 });
      return true;
    }
    if (last.conn !== conn) {
      if (k[1] <= last.key) {
        const t = Date.now();
        if (last.behind !== conn) {
          last.behind = conn;
          last.behindSince = t;
        }
        if (t - last.behindSince < OVERLAP_MS) return false;
        this.log(
          `${escapeText(k[0])}: the new connection's keys stayed behind the last one seen (${last.key}); following them`,
        );
      }
      last.conn = conn;
      last.behind = undefined;
    }
    last.key = k[1];
    return true;
  }
}
