/**
 * Liquidation of perpetual positions (docs/execution.md, "Margin and liquidation"): an account (a
 * venue's quote asset) whose equity, its balance plus the unrealised PnL of its perpetual positions
 * at the last price, falls below their maintenance margin (Σ |amount| x last x contract size x
 * maintenance_margin) is liquidated: every one of its perpetual positions is closed at the last
 * price, as a taker, and the venue's liquidation fee (liquidation_fee x the notional) is charged.
 * An inverse (coin-margined) account is the base coin: PnL and maintenance in it
 * (docs/execution.md, "Inverse contracts"). Only instruments with a `maintenance_margin` count; without one an account is never liquidated.
 */

import type { Instrument } from '../market/instrument.js';
import type { Balances } from './balances.js';

export interface MarginCall {
  readonly equity: number;
  readonly maintenance: number;
  /** The account's perpetual positions (with a price). */
  readonly positions: readonly Instrument[];
}

/** The account of `inst` when its equity is below its maintenance margin, else undefined. */
export function marginCall(
  insts: readonly Instrument[],
  balances: Balances,
  inst: Instrument,
): MarginCall | undefined {
  const b = balances.find(inst.exchange, inst.settle);
  let equity = b === undefined ? 0 : b.totalNum;
  let maintenance = 0;
  const positions: Instrument[] = [];
  for (const i of insts) {
    if (i.kind !== 'perpetual' || i.exchange !== inst.exchange || i.settle !== inst.settle) continue;
    const q = i.pos.qtyNum;
    if (q === 0 || !(i.last > 0)) continue;
    positions.push(i);
    if (i.inverse) {
      // In the base coin: q x cs x (1/entry - 1/last), and |q| x cs / last x maintenance_margin.
      equity += q * i.csNum * (1 / i.pos.entryNum - 1 / i.last);
      if (i.maintenanceMargin !== undefined)
        maintenance += ((Math.abs(q) * i.csNum) / i.last) * i.maintenanceMargin;
      continue;
    }
    equity += q * (i.last - i.pos.entryNum) * i.csNum;
    if (i.maintenanceMargin !== undefined)
      maintenance += Math.abs(q) * i.last * i.csNum * i.maintenanceMargin;
  }
  return equity < maintenance ? { equity, maintenance, positions } : undefined;
}
