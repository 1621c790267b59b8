/**
 * Rolling median and median absolute deviation (MAD) over the last `size` values.
 *
 * Kept as a sorted array beside a ring of arrival order: an update is a binary search plus a small
 * memmove, O(size), and the MAD is read off the sorted values by merging the deviations below and
 * above the median (both already sorted), O(size). For the window sizes a spike filter uses (tens to
 * a few hundred values) this beats heap-based schemes.
 */
export class RollingMad {
  private readonly ring: number[] = [];
  private readonly sorted: number[] = [];
  private head = 0;

  constructor(readonly size: number) {}

  get full(): boolean {
    return this.ring.length === this.size;
  }

  push(x: number): void {
    if (this.ring.length < this.size) {
      this.ring.push(x);
    } else {
      const old = this.ring[this.head]!;
      this.ring[this.head] = x;
      this.head = (this.head + 1) % this.size;
      this.sorted.splice(this.lowerBound(old), 1);
    }
    this.sorted.splice(this.lowerBound(x), 0, x);
  }

  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Moves every value by `delta` (re-centres the window on a new level, keeping its dispersion). */
  shift(delta: number): void {
    for (let i = 0; i < this.ring.length; i++) this.ring[i]! += delta;
    for (let i = 0; i < this.sorted.length; i++) this.sorted[i]! += delta;
  }

  median(): number {
    const s = this.sorted;
    const n = s.length;
    if (n === 0) return Number.NaN;
    const h = n >>> 1;
    return n % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
  }

  /** Median of |x - median| over the window. */
  mad(): number {
    const s = this.sorted;
    const n = s.length;
    if (n === 0) return Number.NaN;
    const m = this.median();
    // Deviations below the median, nearest first, are m - s[i] for i = split-1 down to 0; above it,
    // s[j] - m for j = split up. Merge them to the middle.
    let j = this.lowerBound(m);
    let i = j - 1;
    const take = (): number => {
      const left = i >= 0 ? m - s[i]! : Number.POSITIVE_INFINITY;
      const right = j < n ? s[j]! - m : Number.POSITIVE_INFINITY;
      if (left <= right) {
        i--;
        return left;
      }
      j++;
      return right;
    };
    const h = n >>> 1;
    let prev = 0;
    for (let k = 0; k < h; k++) prev = take();
    const cur = take();
    return n % 2 === 1 ? cur : (prev + cur) / 2;
  }
}
