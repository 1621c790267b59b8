/**
 * One side of an L2 book: price → amount, kept in price order.
 *
 * Prices are the venue's decimals as doubles: a decimal of up to 15 significant digits and the double
 * nearest it are one-to-one, and the book never computes a price (no tick arithmetic), so a level's
 * key is exactly the price the venue sent and prints back as the same text. Amounts are the venue's
 * absolute amounts, stored as sent.
 *
 * Order is kept in a blocked sorted list: sorted blocks of at most 2 x BLOCK levels, found by binary
 * search over the blocks' last keys. An update costs O(log n + BLOCK), the best price O(1), the top N
 * levels O(N). Each block also keeps the sum of its amounts, which makes the depth within a band of
 * the mid cost O(n / BLOCK + BLOCK) instead of a walk over every level in the band:
 * - exactly, as a whole number of units of 10^-d (d = 0 to 8: the most decimal places an amount on
 *   this side has had), updated as each level changes (integer sums, so nothing drifts), while every
 *   amount is a whole number of units below 2^40: a venue's lot sizes are such decimals;
 * - otherwise (an amount with more places, or huge), as a float sum recomputed from the block's
 *   amounts when it changed, so it never drifts either. A side stays there until it is cleared.
 */

import { decimalPlaces, POW10 } from '../records/number-text.js';

const BLOCK = 64;

export type Level = [price: number, amount: number];

interface Block {
  /** Ascending keys: the price for asks, minus the price for bids (so the best comes first). */
  keys: number[];
  amounts: number[];
  /** The sum of `amounts` in the side's units (while the side is exact). */
  units: number;
  /** The sum of `amounts`, or NaN when it must be recomputed (it is, when next asked for; inexact sides). */
  sum: number;
}

/** The largest amount an exact side takes, in its units: a block's sum (128 of them) stays below 2^47. */
const MAX_UNITS = 2 ** 40;
/** The most decimal places an exact side takes. */
const MAX_PLACES = 8;

/** The block's sum, recomputed from its amounts when it changed (so it never drifts). */
function sumOf(b: Block): number {
  if (Number.isNaN(b.sum)) {
    let s = 0;
    const a = b.amounts;
    for (let i = 0; i < a.length; i++) s += a[i]!;
    b.sum = s;
  }
  return b.sum;
}

function resum(b: Block): void {
  b.sum = Number.NaN;
}

/** Index of the first element >= key; the front is checked first (most updates are at the top). */
function lowerBound(a: number[], key: number): number {
  if (!(a[0]! < key)) return 0;
  let lo = 1;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class BookSide {
  private blocks: Block[] = [];
  private count = 0;
  private readonly sign: 1 | -1;
  /** True while every amount is a whole number of units (block sums exact, in `units`). */
  private exact = true;
  /** The sum of every block's `units` (while exact). */
  private units = 0;
  /** Decimal places of the units, and 10^places. */
  private places = 0;
  private scale = 1;

  constructor(readonly side: 'bids' | 'asks') {
    this.sign = side === 'bids' ? -1 : 1;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.blocks = [];
    this.count = 0;
    this.exact = true;
    this.units = 0;
    this.places = 0;
    this.scale = 1;
  }

  /** An amount in units; only while exact, and for amounts already admitted. */
  private unitsOf(amount: number): number {
    return Math.round(amount * this.scale);
  }

  /**
   * A new amount in units, keeping the side exact when it can: finer units when the amount has more
   * places (every block's sum converted); else the side goes to float sums for good (until
   * cleared) and this returns 0.
   */
  private admit(amount: number): number {
    const u = Math.round(amount * this.scale);
    if (u / this.scale === amount && u <= MAX_UNITS) return u;
    const d = decimalPlaces(amount);
    if (d > this.places && d <= MAX_PLACES) {
      const v = Math.round(amount * POW10[d]!);
      if (v <= MAX_UNITS && this.rescale(d)) return v;
    }
    this.exact = false;
    return 0;
  }

  /** Units of 10^-d: every block's sum converted; false when an amount would be too large. */
  private rescale(d: number): boolean {
    const p = POW10[d]!;
    let total = 0;
    for (const b of this.blocks) {
      let units = 0;
      for (let j = 0; j < b.amounts.length; j++) {
        const v = Math.round(b.amounts[j]! * p);
        if (v > MAX_UNITS) return false;
        units += v;
      }
      b.units = units;
      total += units;
    }
    this.units = total;
    this.places = d;
    this.scale = p;
    return true;
  }

  /** A block's sum in units, from its amounts (a new block). */
  private unitsSum(b: Block): number {
    let units = 0;
    if (this.exact) for (let j = 0; j < b.amounts.length; j++) units += this.unitsOf(b.amounts[j]!);
    return units;
  }

  /** Index of the first block whose last key is >= key (blocks.length if none). */
  private findBlock(key: number): number {
    const blocks = this.blocks;
    // The first block first: most updates are near the top of the book.
    const first = blocks[0]?.keys;
    if (first === undefined || first[first.length - 1]! >= key) return 0;
    // Then the last (the far end of the book, where levels come and go as the price moves).
    const n = blocks.length;
    const last = blocks[n - 1]!.keys;
    if (last[0]! <= key) return last[last.length - 1]! < key ? n : n - 1;
    let lo = 1;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = blocks[mid]!.keys;
      if (k[k.length - 1]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  amount(price: number): number | undefined {
    const key = this.sign * price;
    const b = this.blocks[this.findBlock(key)];
    if (b === undefined) return undefined;
    const j = lowerBound(b.keys, key);
    return b.keys[j] === key ? b.amounts[j] : undefined;
  }

  /** Sets a level's absolute amount; 0 removes it (removing an unknown level is a no-op). */
  set(price: number, amount: number): void {
    const key = this.sign * price;
    const blocks = this.blocks;
    let i = this.findBlock(key);
    if (amount === 0) {
      const b = blocks[i];
      if (b === undefined) return;
      const j = lowerBound(b.keys, key);
      if (b.keys[j] !== key) return;
      if (this.exact) {
        const units = this.unitsOf(b.amounts[j]!);
        b.units -= units;
        this.units -= units;
      }
      // At either end of a block without splice (which allocates the removed elements and always
      // moves the rest): V8 trims an array's front in place, and pop is O(1).
      if (j === 0) {
        b.keys.shift();
        b.amounts.shift();
      } else if (j === b.keys.length - 1) {
        b.keys.pop();
        b.amounts.pop();
      } else {
        b.keys.splice(j, 1);
        b.amounts.splice(j, 1);
      }
      this.count--;
      if (b.keys.length === 0) blocks.splice(i, 1);
      else resum(b);
      return;
    }
    const units = this.exact ? this.admit(amount) : 0;
    this.units += units;
    if (blocks.length === 0) {
      blocks.push({ keys: [key], amounts: [amount], units, sum: amount });
      this.count++;
      return;
    }
    if (i === blocks.length) i--;
    const b = blocks[i]!;
    const j = lowerBound(b.keys, key);
    if (b.keys[j] === key) {
      if (this.exact) {
        const old = this.unitsOf(b.amounts[j]!);
        b.units += units - old;
        this.units -= old;
      }
      b.amounts[j] = amount;
      resum(b);
      return;
    }
    b.units += units;
    if (j === b.keys.length) {
      b.keys.push(key);
      b.amounts.push(amount);
    } else if (j === 0) {
      b.keys.unshift(key);
      b.amounts.unshift(amount);
    } else {
      b.keys.splice(j, 0, key);
      b.amounts.splice(j, 0, amount);
    }
    this.count++;
    if (b.keys.length > 2 * BLOCK) {
      const next: Block = { keys: b.keys.splice(BLOCK), amounts: b.amounts.splice(BLOCK), units: 0, sum: 0 };
      next.units = this.unitsSum(next);
      b.units -= next.units;
      resum(next);
      blocks.splice(i + 1, 0, next);
    }
    resum(b);
  }

  /** The best price, or undefined when the side is empty. */
  bestPrice(): number | undefined {
    const b = this.blocks[0];
    return b === undefined ? undefined : this.sign * b.keys[0]!;
  }

  /** The best level's amount, or NaN when the side is empty. */
  bestAmount(): number {
    const b = this.blocks[0];
    return b === undefined ? Number.NaN : b.amounts[0]!;
  }

  best(): Level | undefined {
    const b = this.blocks[0];
    return b === undefined ? undefined : [this.sign * b.keys[0]!, b.amounts[0]!];
  }

  /** The best `n` levels, best first. */
  top(n: number): Level[] {
    const out: Level[] = [];
    for (const b of this.blocks) {
      for (let j = 0; j < b.keys.length; j++) {
        if (out.length >= n) return out;
        out.push([this.sign * b.keys[j]!, b.amounts[j]!]);
      }
    }
    return out;
  }

  /** The sum of the best `n` amounts. */
  topVolume(n: number): number {
    let left = n;
    let s = 0;
    for (const b of this.blocks) {
      const a = b.amounts;
      for (let j = 0; j < a.length; j++) {
        if (left-- <= 0) return s;
        s += a[j]!;
      }
    }
    return s;
  }

  /** The total amount at prices no worse than `limit` (at or above it for bids, at or below for asks). */
  volumeTo(limit: number): number {
    const k = this.sign * limit;
    if (this.exact) {
      // Whole units: the sum is exact (below 2^53 for any book of fewer than 8,192 maximal
      // amounts), and one division gives the double nearest the decimal.
      // A band that takes in the whole side (a wide one, or a thin book) is the side's total.
      const blocks = this.blocks;
      const last = blocks[blocks.length - 1]?.keys;
      if (last === undefined) return 0;
      if (last[last.length - 1]! <= k && this.units <= Number.MAX_SAFE_INTEGER)
        return this.units / this.scale;
      let units = 0;
      for (const b of blocks) {
        if (b.keys[b.keys.length - 1]! <= k) {
          units += b.units;
          continue;
        }
        for (let j = 0; j < b.keys.length && b.keys[j]! <= k; j++) units += this.unitsOf(b.amounts[j]!);
        break;
      }
      if (units <= Number.MAX_SAFE_INTEGER) return units / this.scale;
    }
    let s = 0;
    for (const b of this.blocks) {
      if (b.keys[b.keys.length - 1]! <= k) {
        s += sumOf(b);
        continue;
      }
      for (let j = 0; j < b.keys.length && b.keys[j]! <= k; j++) s += b.amounts[j]!;
      break;
    }
    return s;
  }

  /** The levels from the best while `keep(price)` holds. */
  *whileFromBest(keep: (price: number) => boolean): Generator<Level> {
    for (const b of this.blocks) {
      for (let j = 0; j < b.keys.length; j++) {
        const p = this.sign * b.keys[j]!;
        if (!keep(p)) return;
        yield [p, b.amounts[j]!];
      }
    }
  }

  /** Checks order, counts and block sums (tests). */
  check(): void {
    let prev = Number.NEGATIVE_INFINITY;
    let n = 0;
    let total = 0;
    for (const b of this.blocks) {
      if (b.keys.length === 0 || b.keys.length !== b.amounts.length) throw new Error('bad block');
      let s = 0;
      for (let j = 0; j < b.keys.length; j++) {
        if (!(b.keys[j]! > prev)) throw new Error('keys out of order');
        prev = b.keys[j]!;
        s += b.amounts[j]!;
        n++;
      }
      if (!Number.isNaN(b.sum) && s !== b.sum) throw new Error('block sum drifted');
      if (this.exact && b.units !== this.unitsSum(b)) throw new Error('block units drifted');
      total += b.units;
    }
    if (this.exact && total !== this.units) throw new Error('side units drifted');
    if (n !== this.count) throw new Error('count mismatch');
  }
}
