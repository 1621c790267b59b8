/**
 * Liquidation of perpetual positions (docs/execution.md, "Margin and liquidation"): an account (a
 * venue's quote asset) whose equity, its balance plus the unrealised PnL of its perpetual positions
 * at their marks, falls below their maintenance margin (Σ |amount| x mark x contract size x
 * maintenance_margin) is liquidated: every one of its perpetual positions is closed, as a taker, and
 * the venue's liquidation fee (liquidation_fee x the notional) is charged. The mark is the last
 * price on ticks; on a candle, its adverse extreme (the low for a long, the high for a short), and
 * the position is then closed at the liquidation price (`liquidationPrice`), or at the open when
 * the candle opened beyond it (matching/ is not involved: engine/market-records.ts applies it).
 * An inverse (coin-margined) account is the base coin: PnL and maintenance in it
 * (docs/execution.md, "Inverse contracts"). Only instruments with a `maintenance_margin` count;
 * without one an account is never liquidated.
 */

import type { Instrument } from '../market/instrument.js';
import type { Balances } from './balances.js';

export interface MarginCall {
  readonly equity: number;
  readonly maintenance: number;
  /** The account's perpetual positions (with a price). */
  readonly positions: readonly Instrument[];
}

/**
 * The account of `inst` at its positions' last prices: equity, maintenance margin and positions;
 * with `skip`, the figures of the rest of the account without that instrument's position.
 */
export function marginAccount(
  insts: readonly Instrument[],
  balances: Balances,
  inst: Instrument,
  skip?: Instrument,
): MarginCall {
  const b = balances.find(inst.exchange, inst.settle);
  let equity = b === undefined ? 0 : b.totalNum;
  let maintenance = 0;
  const positions: Instrument[] = [];
  for (const i of insts) {
    if (i.kind !== 'perpetual' || i.exchange !== inst.exchange || i.settle !== inst.settle) continue;
    const q = i.pos.qtyNum;
    if (q === 0 || !(i.last > 0) || i === skip) continue;
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
  return { equity, maintenance, positions };
}

/** The account of `inst` when its equity is below its maintenance margin, else undefined. */
export function marginCall(
  insts: readonly Instrument[],
  balances: Balances,
  inst: Instrument,
): MarginCall | undefined {
  const a = marginAccount(insts, balances, inst);
  return a.equity < a.maintenance ? a : undefined;
}

/**
 * The price of `inst` at which its account's equity meets its maintenance margin, the account's
 * other positions at their last prices: its liquidation price (NaN when no positive price is).
 * With E and M the rest of the account's equity and maintenance, q, e, cs and mm the position's:
 * - linear: E + q (p - e) cs = M + mm |q| p cs, so p = (E - q e cs - M) / ((mm |q| - q) cs);
 * - inverse: E + q cs (1/e - 1/p) = M + mm |q| cs / p, so p = (q + mm |q|) cs / (E + q cs / e - M).
 */
export function liquidationPrice(insts: readonly Instrument[], balances: Balances, inst: Instrument): number {
  const mm = inst.maintenanceMargin;
  const q = inst.pos.qtyNum;
  if (mm === undefined || q === 0) return Number.NaN;
  const rest = marginAccount(insts, balances, inst, inst);
  const e = inst.pos.entryNum;
  const cs = inst.csNum;
  const p = inst.inverse
    ? ((q + mm * Math.abs(q)) * cs) / (rest.equity + (q * cs) / e - rest.maintenance)
    : (rest.equity - q * e * cs - rest.maintenance) / ((mm * Math.abs(q) - q) * cs);
  return p > 0 && Number.isFinite(p) ? p : Number.NaN;
}
