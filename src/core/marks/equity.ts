/**
 * Marks and equity (docs/execution.md, "Equity"): equity is valued in the account's quote asset:
 * the quote balances, plus per spot instrument its base balance at the last price (each asset once),
 * plus per perpetual position its unrealised PnL (amount x (last - entry) x contract size). Gross
 * exposure is the sum of |position| x last x contract size. Instruments in another quote asset, or
 * with no price yet, are not marked.
 *
 * Kept incrementally (docs/performance.md, "Scale in series"): each instrument's part of equity and
 * of exposure is remembered, and their sums are exact running sums (ExactSum: exactly rounded, so
 * the figure does not depend on the order in which parts changed, and never drifts). A call of
 * `equity()` recomputes only the parts that may have changed since the last call: the instrument of
 * the record being read (`setCurrent`: its last price moves; and the one before it, once, when it
 * changes), and those whose base balance or position changed (the balances and positions tell
 * `changed`); then it sums the quote balances (one per
 * venue). The work per call is O(1) in the number of instruments, where a full pass was O(n) (an
 * equity record per second over 100,000 symbols was most of a run). Equity is the quote cash plus
 * the exactly rounded sum of the parts; with one instrument that is the same double as summing in
 * order. Code that changes an instrument's `last` for a record of another instrument, or sets a
 * position's fields by hand, calls `touch(inst)`.
 */

import { ExactSum } from '../indicators/exact-sum.js';
import type { Instrument } from '../market/instrument.js';
import type { Balance, MarkWatcher } from '../portfolio/balance.js';
import type { Balances } from '../portfolio/balances.js';

export interface Marked {
  equity: number;
  cash: number;
  exposure: number;
}

/** An instrument's part of equity and of gross exposure, at its last price (NaN price: none). */
export function markOf(inst: Instrument, base: Balance | undefined, out: { eq: number; ex: number }): void {
  out.eq = 0;
  out.ex = 0;
  const px = inst.last;
  if (Number.isNaN(px)) return;
  const qty = inst.pos.qtyNum;
  if (inst.kind === 'spot') {
    if (base !== undefined) out.eq = base.totalNum * px;
    out.ex = Math.abs(qty) * px;
  } else if (qty !== 0 && inst.inverse) {
    // In the base coin: q x cs x (1/entry - 1/last); exposure |q| x cs / last.
    out.eq = qty * inst.csNum * (1 / inst.pos.entryNum - 1 / px);
    out.ex = (Math.abs(qty) * inst.csNum) / px;
  } else if (qty !== 0) {
    out.eq = qty * (px - inst.pos.entryNum) * inst.csNum;
    out.ex = Math.abs(qty) * px * inst.csNum;
  }
}

export class Marks implements MarkWatcher {
  /** The account's quote asset; nothing is marked before it is known. */
  quoteAsset: string | undefined;
  /** The instrument of the record being read (setCurrent): its part is recomputed on every call. */
  private cur: Instrument | undefined;
  private readonly marked: Marked = { equity: 0, cash: 0, exposure: 0 };

  // The plan, built incrementally as instruments and balances appear (reset by setQuote).
  /** The quote balances (one per venue), in the order they were created. */
  private cash: Balance[] = [];
  /** How many of `balances.list` and of `insts` the plan has taken in. */
  private balancesSeen = 0;
  private instsSeen = 0;
  /** Per instrument (by index): whether it is marked (settled in the quote asset), and the base balance it values. */
  private isMarked = new Uint8Array(0);
  private bases: (Balance | undefined)[] = [];
  /** Per instrument: its part as last summed, and whether it waits to be recomputed. */
  private eq = new Float64Array(0);
  private ex = new Float64Array(0);
  private dirtyFlag = new Uint8Array(0);
  private dirty: number[] = [];
  private eqSum = new ExactSum();
  private exSum = new ExactSum();
  private readonly part = { eq: 0, ex: 0 };

  constructor(
    private readonly balances: Balances,
    private readonly insts: readonly Instrument[],
  ) {}

  setQuote(asset: string): void {
    this.quoteAsset = asset;
    for (const b of this.bases) if (b !== undefined) b.watcher = undefined;
    for (const inst of this.insts) if (inst.pos.watcher === this) inst.pos.watcher = undefined;
    this.cash = [];
    this.balancesSeen = 0;
    this.instsSeen = 0;
    this.isMarked = new Uint8Array(0);
    this.bases = [];
    this.eq = new Float64Array(0);
    this.ex = new Float64Array(0);
    this.dirtyFlag = new Uint8Array(0);
    this.dirty = [];
    this.eqSum = new ExactSum();
    this.exSum = new ExactSum();
  }

  /** A base balance or a position of instrument `slot` changed (MarkWatcher). */
  changed(slot: number): void {
    if (slot < this.instsSeen) this.touchSlot(slot);
  }

  /**
   * The instrument of the record being read, whose price may move at any time now: its part is
   * recomputed on every call until another instrument takes its place (then once more).
   */
  setCurrent(inst: Instrument): void {
    const cur = this.cur;
    if (cur === inst) return;
    if (cur !== undefined) this.touch(cur);
    this.cur = inst;
  }

  get current(): Instrument | undefined {
    return this.cur;
  }

  /** `inst`'s part will be recomputed on the next call. */
  touch(inst: Instrument): void {
    if (inst.index < this.instsSeen) this.touchSlot(inst.index);
  }

  private touchSlot(i: number): void {
    if (this.dirtyFlag[i] === 1) return;
    this.dirtyFlag[i] = 1;
    this.dirty.push(i);
  }

  /** Takes in the instruments and quote balances added since the last call. */
  private grow(): void {
    const q = this.quoteAsset;
    const list = this.balances.list;
    for (let i = this.balancesSeen; i < list.length; i++) if (list[i]!.asset === q) this.cash.push(list[i]!);
    this.balancesSeen = list.length;
    const n = this.insts.length;
    if (n === this.instsSeen) return;
    if (n > this.eq.length) this.resize(Math.max(n, this.eq.length * 2, 16));
    for (let i = this.instsSeen; i < n; i++) {
      const inst = this.insts[i]!;
      if (inst.settle !== q) continue;
      let base: Balance | undefined;
      if (inst.kind === 'spot') {
        // Each base asset once, by the first instrument that values it (the balance knows it is watched).
        const b = this.balances.of(inst.exchange, inst.base);
        if (b.watcher !== this) {
          base = b;
          b.watcher = this;
          b.watchSlot = i;
        }
      }
      this.isMarked[i] = 1;
      this.bases[i] = base;
      inst.pos.watcher = this;
      inst.pos.watchSlot = i;
      this.touchSlot(i);
    }
    this.instsSeen = n;
    // (A base balance made above is a new balance: seen on the next call, never a quote balance.)
  }

  private resize(size: number): void {
    const grow = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.eq = grow(this.eq, (k) => new Float64Array(k));
    this.ex = grow(this.ex, (k) => new Float64Array(k));
    this.isMarked = grow(this.isMarked, (k) => new Uint8Array(k));
    this.dirtyFlag = grow(this.dirtyFlag, (k) => new Uint8Array(k));
  }

  /** Recomputes instrument `i`'s part and moves the sums by the difference. */
  private refresh(i: number): void {
    if (this.isMarked[i] !== 1) return;
    const part = this.part;
    markOf(this.insts[i]!, this.bases[i], part);
    const oldEq = this.eq[i]!;
    if (part.eq !== oldEq) {
      this.eqSum.remove(oldEq);
      this.eqSum.add(part.eq);
      this.eq[i] = part.eq;
    }
    const oldEx = this.ex[i]!;
    if (part.ex !== oldEx) {
      this.exSum.remove(oldEx);
      this.exSum.add(part.ex);
      this.ex[i] = part.ex;
    }
  }

  /**
   * Equity, cash and gross exposure, positions marked to the last price. The object returned is
   * reused by the next call (this runs once per candle): read it at once.
   */
  equity(): Marked {
    if (this.balancesSeen !== this.balances.list.length || this.instsSeen !== this.insts.length) this.grow();
    const dirty = this.dirty;
    if (dirty.length > 0) {
      for (let k = 0; k < dirty.length; k++) {
        const i = dirty[k]!;
        this.dirtyFlag[i] = 0;
        this.refresh(i);
      }
      dirty.length = 0;
    }
    const cur = this.cur;
    if (cur !== undefined && cur.index < this.instsSeen) this.refresh(cur.index);
    let cash = 0;
    const c = this.cash;
    for (let i = 0; i < c.length; i++) cash += c[i]!.totalNum;
    const m = this.marked;
    m.equity = cash + this.eqSum.value;
    m.cash = cash;
    m.exposure = this.exSum.value;
    return m;
  }

  /** Equity and exposure computed afresh over every instrument (what `equity()` keeps; for tests). */
  recompute(): Marked {
    this.equity();
    const eq = new ExactSum();
    const ex = new ExactSum();
    const part = { eq: 0, ex: 0 };
    for (let i = 0; i < this.instsSeen; i++) {
      if (this.isMarked[i] !== 1) continue;
      markOf(this.insts[i]!, this.bases[i], part);
      eq.add(part.eq);
      ex.add(part.ex);
    }
    let cash = 0;
    for (const b of this.cash) cash += b.totalNum;
    return { equity: cash + eq.value, cash, exposure: ex.value };
  }
}
