/**
 * A balance per (exchange, asset), in exact decimals (backtest/exact.ts) with numeric shadows for
 * the per-record hot path (marking equity).
 *
 * A balance has a `total`; `free` is the total less what open orders reserve, for perpetuals the
 * margin of open positions (|amount| x entry price x contract size / leverage), and what is held
 * outside the run (a seeded balance whose `free` is below its `total`, barter's `free`).
 */

import { type Exact as Dec, ZERO } from '../backtest/exact.js';
import { flat } from '../records/text.js';

/** Told when an instrument's part of equity may have changed (marks/equity.ts keeps equity incrementally). */
export interface MarkWatcher {
  changed(slot: number): void;
}

export class Balance {
  private totalDec: Dec;
  private reservedDec: Dec = ZERO;
  private marginDec: Dec = ZERO;
  private heldDec: Dec = ZERO;
  /** free, computed on first use after a change (balances are read far more often than changed). */
  private freeDec: Dec | undefined;
  private freeNumber = Number.NaN;
  totalNum: number;

  /** Told when the total changes, with the slot it knows this balance by (a base balance it values). */
  watcher: MarkWatcher | undefined;
  watchSlot = -1;

  /** `"exchange":...,"asset":...` as JSON, for the balance records built as text. */
  readonly head: string;

  constructor(
    readonly exchange: string,
    readonly asset: string,
    total: Dec,
  ) {
    this.totalDec = total;
    this.totalNum = total.toNumber();
    this.head = flat(`"exchange":${JSON.stringify(exchange)},"asset":${JSON.stringify(asset)}`);
  }

  get total(): Dec {
    return this.totalDec;
  }

  /** What open orders hold back. */
  get reserved(): Dec {
    return this.reservedDec;
  }

  set reserved(v: Dec) {
    this.reservedDec = v;
    this.freeDec = undefined;
  }

  /** The margin of open perpetual positions. */
  get margin(): Dec {
    return this.marginDec;
  }

  set margin(v: Dec) {
    this.marginDec = v;
    this.freeDec = undefined;
  }

  /** Held outside the run: never available to orders. */
  get held(): Dec {
    return this.heldDec;
  }

  set held(v: Dec) {
    this.heldDec = v;
    this.freeDec = undefined;
  }

  get free(): Dec {
    if (this.freeDec === undefined) {
      // Only the parts that are not zero are subtracted: a difference with zero is the value itself,
      // and an account figure beyond the scaled integers (decimal.js) would pay for it.
      let f = this.totalDec;
      if (!this.reservedDec.isZero()) f = f.minus(this.reservedDec);
      if (!this.marginDec.isZero()) f = f.minus(this.marginDec);
      if (!this.heldDec.isZero()) f = f.minus(this.heldDec);
      this.freeDec = f;
      // Nothing held back (the usual case between orders): free is the total, whose number is kept.
      this.freeNumber = f === this.totalDec ? this.totalNum : f.toNumber();
    }
    return this.freeDec;
  }

  get freeNum(): number {
    if (this.freeDec === undefined) this.free;
    return this.freeNumber;
  }

  set(total: Dec): void {
    this.totalDec = total;
    this.totalNum = total.toNumber();
    this.freeDec = undefined;
    if (this.watcher !== undefined) this.watcher.changed(this.watchSlot);
  }

  add(delta: Dec): void {
    this.set(this.totalDec.plus(delta));
  }
}
