/**
 * `tickpipe resample`: candles to coarser candles, trades to time bars or to tick, volume and dollar
 * bars, quotes and books to candles of the mid. One streaming pass; memory is one bar (and, for
 * books, one order book) per instrument. Rules in docs/resample.md.
 */

import { type Level, OrderBook } from '../book/book.js';
import { DataError, UsageError } from '../errors.js';
import type { ErrorPolicy } from '../io/lines.js';
import type { RecordStream, Stage } from '../io/stream.js';
import { runStage } from '../io/stream.js';
import { MarketIntake } from '../records/intake.js';
import { type Interval, parseInterval } from '../records/interval.js';
import { decimalMid } from '../records/number-text.js';
import { type WireRecord, whereOf } from '../records/record.js';
import type { TimePrecision } from '../records/time.js';
import { Bar } from './bar.js';
import { type Bucket, bucketOf, type TimeZone, UTC } from './buckets.js';

export type BarKind = 'ticks' | 'volume' | 'dollar';

/** Tick, volume or dollar bars: a bar closes on the trade that brings its count, volume or notional to `size`. */
export interface ThresholdBars {
  readonly kind: BarKind;
  readonly size: number;
  /** As written in `interval` of each bar: `ticks:1000`. */
  readonly text: string;
}

export interface ResampleOptions {
  /** Time bars of this interval (candles, trades, quotes, books). */
  readonly interval?: Interval;
  /** Threshold bars of trades instead of time bars. */
  readonly bars?: ThresholdBars;
  /** Buckets in this time zone (days, weeks and months start at its midnight). Default UTC. */
  readonly tz?: TimeZone;
  /** Drop incomplete buckets instead of marking them `complete: false`. */
  readonly completeOnly?: boolean;
  /** `flat`: a bucket with no data becomes a synthetic candle at the last close with zero volume. */
  readonly fill?: 'none' | 'flat';
  /** Names the input in errors (`stdin`). */
  readonly source?: string;
}

export interface ResampleReport {
  /** Bars written. */
  bars: number;
  /** Incomplete bars: marked `complete: false`, or dropped with --complete-only. */
  incomplete: number;
  /** Synthetic bars written by --fill flat. */
  filled: number;
  /** Book deltas before the first snapshot of their instrument (no book to take a mid from). */
  booksBeforeSnapshot: number;
}

/** Parses `--bars ticks:1000|volume:50|dollar:1e6`. */
export function parseBars(text: string, flag = '--bars'): ThresholdBars {
  const m = /^(ticks|volume|dollar):(.+)$/.exec(text.trim());
  const size = m === null ? Number.NaN : Number(m[2]);
  if (m === null || !(size > 0) || !Number.isFinite(size) || (m[1] === 'ticks' && !Number.isInteger(size)))
    throw new UsageError(
      `${flag}: expected ticks:N, volume:V or dollar:D with N a whole number > 0, found "${text}"`,
    );
  return { kind: m[1] as BarKind, size, text: `${m[1]}:${m[2]}` };
}

type Kind = 'candle' | 'trade' | 'mid';

interface Series {
  readonly kind: Kind;
  bar: Bar | undefined;
  /** The source candles' interval, in microseconds. */
  sourceUs: number;
  /** The last source time seen (candles: open_time), for order checks. */
  last: number;
  /** The last bar's close and end (for --fill flat). */
  lastClose: number;
  lastEnd: number;
  /** No bar written yet: the first of a trade or mid series may have started before the data. */
  first: boolean;
  book: OrderBook | undefined;
}

export class Resampler implements Stage {
  readonly report: ResampleReport = { bars: 0, incomplete: 0, filled: 0, booksBeforeSnapshot: 0 };
  private readonly series = new Map<string, Series>();
  private readonly tz: TimeZone;
  private precision: TimePrecision = 'ms';

  /**
   * Market records are validated first, as backtest validates them (records/intake.ts): a price of
   * `true`, `"0x10"` or 1e400 is refused with its place under `policy` (without one: the run
   * fails), never summed into a bar. The times it read are the ones used.
   */
  private readonly intake: MarketIntake;

  constructor(
    private readonly options: ResampleOptions,
    policy?: ErrorPolicy,
  ) {
    if ((options.interval === undefined) === (options.bars === undefined))
      throw new UsageError('give one of --interval (time bars) or --bars (tick, volume or dollar bars)');
    this.tz = options.tz ?? UTC;
    this.intake = new MarketIntake(options.source, policy);
  }

  push(input: WireRecord, out: WireRecord[]): void {
    const type = input.type;
    if (type !== 'candle' && type !== 'trade' && type !== 'quote' && type !== 'book') {
      out.push(input);
      return;
    }
    const rec = this.intake.accept(input);
    if (rec === undefined) return;
    const kind: Kind = type === 'candle' ? 'candle' : type === 'trade' ? 'trade' : 'mid';
    if (this.options.bars !== undefined && kind !== 'trade')
      throw this.error(rec, `--bars makes bars of trades; found a ${type} record (use --interval for it)`);
    // Records of one series come in runs: the last one's is taken without a key built.
    let s =
      kind === this.lastKind && rec.symbol === this.lastSymbol && rec.exchange === this.lastExchange
        ? this.lastSeries
        : undefined;
    if (s === undefined) s = this.seriesOf(rec, kind);
    if (kind === 'candle') this.onCandle(rec, s, out);
    else if (kind === 'trade') this.onTrade(rec, s, out);
    else this.onMid(rec, s, out);
  }

  private lastKind: Kind | undefined;
  private lastSymbol: unknown;
  private lastExchange: unknown;
  private lastSeries: Series | undefined;

  private seriesOf(rec: WireRecord, kind: Kind): Series {
    const key = `${String(rec.exchange)}\u0000${String(rec.symbol)}\u0000${kind}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = {
        kind,
        bar: undefined,
        sourceUs: 0,
        last: Number.NEGATIVE_INFINITY,
        lastClose: Number.NaN,
        lastEnd: Number.NaN,
        first: true,
        book: undefined,
      };
      this.series.set(key, s);
    }
    this.lastKind = kind;
    this.lastSymbol = rec.symbol;
    this.lastExchange = rec.exchange;
    this.lastSeries = s;
    return s;
  }

  finish(out: WireRecord[]): void {
    for (const s of this.series.values()) {
      if (s.bar === undefined) continue;
      // The last bucket of a trade or mid series is open: more data could have come.
      this.emit(s, s.bar, s.kind === 'candle' ? this.candleComplete(s, s.bar) : false, out);
      s.bar = undefined;
    }
  }

  private onCandle(rec: WireRecord, s: Series, out: WireRecord[]): void {
    const interval = this.options.interval!;
    const openTime = this.time(rec, 'open_time');
    if (s.sourceUs === 0) {
      const src = typeof rec.interval === 'string' ? parseInterval(rec.interval) : undefined;
      if (src === undefined || src.months > 0)
        throw this.error(
          rec,
          `expected a fixed candle interval (1m, 1h, 1d, ...) for "interval", found ${JSON.stringify(rec.interval)}`,
        );
      s.sourceUs = src.us;
    }
    if (openTime <= s.last)
      throw this.error(
        rec,
        `candle opening at ${String(rec.open_time)} is not after the one before; sort and deduplicate first (tickpipe sanitize)`,
      );
    s.last = openTime;
    const b = this.bucket(rec, s, openTime, out);
    const length = b.end - b.start;
    if (s.sourceUs > length || length % s.sourceUs !== 0)
      throw this.error(
        rec,
        `a ${interval.text} bucket is not a whole number of ${String(rec.interval)} candles; resample to an interval that is`,
      );
    if (openTime + s.sourceUs > b.end)
      throw this.error(
        rec,
        `the ${String(rec.interval)} candle opening at ${String(rec.open_time)} straddles two ${interval.text} buckets (its open_time is not aligned)`,
      );
    const bar = s.bar!;
    bar.addPrices(openTime, rec.open as number, rec.high as number, rec.low as number, rec.close as number);
    bar.addCandleSums(rec);
    // A bucket whose every candle is in is written at once, not when the next one starts.
    if (this.candleComplete(s, bar)) {
      this.emit(s, bar, true, out);
      s.bar = undefined;
    }
  }

  private onTrade(rec: WireRecord, s: Series, out: WireRecord[]): void {
    const t = this.inOrder(rec, s);
    const price = rec.price as number;
    const amount = rec.amount as number;
    const bars = this.options.bars;
    if (bars === undefined) {
      const bar = this.bucketBar(rec, s, t, out);
      bar.addPrices(t, price, price, price, price);
      bar.addTrade(price, amount, rec.side === 'buy');
      return;
    }
    s.bar ??= new Bar(String(rec.exchange), String(rec.symbol), Number.NaN, Number.NaN);
    const bar = s.bar;
    bar.addPrices(t, price, price, price, price);
    bar.addTrade(price, amount, rec.side === 'buy');
    const reached =
      bars.kind === 'ticks' ? bar.trades : bars.kind === 'volume' ? bar.volume.value : bar.quoteVolume.value;
    if (reached >= bars.size) {
      this.emit(s, bar, true, out);
      s.bar = undefined;
    }
  }

  private onMid(rec: WireRecord, s: Series, out: WireRecord[]): void {
    const t = this.inOrder(rec, s);
    let mid: number | undefined;
    if (rec.type === 'quote') mid = decimalMid(rec.bid_price as number, rec.ask_price as number);
    else {
      if (s.book === undefined) {
        if (rec.snapshot !== true) {
          this.report.booksBeforeSnapshot++;
          return;
        }
        s.book = new OrderBook();
      }
      s.book.apply(rec.bids as Level[], rec.asks as Level[], rec.snapshot === true);
      const bid = s.book.bestBid();
      const ask = s.book.bestAsk();
      mid = bid === undefined || ask === undefined ? undefined : decimalMid(bid[0], ask[0]);
    }
    if (mid === undefined || !Number.isFinite(mid)) return;
    const bar = this.bucketBar(rec, s, t, out);
    bar.addPrices(t, mid, mid, mid, mid);
  }

  /** The series' bar for the bucket of `t`, closing (and with --fill, filling after) the one before. */
  private bucketBar(rec: WireRecord, s: Series, t: number, out: WireRecord[]): Bar {
    this.bucket(rec, s, t, out);
    return s.bar!;
  }

  private bucket(rec: WireRecord, s: Series, t: number, out: WireRecord[]): Bucket {
    const interval = this.options.interval!;
    const cur = s.bar;
    if (cur !== undefined && t < cur.end) return cur;
    const b = bucketOf(t, interval, this.tz);
    if (cur !== undefined) {
      // The first bucket of trades or mids is complete only if the data starts at its start.
      const complete =
        s.kind === 'candle' ? this.candleComplete(s, cur) : !s.first || cur.firstTime === cur.start;
      this.emit(s, cur, complete, out);
    }
    if (this.options.fill === 'flat' && !Number.isNaN(s.lastEnd)) {
      for (
        let g = bucketOf(s.lastEnd, interval, this.tz);
        g.start < b.start;
        g = bucketOf(g.end, interval, this.tz)
      ) {
        const f = new Bar(String(rec.exchange), String(rec.symbol), g.start, g.end);
        f.addPrices(g.start, s.lastClose, s.lastClose, s.lastClose, s.lastClose);
        out.push(f.toCandle(interval.text, this.precision, { synthetic: true }, g.start, g.end, false));
        this.report.filled++;
        this.report.bars++;
      }
    }
    s.bar = new Bar(String(rec.exchange), String(rec.symbol), b.start, b.end);
    return b;
  }

  /** A candle bucket is complete when every source candle of it is there. */
  private candleComplete(s: Series, bar: Bar): boolean {
    return bar.count === (bar.end - bar.start) / s.sourceUs;
  }

  private emit(s: Series, bar: Bar, complete: boolean, out: WireRecord[]): void {
    s.lastClose = bar.close;
    s.lastEnd = bar.end;
    s.first = false;
    if (!complete) {
      this.report.incomplete++;
      if (this.options.completeOnly) return;
    }
    const extra = complete ? {} : { complete: false };
    const bars = this.options.bars;
    const rec =
      bars !== undefined
        ? bar.toCandle(bars.text, this.precision, extra, bar.firstTime, bar.lastTime)
        : bar.toCandle(
            this.options.interval!.text,
            this.precision,
            extra,
            bar.start,
            bar.end,
            s.kind !== 'mid',
          );
    out.push(s.kind === 'mid' ? ({ ...rec, ticks: bar.count } as WireRecord) : rec);
    this.report.bars++;
  }

  /** The record's time, checked not to be older than the series' last. */
  private inOrder(rec: WireRecord, s: Series): number {
    const t = this.time(rec, 'time');
    if (t < s.last)
      throw this.error(
        rec,
        `${String(rec.type)} at ${String(rec.time)} is older than the one before; sort first (tickpipe sanitize --reorder-window N)`,
      );
    s.last = t;
    return t;
  }

  /** A validated record's `time` or `open_time` (read by the validator; both canonical). */
  private time(rec: WireRecord, field: 'time' | 'open_time'): number {
    const v = this.intake.validator;
    if (field === 'time') {
      if (v.timePrecision === 'us') this.precision = 'us';
      return v.timeUs;
    }
    // A canonical time with microseconds has 27 characters (2024-01-01T00:00:00.000000Z).
    if ((rec.open_time as string).length === 27) this.precision = 'us';
    return v.openTimeUs;
  }

  private error(rec: WireRecord, detail: string): DataError {
    return new DataError(whereOf(rec, this.options.source), detail);
  }
}

/** Resamples a stream (see Resampler). */
export function resample(input: RecordStream, resampler: Resampler): RecordStream {
  return runStage(input, resampler);
}
