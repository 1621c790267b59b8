/**
 * Whether the strategy may open risk: trading enabled (by `trading_state` records, or disabled by
 * the daily loss limit until the next UTC day) and the venues whose data is marked disconnected
 * (by `disconnect` records, until their data resumes).
 */

import { money } from '../backtest/money.js';
import { US_PER_DAY } from '../records/time.js';

export class TradingState {
  enabled = true;
  private disabledUntilUs = Number.NEGATIVE_INFINITY;
  private dayStartEquity = Number.NaN;
  private day = Number.NaN;
  /** `exchange` or `exchange:symbol`. */
  readonly venuesDown = new Set<string>();

  constructor(private readonly dailyLossLimitPercent: number | undefined) {}

  /** Set by a `trading_state` record. */
  set(enabled: boolean): void {
    this.enabled = enabled;
    this.disabledUntilUs = Number.NEGATIVE_INFINITY;
  }

  /** True when the clock reached the end of a daily-loss pause (trading is enabled again). */
  resumes(nowUs: number): boolean {
    if (this.enabled || this.disabledUntilUs === Number.NEGATIVE_INFINITY || nowUs < this.disabledUntilUs)
      return false;
    this.enabled = true;
    this.disabledUntilUs = Number.NEGATIVE_INFINITY;
    return true;
  }

  /** Checks the daily loss limit on a new equity figure; returns the reason when it disables trading. */
  dailyLoss(us: number, equity: number): string | undefined {
    const limit = this.dailyLossLimitPercent;
    if (limit === undefined) return undefined;
    const day = Math.floor(us / US_PER_DAY);
    if (day !== this.day) {
      this.day = day;
      this.dayStartEquity = equity;
    }
    if (!this.enabled || !(equity < this.dayStartEquity * (1 - limit / 100))) return undefined;
    this.enabled = false;
    this.disabledUntilUs = (day + 1) * US_PER_DAY;
    return `daily loss limit: equity ${money(equity)} is more than ${limit}% below the day's start (${money(this.dayStartEquity)})`;
  }

  venueDown(exchange: string, key: string): boolean {
    return this.venuesDown.size > 0 && (this.venuesDown.has(exchange) || this.venuesDown.has(key));
  }

  /** Data from a venue marked disconnected means it resumed. */
  resumed(exchange: unknown, symbol: unknown): void {
    if (this.venuesDown.size === 0) return;
    this.venuesDown.delete(String(exchange));
    this.venuesDown.delete(`${String(exchange)}:${String(symbol)}`);
  }
}
