/**
 * An L2 order book: two sides of absolute amounts per price, and the figures traders read off it.
 *
 * Formulas (docs/orderbook.md):
 * - mid = (best bid + best ask) / 2; spread = best ask - best bid; spread_bps = spread / mid * 10^4
 * - microprice (volume-weighted mid) = (bid price * ask amount + ask price * bid amount)
 *   / (bid amount + ask amount)
 * - imbalance over the top N levels = (bid volume - ask volume) / (bid volume + ask volume)
 * - depth within B bps: the amount on each side at prices within B bps of the mid
 */

import { BookSide, type Level } from './levels.js';

export type { Level } from './levels.js';

export class OrderBook {
  readonly bids = new BookSide('bids');
  readonly asks = new BookSide('asks');

  /**
   * Applies levels: a snapshot replaces the book; a delta sets each level's absolute amount (0 removes
   * it; removing an unknown level is normal and silent).
   */
  apply(bids: readonly Level[], asks: readonly Level[], snapshot = false): void {
    if (snapshot) {
      this.bids.clear();
      this.asks.clear();
    }
    for (let i = 0; i < bids.length; i++) {
      const l = bids[i]!;
      this.bids.set(l[0], l[1]);
    }
    for (let i = 0; i < asks.length; i++) {
      const l = asks[i]!;
      this.asks.set(l[0], l[1]);
    }
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  bestBid(): Level | undefined {
    return this.bids.best();
  }

  bestAsk(): Level | undefined {
    return this.asks.best();
  }

  /** True when the best bid is above the best ask (a locked book, equal prices, is not crossed). */
  crossed(): boolean {
    const b = this.bids.bestPrice();
    const a = this.asks.bestPrice();
    return b !== undefined && a !== undefined && b > a;
  }

  /**
   * Removes the `stale` side's levels that cross the other side's best price (as tardis does after an
   * update that crossed the book: the side that was not just updated is the stale one). Returns how
   * many levels were removed.
   */
  uncross(stale: 'bids' | 'asks'): number {
    const fresh = stale === 'bids' ? this.asks.bestPrice() : this.bids.bestPrice();
    if (fresh === undefined) return 0;
    const side = stale === 'bids' ? this.bids : this.asks;
    const crossing = [...side.whileFromBest((p) => (stale === 'bids' ? p > fresh : p < fresh))];
    for (const [p] of crossing) side.set(p, 0);
    return crossing.length;
  }

  mid(): number | undefined {
    const b = this.bids.bestPrice();
    const a = this.asks.bestPrice();
    return b === undefined || a === undefined ? undefined : (b + a) / 2;
  }

  microprice(): number | undefined {
    const b = this.bids.best();
    const a = this.asks.best();
    if (b === undefined || a === undefined) return undefined;
    const total = b[1] + a[1];
    return total > 0 ? (b[0] * a[1] + a[0] * b[1]) / total : undefined;
  }

  /** (bid volume - ask volume) / (bid volume + ask volume) over the top `levels` of each side. */
  imbalance(levels: number): number | undefined {
    const bid = this.bids.topVolume(levels);
    const ask = this.asks.topVolume(levels);
    return bid + ask > 0 ? (bid - ask) / (bid + ask) : undefined;
  }

  /** The amount on each side at prices within `bps` basis points of the mid. */
  depthWithin(bps: number): { bid: number; ask: number } | undefined {
    const mid = this.mid();
    if (mid === undefined) return undefined;
    return { bid: this.bidDepth(mid, bps), ask: this.askDepth(mid, bps) };
  }

  /** The bid amount at prices within `bps` basis points below `mid` (depthWithin's bid figure). */
  bidDepth(mid: number, bps: number): number {
    return this.bids.volumeTo(mid * (1 - bps / 10_000));
  }

  /** The ask amount at prices within `bps` basis points above `mid`. */
  askDepth(mid: number, bps: number): number {
    return this.asks.volumeTo(mid * (1 + bps / 10_000));
  }

  /** The top `depth` levels of each side, best first. */
  snapshot(depth: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.bids.top(depth), asks: this.asks.top(depth) };
  }
}
