/** Rolling maximum and minimum in O(1) amortised per value (a monotonic queue of the window). */

import { checkPeriod } from './window.js';

export class RollingExtreme {
  private readonly idx: number[] = [];
  private readonly vals: number[] = [];
  private head = 0;
  private seen = 0;

  constructor(
    readonly period: number,
    private readonly kind: 'max' | 'min',
  ) {
    checkPeriod(period, 'a rolling window');
  }

  /** Adds a value; returns the extreme of the last `period` values (of fewer while filling). */
  push(x: number): number {
    const i = this.seen++;
    const better = this.kind === 'max' ? (a: number, b: number) => a >= b : (a: number, b: number) => a <= b;
    while (this.vals.length > this.head && better(x, this.vals[this.vals.length - 1]!)) {
      this.vals.pop();
      this.idx.pop();
    }
    this.vals.push(x);
    this.idx.push(i);
    while (this.idx[this.head]! <= i - this.period) this.head++;
    if (this.head > 1024 && this.head * 2 > this.vals.length) {
      this.vals.splice(0, this.head);
      this.idx.splice(0, this.head);
      this.head = 0;
    }
    return this.vals[this.head]!;
  }

  /** How many values ago the extreme was (0 = the newest), ties going to the newest. */
  get age(): number {
    return this.seen - 1 - this.idx[this.head]!;
  }

  get full(): boolean {
    return this.seen >= this.period;
  }
}
