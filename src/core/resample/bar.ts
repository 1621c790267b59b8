/** One bar being built: first open, max high, min low, last close, summed volumes and counts. */

import { DecimalSum } from '../indicators/exact-sum.js';
import type { WireRecord } from '../records/record.js';
import { formatTime, type TimePrecision } from '../records/time.js';

export class Bar {
  open = Number.NaN;
  high = Number.NEGATIVE_INFINITY;
  low = Number.POSITIVE_INFINITY;
  close = Number.NaN;
  /** Source records in the bar. */
  count = 0;
  firstTime = Number.NaN;
  lastTime = Number.NaN;
  readonly volume = new DecimalSum();
  readonly quoteVolume = new DecimalSum();
  readonly takerBuy = new DecimalSum();
  trades = 0;
  /** Each optional sum is written only when every source record had it. */
  hasQuoteVolume = true;
  hasTrades = true;
  hasTakerBuy = true;

  constructor(
    readonly exchange: string,
    readonly symbol: string,
    /** The bucket's start and end (time bars), or NaN for tick, volume and dollar bars. */
    readonly start: number,
    readonly end: number,
  ) {}

  /** Adds a price range: a candle's open, high, low and close, or one price four times. */
  addPrices(time: number, open: number, high: number, low: number, close: number): void {
    if (this.count === 0) {
      this.open = open;
      this.firstTime = time;
    }
    if (high > this.high) this.high = high;
    if (low < this.low) this.low = low;
    this.close = close;
    this.lastTime = time;
    this.count++;
  }

  /** A candle's optional sums (`quote_volume`, `trades`, `taker_buy_volume`) and its volume. */
  addCandleSums(rec: WireRecord): void {
    this.volume.add(rec.volume as number);
    if (typeof rec.quote_volume === 'number') this.quoteVolume.add(rec.quote_volume);
    else this.hasQuoteVolume = false;
    if (typeof rec.trades === 'number') this.trades += rec.trades;
    else this.hasTrades = false;
    if (typeof rec.taker_buy_volume === 'number') this.takerBuy.add(rec.taker_buy_volume);
    else this.hasTakerBuy = false;
  }

  /** A trade: its amount, notional and (for a taker buy) its amount again. */
  addTrade(price: number, amount: number, buy: boolean): void {
    this.volume.add(amount);
    this.quoteVolume.add(price * amount);
    this.trades++;
    if (buy) this.takerBuy.add(amount);
  }

  /**
   * The bar as a candle record. `openTime`/`closeTime` default to the bucket; `extra` fields
   * (`complete: false`, `synthetic: true`, ...) go last.
   */
  toCandle(
    interval: string,
    precision: TimePrecision,
    extra: Record<string, unknown>,
    openTime = this.start,
    closeTime = this.end,
    volumes = true,
  ): WireRecord {
    const out: Record<string, unknown> = {
      type: 'candle',
      time: formatTime(closeTime, precision),
      exchange: this.exchange,
      symbol: this.symbol,
      interval,
      open_time: formatTime(openTime, precision),
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: volumes ? this.volume.value : 0,
    };
    if (volumes) {
      if (this.hasQuoteVolume) out.quote_volume = this.quoteVolume.value;
      if (this.hasTrades) out.trades = this.trades;
      if (this.hasTakerBuy) out.taker_buy_volume = this.takerBuy.value;
    }
    return Object.assign(out, extra) as WireRecord;
  }
}
