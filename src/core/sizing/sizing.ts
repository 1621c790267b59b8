/**
 * Sizing: the amount of an order whose intent gives none (docs/backtest.md, "Sizing"), before lot
 * rounding: `fixed-amount:A`, `fixed-notional:Q` (Q / price / contract size), `percent-equity:F`
 * (F x equity / price / contract size), `kelly:F` (F x (W - (1 - W) / R) of equity, capped at
 * `max_fraction`, 1% until 10 positions have closed with a win and a loss).
 */

import type { SizingConfig } from '../backtest/config.js';

/** The run's closed positions' results, which Kelly sizing reads. */
export class KellyStats {
  wins = 0;
  losses = 0;
  winSum = 0;
  lossSum = 0;

  record(pnl: number): void {
    if (pnl > 0) {
      this.wins++;
      this.winSum += pnl;
    } else if (pnl < 0) {
      this.losses++;
      this.lossSum -= pnl;
    }
  }

  /** The fraction of equity Kelly sizing gives: `value` x the Kelly fraction, capped. */
  fraction(value: number, cap: number): number {
    const n = this.wins + this.losses;
    if (n < 10 || this.wins === 0 || this.losses === 0) return 0.01;
    const w = this.wins / n;
    const r = this.winSum / this.wins / (this.lossSum / this.losses);
    return Math.max(0, Math.min(cap, value * (w - (1 - w) / r)));
  }
}

/**
 * The amount sized for an order at `price` on an instrument of contract size `cs`, one unit being
 * worth price x cs of the account's asset (cs / price, the base coin, for an inverse contract); NaN
 * without a price.
 */
export function sizeOrder(
  s: SizingConfig,
  kelly: KellyStats,
  price: number,
  cs: number,
  equity: () => number,
  inverse = false,
): number {
  if (!(price > 0)) return Number.NaN;
  const unit = inverse ? cs / price : price * cs;
  const value = s.value;
  switch (s.mode) {
    case 'fixed-amount':
      return value;
    case 'fixed-notional':
      return value / unit;
    case 'percent-equity':
      return (equity() * value) / unit;
    case 'kelly':
      return (equity() * kelly.fraction(value, s.max_fraction ?? 0.5)) / unit;
  }
}
