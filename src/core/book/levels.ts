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
 * levels O(N). Each block also keeps the sum of its amounts (recomputed from its levels when it
 * changes, so it never drifts), which makes the depth within a band of the mid cost O(n / BLOCK +
 * BLOCK) instead of a walk over every level in the band.
 */

const BLOCK = 64;

export type Level = [price: number, amount: number];

interface Block {
  /** Ascending keys: the price for asks, minus the price for bids (so the best comes first). */
  keys: number[];
  amounts: number[];
  /** The sum of `amounts`, or NaN when it must be recomputed (it is, when next asked for). */
  sum: number;
}

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

  constructor(readonly side: 'bids' | 'asks') {
    this.sign = side === 'bids' ? -1 : 1;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.blocks = [];
    this.count = 0;
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
    if (blocks.length === 0) {
      blocks.push({ keys: [key], amounts: [amount], sum: amount });
      this.count++;
      return;
    }
    if (i === blocks.length) i--;
    const b = blocks[i]!;
    const j = lowerBound(b.keys, key);
    if (b.keys[j] === key) {
      b.amounts[j] = amount;
      resum(b);
      return;
    }
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
      const next: Block = { keys: b.keys.splice(BLOCK), amounts: b.amounts.splice(BLOCK), sum: 0 };
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
    }
    if (n !== this.count) throw new Error('count mismatch');
  }
}
