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
