/** Trend strength and direction: ADX with the directional indicators, Parabolic SAR. */

import { WilderAverage } from './averages.js';
import { ATR, trueRange } from './volatility.js';

export interface AdxValue {
  adx: number;
  /** +DI and -DI, in percent. */
  pdi: number;
  mdi: number;
}

/**
 * Average directional index (Wilder): +DM = high - previous high when that is above zero and above
 * previous low - low, else 0 (-DM the mirror); +DM, -DM and the true range Wilder-smoothed over n
 * (the first candle contributes 0 movement and high - low); +DI = 100 smoothed +DM / ATR, -DI alike;
 * DX = 100 |+DI - -DI| / (+DI + -DI); ADX = the Wilder average of DX over n. Valid after 2n - 1 candles.
 */
export class ADX {
  private prevHigh = Number.NaN;
  private prevLow = Number.NaN;
  private readonly atr: ATR;
  private readonly up: WilderAverage;
  private readonly down: WilderAverage;
  private readonly avg: WilderAverage;
  value: AdxValue | undefined;

  constructor(readonly period = 14) {
    this.atr = new ATR(period);
    this.up = new WilderAverage(period);
    this.down = new WilderAverage(period);
    this.avg = new WilderAverage(period);
  }

  update(high: number, low: number, close: number): AdxValue | undefined {
    let pdm = 0;
    let mdm = 0;
    if (!Number.isNaN(this.prevHigh)) {
      const upMove = high - this.prevHigh;
      const downMove = this.prevLow - low;
      pdm = upMove > 0 && upMove > downMove ? upMove : 0;
      mdm = downMove > 0 && downMove > upMove ? downMove : 0;
    }
    this.prevHigh = high;
    this.prevLow = low;
    const tr = this.atr.update(high, low, close);
    const p = this.up.update(pdm);
    const m = this.down.update(mdm);
    if (tr === undefined || p === undefined || m === undefined || tr === 0) return undefined;
    const pdi = (100 * p) / tr;
    const mdi = (100 * m) / tr;
    const dx = pdi + mdi === 0 ? 0 : (100 * Math.abs(pdi - mdi)) / (pdi + mdi);
    const adx = this.avg.update(dx);
    this.value = adx === undefined ? undefined : { adx, pdi, mdi };
    return this.value;
  }
}

/**
 * Parabolic SAR (Wilder), step 0.02 up to 0.2 by default. The second candle sets the trend (long when
 * its midpoint (high + low) / 2 is at or above the first's), the SAR at the extreme of the two candles
 * against it, and the extreme point (EP) at the extreme with it. Then each candle: SAR += AF (EP - SAR),
 * kept outside the previous two candles' range; a candle that reaches the SAR reverses the trend (SAR
 * = the old EP, EP = the candle's extreme, AF = step); a new extreme raises AF by step, up to max.
 * The value is the SAR in force for the candle just given. Valid from the second candle.
 */
export class ParabolicSAR {
  private long = true;
  private sar = Number.NaN;
  private ep = Number.NaN;
  private af = 0;
  private h1 = Number.NaN;
  private l1 = Number.NaN;
  private h2 = Number.NaN;
  private l2 = Number.NaN;
  private seen = 0;
  value: number | undefined;

  constructor(
    readonly step = 0.02,
    readonly max = 0.2,
  ) {
    if (!(step > 0) || !(max >= step))
      throw new RangeError(`Parabolic SAR needs 0 < step <= max, found ${step}, ${max}`);
  }

  update(high: number, low: number): number | undefined {
    this.seen++;
    if (this.seen === 1) {
      this.h1 = high;
      this.l1 = low;
      return undefined;
    }
    if (this.seen === 2) {
      this.long = (high + low) / 2 >= (this.h1 + this.l1) / 2;
      this.sar = this.long ? Math.min(low, this.l1) : Math.max(high, this.h1);
      this.ep = this.long ? Math.max(high, this.h1) : Math.min(low, this.l1);
      this.af = this.step;
    } else {
      let sar = this.sar + this.af * (this.ep - this.sar);
      if (this.long) {
        sar = Math.min(sar, this.l1, this.l2);
        if (low <= sar) {
          this.long = false;
          sar = this.ep;
          this.ep = low;
          this.af = this.step;
        } else if (high > this.ep) {
          this.ep = high;
          this.af = Math.min(this.af + this.step, this.max);
        }
      } else {
        sar = Math.max(sar, this.h1, this.h2);
        if (high >= sar) {
          this.long = true;
          sar = this.ep;
          this.ep = high;
          this.af = this.step;
        } else if (low < this.ep) {
          this.ep = low;
          this.af = Math.min(this.af + this.step, this.max);
        }
      }
      this.sar = sar;
    }
    this.h2 = this.h1;
    this.l2 = this.l1;
    this.h1 = high;
    this.l1 = low;
    this.value = this.sar;
    return this.value;
  }
}

/** True range as an indicator: max(high - low, |high - previous close|, |low - previous close|). */
export class TrueRange {
  private prevClose: number | undefined;
  value: number | undefined;
  update(high: number, low: number, close: number): number {
    this.value = trueRange(high, low, this.prevClose);
    this.prevClose = close;
    return this.value;
  }
}
