/**
 * A position per instrument and how a fill changes it, in exact decimals (backtest/exact.ts).
 *
 * - A position is the run's net amount of an instrument: it opens when the amount leaves zero and
 *   closes when it returns there (a fill that crosses zero closes one and opens the other).
 * - Spot: a buy moves quote to base (notional + fee out of the quote asset); a sell the reverse
 *   (portfolio/settle.ts). Perpetuals: only realised PnL, fees and funding touch the quote balance.
 */

import type { InstrumentKind } from '../backtest/config.js';
import { type Exact as Dec, ZERO } from '../backtest/exact.js';
import { DOUBLE_FIELD } from '../double-field.js';
import type { MarkWatcher } from './balance.js';
import { inversePnl } from './inverse.js';

export interface PositionClose {
  /** The closed position's figures, for its `position` record. */
  side: 'long' | 'short';
  amount: number;
  entry_price: number;
  exit_price: number;
  pnl: number;
  fees: number;
  time_open: string;
}

/** One position's running figures (what its `position` records say). */
export class Position {
  /** Signed amount. */
  qty: Dec = ZERO;
  qtyNum = DOUBLE_FIELD; // then 0: a double field (double-field.ts)
  entry: Dec = ZERO;
  entryNum = DOUBLE_FIELD;
  maxAbs: Dec = ZERO;
  fees: Dec = ZERO;
  feesNum = DOUBLE_FIELD;
  /** Realised PnL before fees. */
  realised: Dec = ZERO;
  exitValue: Dec = ZERO;
  exitAmount: Dec = ZERO;
  timeOpen = '';
  /** Margin held for it (perpetuals). */
  margin: Dec = ZERO;
  /** Told after a fill changes it, with its instrument's slot (marks/equity.ts). */
  watcher: MarkWatcher | undefined;
  watchSlot = -1;

  constructor(
    readonly kind: InstrumentKind,
    readonly contractSize: Dec,
    /** Inverse (coin-margined): PnL in the base coin, q x cs x (1/entry - 1/exit). */
    readonly inverse = false,
  ) {
    this.qtyNum = 0;
    this.entryNum = 0;
    this.feesNum = 0;
  }

  get side(): 'long' | 'short' {
    return this.qty.isNegative() ? 'short' : 'long';
  }

  reset(): void {
    this.qty = ZERO;
    this.qtyNum = 0;
    this.entry = ZERO;
    this.entryNum = 0;
    this.maxAbs = ZERO;
    this.fees = ZERO;
    this.feesNum = 0;
    this.realised = ZERO;
    this.exitValue = ZERO;
    this.exitAmount = ZERO;
    this.timeOpen = '';
    this.margin = ZERO;
  }
}

/** The result of applying one fill to a position. */
export interface FillEffect {
  /** Realised PnL before fees of the part that reduced the position. */
  realised: Dec;
  /** The position that this fill closed, if it did. */
  closed: PositionClose | undefined;
  /** True when this fill opened a position (from flat, or the remainder after crossing zero). */
  opened: boolean;
}

/**
 * Applies a fill of `amount` (> 0) at `price` on `side` to a position, with its fee. A fill that
 * crosses zero closes the position (the fee is shared pro rata) and opens the opposite one.
 */
export function applyFill(
  pos: Position,
  side: 'buy' | 'sell',
  price: Dec,
  amount: Dec,
  fee: Dec,
  time: string,
): FillEffect {
  const signed = side === 'buy' ? amount : amount.negated();
  const cs = pos.contractSize;
  let realised = ZERO;
  let closed: PositionClose | undefined;
  let opened = false;
  const q = pos.qty;
  if (q.isZero() || q.isNegative() === signed.isNegative()) {
    // Opening or adding: a volume-weighted entry price.
    if (q.isZero()) {
      pos.reset();
      pos.timeOpen = time;
      opened = true;
    }
    const nq = q.plus(signed);
    // Inverse: the entry is the harmonic mean (contracts over the base coin they are worth).
    pos.entry = q.isZero()
      ? price
      : pos.inverse
        ? nq.abs().dividedBy(q.abs().dividedBy(pos.entry).plus(amount.dividedBy(price)))
        : pos.entry.times(q.abs()).plus(price.times(amount)).dividedBy(nq.abs());
    pos.qty = nq;
    pos.fees = pos.fees.plus(fee);
  } else {
    const reduce = q.abs().lessThan(amount) ? q.abs() : amount;
    const rest = amount.minus(reduce);
    const feeReduce = rest.isZero() ? fee : fee.times(reduce).dividedBy(amount);
    const dir = q.isNegative() ? -1 : 1;
    const gain = pos.inverse
      ? inversePnl(reduce, cs, pos.entry, price)
      : price.minus(pos.entry).times(reduce).times(cs);
    realised = dir > 0 ? gain : gain.negated();
    pos.realised = pos.realised.plus(realised);
    pos.exitValue = pos.exitValue.plus(price.times(reduce));
    pos.exitAmount = pos.exitAmount.plus(reduce);
    pos.fees = pos.fees.plus(feeReduce);
    pos.qty = q.plus(dir > 0 ? reduce.negated() : reduce);
    if (pos.qty.isZero()) {
      closed = {
        side: dir > 0 ? 'long' : 'short',
        amount: pos.maxAbs.toNumber(),
        entry_price: pos.entry.toNumber(),
        exit_price: pos.exitValue.dividedBy(pos.exitAmount).toNumber(),
        pnl: pos.realised.minus(pos.fees).toNumber(),
        fees: pos.fees.toNumber(),
        time_open: pos.timeOpen,
      };
      pos.reset();
      if (!rest.isZero()) {
        pos.timeOpen = time;
        pos.qty = side === 'buy' ? rest : rest.negated();
        pos.entry = price;
        pos.fees = fee.minus(feeReduce);
        opened = true;
      }
    }
  }
  if (pos.qty.abs().greaterThan(pos.maxAbs)) pos.maxAbs = pos.qty.abs();
  pos.qtyNum = pos.qty.toNumber();
  pos.entryNum = pos.entry.toNumber();
  pos.feesNum = pos.fees.toNumber();
  if (pos.watcher !== undefined) pos.watcher.changed(pos.watchSlot);
  return { realised, closed, opened };
}
