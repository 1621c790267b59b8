/** The account's balances by (exchange, asset); a balance is created (at zero) on first use. */

import { ZERO } from '../backtest/exact.js';
import { Balance } from './balance.js';

export class Balances {
  private readonly map = new Map<string, Balance>();
  /** The same balances by exchange, then asset: the per-fill lookup builds no key string. */
  private readonly byVenue = new Map<string, Map<string, Balance>>();
  /** Bumped when a balance is created (equity marking plans depend on the set). */
  version = 0;
  /** The balances in the order they were created (marks/equity.ts takes in only the new ones). */
  readonly list: Balance[] = [];

  get size(): number {
    return this.map.size;
  }

  /** The balance, created at zero when new. */
  of(exchange: string, asset: string): Balance {
    const hit = this.byVenue.get(exchange)?.get(asset);
    if (hit !== undefined) return hit;
    const k = `${exchange}:${asset}`;
    let b = this.map.get(k);
    if (b === undefined) {
      b = new Balance(exchange, asset, ZERO);
      this.map.set(k, b);
      this.list.push(b);
      this.version++;
    }
    let venue = this.byVenue.get(exchange);
    if (venue === undefined) {
      venue = new Map();
      this.byVenue.set(exchange, venue);
    }
    venue.set(asset, b);
    return b;
  }

  /** The balance if it exists. */
  find(exchange: string, asset: string): Balance | undefined {
    return this.map.get(`${exchange}:${asset}`);
  }

  all(): IterableIterator<Balance> {
    return this.map.values();
  }
}
