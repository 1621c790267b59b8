/**
 * Bybit v5 public messages to normalised records: the same parsers serve `connect` live and
 * `connect --replay` on a recording or on Bybit's orderbook history archive (whose lines are these
 * messages).
 *
 * - `orderbook.{depth}.{SYMBOL}`: `type: "snapshot"` resets the book; `delta` carries absolute
 *   amounts (0 removes). `u` is the update id: deltas must follow with consecutive `u`; `u = 1`
 *   means the venue restarted, and the message is a new snapshot whatever its type. `time` is `ts`.
 *   A gap emits a `disconnect` for that book; its deltas wait for the next snapshot.
 * - `publicTrade.{SYMBOL}`: `trade` records (`S` is the taker's side, `i` the trade id, `T` the time).
 * - `kline.{interval}.{SYMBOL}`: a `candle` once `confirm` says it closed.
 * - `allLiquidation.{SYMBOL}`: `venue_liquidation` records (bybit/liquidation.ts).
 */

import { Sequencer } from '../../book/sequence.js';
import type { WireRecord } from '../../records/record.js';
import { formatTime, US_PER_MS } from '../../records/time.js';
import type { FeedStats } from '../binance/feed.js';
import { CONNECTION_LOST, levels } from '../binance/feed.js';
import { FeedIntake, newFeedStats, venueNumber } from '../intake.js';
import { allLiquidationRecord } from './liquidation.js';

type Raw = Record<string, unknown>;

const INTERVALS: Record<string, string> = {
  '1': '1m',
  '3': '3m',
  '5': '5m',
  '15': '15m',
  '30': '30m',
  '60': '1h',
  '120': '2h',
  '240': '4h',
  '360': '6h',
  '720': '12h',
  D: '1d',
  W: '1w',
  M: '1M',
};

/** Epoch milliseconds (a number or its digits) as a time; what is not one is returned as found, for the validator to refuse. */
function ms(v: unknown): unknown {
  const n = venueNumber(v);
  return typeof n === 'number' && Number.isFinite(n) ? formatTime(n * US_PER_MS, 'ms') : v;
}

export class BybitFeed {
  readonly stats: FeedStats = newFeedStats();
  private readonly books = new Map<string, Sequencer>();
  private readonly intake: FeedIntake;

  /**
   * `exchange`: bybit_spot or bybit_perpetuals_usd. `onProblem` hears of every record refused at the
   * boundary (exchanges/intake.ts).
   */
  constructor(
    readonly exchange: string,
    onProblem?: (detail: string) => void,
  ) {
    this.intake = new FeedIntake(this.stats, onProblem);
  }

  private notUnderstood(): void {
    this.intake.notUnderstood();
  }

  private valid(rec: Raw): WireRecord | undefined {
    return this.intake.valid(rec);
  }

  /** One message (already JSON-parsed); `localUs` when it was received, if known. */
  frame(msg: unknown, localUs: number | undefined, out: WireRecord[]): void {
    this.stats.messages++;
    const m = msg as Raw | null;
    if (m === null || typeof m !== 'object') {
      this.notUnderstood();
      return;
    }
    const topic = typeof m.topic === 'string' ? m.topic : '';
    const local = localUs === undefined ? undefined : formatTime(localUs, 'us');
    if (topic.startsWith('orderbook.')) this.book(m, local, out);
    else if (topic.startsWith('publicTrade.')) this.trades(m, local, out);
    else if (topic.startsWith('kline.')) this.kline(m, topic, local, out);
    else if (topic.startsWith('allLiquidation.')) this.liquidations(m, local, out);
    else if (m.e === CONNECTION_LOST) {
      // Bybit sends a fresh snapshot on resubscription, which resets each book.
      out.push({
        type: 'disconnect',
        time: local === undefined ? formatTime(Date.now() * 1000, 'ms') : `${local.slice(0, 23)}Z`,
        ...(local === undefined ? {} : { local_time: local }),
        exchange: this.exchange,
        reason: typeof m.reason === 'string' ? m.reason : 'connection lost',
      });
    } else if ('op' in m || 'success' in m || 'ret_msg' in m)
      return; // subscribe / pong replies
    else this.notUnderstood();
  }

  private book(m: Raw, local: string | undefined, out: WireRecord[]): void {
    const d = m.data as Raw | null | undefined;
    if (
      d === undefined ||
      d === null ||
      typeof d !== 'object' ||
      typeof d.s !== 'string' ||
      d.u === undefined
    ) {
      this.notUnderstood();
      return;
    }
    const symbol = d.s;
    const snapshot = m.type === 'snapshot' || d.u === 1;
    const time = m.ts === undefined ? (local ?? '') : ms(m.ts);
    const rec: Raw = { type: 'book', time };
    if (local !== undefined) rec.local_time = local;
    Object.assign(rec, {
      exchange: this.exchange,
      symbol,
      snapshot,
      bids: levels(d.b),
      asks: levels(d.a),
      sequence: d.u,
    });
    const ok = this.valid(rec);
    if (ok === undefined) return;
    let seq = this.books.get(symbol);
    if (seq === undefined) {
      seq = new Sequencer('bybit');
      this.books.set(symbol, seq);
    }
    const u = d.u as number;
    if (snapshot) {
      seq.snapshot(u);
      out.push(ok);
      return;
    }
    const v = seq.check({ sequence: u });
    if (v === 'apply') out.push(ok);
    else if (v === 'stale') this.stats.staleDropped++;
    else if (v === 'gap') {
      this.stats.gaps++;
      const dis: Raw = { type: 'disconnect', time };
      if (local !== undefined) dis.local_time = local;
      Object.assign(dis, {
        exchange: this.exchange,
        symbol,
        reason: 'book sequence gap',
        expected: seq.expected,
        found: seq.found,
      });
      out.push(dis as WireRecord);
    }
  }

  /**
   * Each object of a message's `data` array, made a record by `make` and validated; a `data` that is
   * not an array, or an entry that is not an object, is counted as not understood.
   */
  private entries(m: Raw, out: WireRecord[], make: (t: Raw) => Raw): void {
    if (!Array.isArray(m.data)) {
      this.notUnderstood();
      return;
    }
    for (const t of m.data as (Raw | null)[]) {
      if (t === null || typeof t !== 'object') {
        this.notUnderstood();
        continue;
      }
      const ok = this.valid(make(t));
      if (ok !== undefined) out.push(ok);
    }
  }

  private trades(m: Raw, local: string | undefined, out: WireRecord[]): void {
    this.entries(m, out, (t) => {
      const rec: Raw = { type: 'trade', time: t.T === undefined ? (local ?? '') : ms(t.T) };
      if (local !== undefined) rec.local_time = local;
      return Object.assign(rec, {
        exchange: this.exchange,
        symbol: t.s,
        id: typeof t.i === 'number' ? String(t.i) : t.i,
        price: venueNumber(t.p),
        amount: venueNumber(t.v),
        side: t.S === 'Sell' ? 'sell' : 'buy',
      });
    });
  }

  private liquidations(m: Raw, local: string | undefined, out: WireRecord[]): void {
    this.entries(m, out, (t) => allLiquidationRecord(this.exchange, t, local));
  }

  private kline(m: Raw, topic: string, local: string | undefined, out: WireRecord[]): void {
    if (!Array.isArray(m.data)) {
      this.notUnderstood();
      return;
    }
    const symbol = topic.split('.')[2] ?? '';
    for (const k of m.data as (Raw | null)[]) {
      if (k === null || typeof k !== 'object' || k.confirm !== true) continue;
      const end = venueNumber(k.end);
      const rec: Raw = { type: 'candle', time: typeof end === 'number' ? ms(end + 1) : k.end };
      if (local !== undefined) rec.local_time = local;
      Object.assign(rec, {
        exchange: this.exchange,
        symbol,
        interval: INTERVALS[String(k.interval)] ?? String(k.interval),
        open_time: ms(k.start),
        open: venueNumber(k.open),
        high: venueNumber(k.high),
        low: venueNumber(k.low),
        close: venueNumber(k.close),
        volume: venueNumber(k.volume),
        quote_volume: venueNumber(k.turnover),
      });
      const ok = this.valid(rec);
      if (ok !== undefined) out.push(ok);
    }
  }
}
