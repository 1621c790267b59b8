/** The account's balances by (exchange, asset); a balance is created (at zero) on first use. */

import { ZERO } from '../backtest/exact.js';
import type { Instrument } from '../market/instrument.js';
import { Balance } from './balance.js';

export class Balances {
  /** The balances by exchange, then asset: a lookup builds no key string. */
  private readonly byVenue = new Map<string, Map<string, Balance>>();
  /** Bumped when a balance is created (equity marking plans depend on the set). */
  version = 0;
  /** The balances in the order they were created (marks/equity.ts takes in only the new ones). */
  readonly list: Balance[] = [];

  get size(): number {
    return this.list.length;
  }

  /** The balance, created at zero when new. */
  of(exchange: string, asset: string): Balance {
    let venue = this.byVenue.get(exchange);
    if (venue === undefined) {
      venue = new Map();
      this.byVenue.set(exchange, venue);
    }
    let b = venue.get(asset);
    if (b === undefined) {
      b = new Balance(exchange, asset, ZERO);
      venue.set(asset, b);
      this.list.push(b);
      this.version++;
    }
    return b;
  }

  /**
   * The balance of an instrument's quote asset, remembered on the instrument: the fill path asks
   * for it several times per fill, and over 100,000 symbols a lookup in maps that large costs more
   * than the rest of the fill's bookkeeping. (Balances are never removed, so what was looked up stays.)
   */
  quoteOf(inst: Instrument): Balance {
    return this.ofInstrument(inst, true);
  }

  /** The balance of an instrument's base asset, remembered on the instrument (as quoteOf). */
  baseOf(inst: Instrument): Balance {
    return this.ofInstrument(inst, false);
  }

  /** The balance its account is kept in: the base coin's for an inverse contract, else the quote's. */
  settleOf(inst: Instrument): Balance {
    return inst.settle === inst.quote
      ? this.quoteOf(inst)
      : inst.settle === inst.base
        ? this.baseOf(inst)
        : this.of(inst.exchange, inst.settle);
  }

  /** The quote or base balance of `inst`, looked up once (an instrument of another run forgets its own). */
  private ofInstrument(inst: Instrument, quote: boolean): Balance {
    if (inst.balancesOf !== this) {
      inst.balancesOf = this;
      inst.quoteBal = undefined;
      inst.baseBal = undefined;
    }
    const hit = quote ? inst.quoteBal : inst.baseBal;
    if (hit !== undefined) return hit;
    const b = this.of(inst.exchange, quote ? inst.quote : inst.base);
    if (quote) inst.quoteBal = b;
    else inst.baseBal = b;
    return b;
  }

  /** The balance if it exists. */
  find(exchange: string, asset: string): Balance | undefined {
    return this.byVenue.get(exchange)?.get(asset);
  }

  /** Every balance, in the order they were created. */
  all(): IterableIterator<Balance> {
    return this.list.values();
  }
}
