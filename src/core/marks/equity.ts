/**
 * Marks and equity (docs/execution.md, "Equity"): equity is valued in the account's quote asset:
 * the quote balances, plus per spot instrument its base balance at the last price (each asset once),
 * plus per perpetual position its unrealised PnL (amount x (last - entry) x contract size). Gross
 * exposure is the sum of |position| x last x contract size. Instruments in another quote asset, or
 * with no price yet, are not marked.
 */

import type { Instrument } from '../market/instrument.js';
import type { Balance } from '../portfolio/balance.js';
import type { Balances } from '../portfolio/balances.js';

export interface Marked {
  equity: number;
  cash: number;
  exposure: number;
}

interface Plan {
  readonly cash: Balance[];
  readonly insts: Instrument[];
  /** Per instrument of `insts`, the base balance it values (spot, once per asset). */
  readonly bases: (Balance | undefined)[];
}

export class Marks {
  /** The account's quote asset; nothing is marked before it is known. */
  quoteAsset: string | undefined;
  private plan: Plan | undefined;
  private planBalances = -1;
  private planInsts = -1;
  private readonly marked: Marked = { equity: 0, cash: 0, exposure: 0 };

  constructor(
    private readonly balances: Balances,
    private readonly insts: readonly Instrument[],
  ) {}

  setQuote(asset: string): void {
    this.quoteAsset = asset;
    this.plan = undefined;
  }

  /** What marking reads; rebuilt when balances or instruments were added. */
  private markPlan(): Plan {
    const p = this.plan;
    if (
      p !== undefined &&
      this.planBalances === this.balances.version &&
      this.planInsts === this.insts.length
    )
      return p;
    const q = this.quoteAsset;
    const cash = [...this.balances.all()].filter((b) => b.asset === q);
    const insts: Instrument[] = [];
    const bases: (Balance | undefined)[] = [];
    const counted = new Set<string>();
    for (const inst of this.insts) {
      if (inst.settle !== q) continue;
      let base: Balance | undefined;
      if (inst.kind === 'spot') {
        const bk = `${inst.exchange}:${inst.base}`;
        if (!counted.has(bk)) {
          counted.add(bk);
          base = this.balances.of(inst.exchange, inst.base);
        }
      }
      insts.push(inst);
      bases.push(base);
    }
    this.plan = { cash, insts, bases };
    this.planBalances = this.balances.version;
    this.planInsts = this.insts.length;
    return this.plan;
  }

  /**
   * Equity, cash and gross exposure, positions marked to the last price. The object returned is
   * reused by the next call (this runs once per candle): read it at once.
   */
  equity(): Marked {
    const plan = this.markPlan();
    let cash = 0;
    for (let i = 0; i < plan.cash.length; i++) cash += plan.cash[i]!.totalNum;
    let equity = cash;
    let exposure = 0;
    for (let i = 0; i < plan.insts.length; i++) {
      const inst = plan.insts[i]!;
      const px = inst.last;
      if (Number.isNaN(px)) continue;
      const qty = inst.pos.qtyNum;
      if (inst.kind === 'spot') {
        const b = plan.bases[i];
        if (b !== undefined) equity += b.totalNum * px;
        exposure += Math.abs(qty) * px;
      } else if (qty !== 0 && inst.inverse) {
        // In the base coin: q x cs x (1/entry - 1/last); exposure |q| x cs / last.
        equity += qty * inst.csNum * (1 / inst.pos.entryNum - 1 / px);
        exposure += (Math.abs(qty) * inst.csNum) / px;
      } else if (qty !== 0) {
        equity += qty * (px - inst.pos.entryNum) * inst.csNum;
        exposure += Math.abs(qty) * px * inst.csNum;
      }
    }
    const m = this.marked;
    m.equity = equity;
    m.cash = cash;
    m.exposure = exposure;
    return m;
  }
}
