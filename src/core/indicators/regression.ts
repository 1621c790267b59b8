/** Two series: the rolling regression slope. */

import { Window } from './window.js';

/**
 * Rolling ordinary-least-squares slope of y on x over the last `n` pairs (the hedge ratio of a pair):
 * beta = cov(x, y) / var(x), with the intercept alpha = mean(y) - beta * mean(x).
 */
export class RollingBeta {
  private readonly xs: Window;
  private readonly ys: Window;
  private readonly xy: Window;
  value: { beta: number; alpha: number } | undefined;

  constructor(readonly period: number) {
    this.xs = new Window(period, true);
    this.ys = new Window(period);
    this.xy = new Window(period);
  }

  update(x: number, y: number): { beta: number; alpha: number } | undefined {
    this.xs.push(x);
    this.ys.push(y);
    this.xy.push(x * y);
    if (!this.xs.full) return undefined;
    const n = this.period;
    const mx = this.xs.sum / n;
    const my = this.ys.sum / n;
    const varX = this.xs.sumSq / n - mx * mx;
    const cov = this.xy.sum / n - mx * my;
    if (!(varX > 1e-12 * (mx * mx + 1e-300))) {
      this.value = undefined;
      return undefined;
    }
    const beta = cov / varX;
    this.value = { beta, alpha: my - beta * mx };
    return this.value;
  }
}
