/** Returns and their dispersion. */

import { ROC } from './oscillators.js';
import { Window } from './window.js';

/** Simple return over n steps: x / x[n] - 1 (ROC under its usual name in research). */
export class Returns extends ROC {}

/** Log return over n steps: ln(x / x[n]). Valid after n + 1 values. */
export class LogReturn {
  private readonly w: Window;
  value: number | undefined;
  constructor(readonly period = 1) {
    this.w = new Window(period + 1);
  }
  update(x: number): number | undefined {
    this.w.push(x);
    const old = this.w.at(0);
    this.value = this.w.full && old > 0 && x > 0 ? Math.log(x / old) : undefined;
    return this.value;
  }
}

/** Rolling standard deviation of the last n values, sample (n - 1) by default or population. */
export class StdDev {
  private readonly w: Window;
  value: number | undefined;
  constructor(
    readonly period: number,
    readonly sample = true,
  ) {
    this.w = new Window(period, true);
  }
  update(x: number): number | undefined {
    this.w.push(x);
    if (!this.w.full) return undefined;
    const n = this.period;
    if (this.sample && n < 2) return undefined;
    const mean = this.w.sum / n;
    const ss = Math.max(0, this.w.sumSq - n * mean * mean);
    this.value = Math.sqrt(ss / (this.sample ? n - 1 : n));
    return this.value;
  }
}

/**
 * Rolling volatility: the sample standard deviation of the last n one-step log returns (not
 * annualised: multiply by sqrt(periods a year)). Valid after n + 1 values.
 */
export class RollingVolatility {
  private readonly r = new LogReturn(1);
  private readonly sd: StdDev;
  value: number | undefined;
  constructor(readonly period = 20) {
    this.sd = new StdDev(period);
  }
  update(x: number): number | undefined {
    const r = this.r.update(x);
    this.value = r === undefined ? undefined : this.sd.update(r);
    return this.value;
  }
}
