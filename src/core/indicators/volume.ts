/** Volume-weighted indicators. */

import { ExactSum } from './exact-sum.js';
import { Window } from './window.js';

/**
 * Volume-weighted average price: sum(price * volume) / sum(volume), cumulative, or over the last `n`
 * values when a period is given. For candles the price is the typical price (high + low + close) / 3.
 */
export class VWAP {
  private readonly pv: Window | undefined;
  private readonly v: Window | undefined;
  private readonly sumPv = new ExactSum();
  private readonly sumV = new ExactSum();
  value: number | undefined;

  constructor(readonly period?: number) {
    if (period !== undefined) {
      this.pv = new Window(period);
      this.v = new Window(period);
    }
  }

  update(price: number, volume: number): number | undefined {
    let spv: number;
    let sv: number;
    if (this.pv !== undefined && this.v !== undefined) {
      this.pv.push(price * volume);
      this.v.push(volume);
      spv = this.pv.sum;
      sv = this.v.sum;
    } else {
      this.sumPv.add(price * volume);
      this.sumV.add(volume);
      spv = this.sumPv.value;
      sv = this.sumV.value;
    }
    this.value = sv > 0 ? spv / sv : this.value;
    return this.value;
  }
}

/** On-balance volume: + volume on a higher close, - volume on a lower one, cumulative from 0. Valid from the second candle. */
export class OBV {
  private prev: number | undefined;
  private readonly total = new ExactSum();
  value: number | undefined;

  update(close: number, volume: number): number | undefined {
    const prev = this.prev;
    this.prev = close;
    if (prev === undefined) return undefined;
    if (close > prev) this.total.add(volume);
    else if (close < prev) this.total.add(-volume);
    this.value = this.total.value;
    return this.value;
  }
}

/** The money flow multiplier ((close - low) - (high - close)) / (high - low), 0 for no range. */
function moneyFlowMultiplier(high: number, low: number, close: number): number {
  const range = high - low;
  return range === 0 ? 0 : (close - low - (high - close)) / range;
}

/** Accumulation/distribution line: the running sum of multiplier x volume. */
export class AccumulationDistribution {
  private readonly total = new ExactSum();
  value: number | undefined;

  update(high: number, low: number, close: number, volume: number): number {
    this.total.add(moneyFlowMultiplier(high, low, close) * volume);
    this.value = this.total.value;
    return this.value;
  }
}

/** Chaikin money flow: sum(multiplier x volume) / sum(volume) over n candles (0 with no volume). */
export class CMF {
  private readonly mfv: Window;
  private readonly vol: Window;
  value: number | undefined;

  constructor(readonly period = 20) {
    this.mfv = new Window(period);
    this.vol = new Window(period);
  }

  update(high: number, low: number, close: number, volume: number): number | undefined {
    this.mfv.push(moneyFlowMultiplier(high, low, close) * volume);
    this.vol.push(volume);
    if (!this.vol.full) return undefined;
    const v = this.vol.sum;
    this.value = v === 0 ? 0 : this.mfv.sum / v;
    return this.value;
  }
}

/**
 * Money flow index: typical price tp = (high + low + close) / 3, raw flow tp x volume, positive when tp
 * rose from the previous candle, negative when it fell; MFI = 100 positive / (positive + negative) over
 * the last n flows (50 when both are 0). Valid after n + 1 candles.
 */
export class MFI {
  private prevTp: number | undefined;
  private readonly pos: Window;
  private readonly neg: Window;
  value: number | undefined;

  constructor(readonly period = 14) {
    this.pos = new Window(period);
    this.neg = new Window(period);
  }

  update(high: number, low: number, close: number, volume: number): number | undefined {
    const tp = (high + low + close) / 3;
    const prev = this.prevTp;
    this.prevTp = tp;
    if (prev === undefined) return undefined;
    const flow = tp * volume;
    this.pos.push(tp > prev ? flow : 0);
    this.neg.push(tp < prev ? flow : 0);
    if (!this.pos.full) return undefined;
    const p = this.pos.sum;
    const total = p + this.neg.sum;
    this.value = total === 0 ? 50 : (100 * p) / total;
    return this.value;
  }
}
