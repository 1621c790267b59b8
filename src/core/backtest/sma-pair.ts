/**
 * Two simple moving averages of one series (sma-cross's fast and slow), the same doubles two `SMA`s
 * (indicators/averages.ts, Window.mean) give, computed in integers: prices on a decimal grid of at
 * most MAX_PLACES places are held as integer counts of 10^-D (D the most places seen), so each
 * window's sum is an exact integer kept by adding the value that comes and subtracting the one
 * that leaves, and a mean is one correctly rounded division. Window.mean gives the double nearest
 * the exact decimal mean in that case too (it rounds the exactly rounded double sum back to the
 * grid), under bounds this keeps: below, the grid path is taken only where both agree.
 *
 * Why they agree: with K the window's sum in units of 10^-d (d the most places in the window) and
 * Σ|k| below 2^49, the double sum Window rounds is within 3·2^-53·Σ|k| < 0.19 units of K, so it
 * rounds to K, inside its 0.25 check and its 2^51 bound; with count·10^d below 2^53, both divide
 * the same exact integers. Anything else (a value off the grid, one too large, a sum too large)
 * switches the pair for good to two real `SMA`s, fed the values still in the windows first, so from
 * then on it is those SMAs.
 */

import { decimalPlaces, MAX_PLACES, NO_GRID, POW10 } from '../indicators/exact-sum.js';
import { SMA } from '../indicators/index.js';
import { checkPeriod } from '../indicators/window.js';

/** One window's integer sum and the decimal places of the values in it. */
class GridWindow {
  count = 0;
  /** The sum and the sum of magnitudes of the values, in units of 10^-D (exact integers). */
  sum = 0;
  abs = 0;
  readonly places = new Uint32Array(MAX_PLACES + 2);

  constructor(readonly n: number) {}

  add(u: number, d: number): void {
    this.sum += u;
    this.abs += Math.abs(u);
    this.places[d]!++;
    this.count++;
  }

  remove(u: number, d: number): void {
    this.sum -= u;
    this.abs -= Math.abs(u);
    this.places[d]!--;
    this.count--;
  }

  /** The mean (units of 10^-D, `scale` = 10^D), or NaN where the integers cannot vouch for it. */
  mean(D: number): number {
    if (this.places[NO_GRID] !== 0 || !(this.abs < 2 ** 49)) return Number.NaN;
    let d = MAX_PLACES;
    while (d > 0 && this.places[d] === 0) d--;
    const scale = POW10[d]!;
    if (!(this.count * scale < 2 ** 53)) return Number.NaN;
    // The sum in units of 10^-d: every value is a whole number of them, so the division is exact.
    const units = this.sum / POW10[D - d]!;
    return units / (this.count * scale);
  }
}

export class SmaPair {
  /** The last max(fast, slow) values and their places, a ring. */
  private readonly values: Float64Array;
  private readonly units: Float64Array;
  private readonly placesOf: Uint8Array;
  private next = 0;
  private seen = 0;
  /** The places the units count (10^-D). */
  private D = 0;
  private readonly f: GridWindow;
  private readonly s: GridWindow;
  /** The two SMAs, once the grid could not vouch for a mean. */
  private reference: { f: SMA; s: SMA } | undefined;
  fast: number | undefined;
  slow: number | undefined;

  constructor(fast: number, slow: number) {
    checkPeriod(fast, 'an indicator window');
    checkPeriod(slow, 'an indicator window');
    const n = Math.max(fast, slow);
    this.values = new Float64Array(n);
    this.units = new Float64Array(n);
    this.placesOf = new Uint8Array(n);
    this.f = new GridWindow(fast);
    this.s = new GridWindow(slow);
  }

  /** Adds a value; `fast` and `slow` are then the two averages (undefined while a window fills). */
  update(x: number): void {
    let r = this.reference;
    if (r === undefined) {
      this.updateGrid(x);
      r = this.reference;
      // (Switching fed the SMAs every value up to and including x.)
      if (r === undefined) return;
    } else {
      r.f.update(x);
      r.s.update(x);
    }
    this.fast = r.f.value;
    this.slow = r.s.value;
  }

  private updateGrid(x: number): void {
    const n = this.values.length;
    const d = decimalPlaces(x);
    let u = 0;
    // Sums of up to n + 1 counts below this bound stay exact integers.
    const bound = 2 ** 53 / (n + 1);
    let exact = d !== NO_GRID;
    if (exact) {
      if (d > this.D) exact = this.rescale(d, bound);
      u = Math.round(x * POW10[d]!) * POW10[this.D - d]!;
      if (!(Math.abs(u) < bound)) exact = false;
    }
    const at = this.next;
    // (The windows first: the value leaving the longer one is in slot `at` until it is written.)
    if (exact) {
      this.slide(this.f, at, u, d);
      this.slide(this.s, at, u, d);
    }
    this.values[at] = x;
    this.units[at] = u;
    this.placesOf[at] = d;
    this.next = at + 1 === n ? 0 : at + 1;
    this.seen++;
    if (exact) {
      this.fast = this.f.count === this.f.n ? this.f.mean(this.D) : undefined;
      this.slow = this.s.count === this.s.n ? this.s.mean(this.D) : undefined;
      exact = !Number.isNaN(this.fast as number) && !Number.isNaN(this.slow as number);
    }
    if (!exact) this.switchToReference();
  }

  /** Adds the value at ring slot `at` to window `w`, and takes out the one that leaves it. */
  private slide(w: GridWindow, at: number, u: number, d: number): void {
    if (w.count === w.n) {
      const n = this.values.length;
      const out = (at - w.n + n) % n;
      w.remove(this.units[out]!, this.placesOf[out]!);
    }
    w.add(u, d);
  }

  /**
   * Counts units of 10^-d from now on (d > D): every held count times 10^(d - D). False when one
   * grows past `bound` (the pair then switches to the SMAs).
   */
  private rescale(d: number, bound: number): boolean {
    const k = POW10[d - this.D]!;
    const held = Math.min(this.seen, this.values.length);
    let exact = true;
    for (let i = 0; i < held; i++) {
      const u = this.units[i]! * k;
      this.units[i] = u;
      if (!(Math.abs(u) < bound)) exact = false;
    }
    for (const w of [this.f, this.s]) {
      w.sum *= k;
      w.abs *= k;
    }
    this.D = d;
    return exact;
  }

  /**
   * From now on two real SMAs, fed the values seen that are still in the windows (the last one
   * included), oldest first.
   */
  private switchToReference(): void {
    const r = { f: new SMA(this.f.n), s: new SMA(this.s.n) };
    const n = this.values.length;
    const held = Math.min(this.seen, n);
    for (let i = held; i > 0; i--) {
      const x = this.values[(this.next - i + n) % n]!;
      r.f.update(x);
      r.s.update(x);
    }
    this.reference = r;
  }
}
