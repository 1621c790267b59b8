/**
 * The simulated account: balances per (exchange, asset) and positions per instrument, in exact
 * decimals (decimal.js), with numeric shadows kept for the per-record hot path (marking equity).
 *
 * - A balance has a `total`; `free` is the total less what open orders reserve and, for perpetuals,
 *   the margin of open positions (|amount| x entry price x contract size / leverage).
 * - Spot: a buy moves quote to base (notional + fee out of the quote asset); a sell the reverse.
 * - Perpetuals: only realised PnL, fees and funding touch the quote balance.
 * - A position is the run's net amount of an instrument: it opens when the amount leaves zero and
 *   closes when it returns there (a fill that crosses zero closes one and opens the other).
 */

import { Decimal } from 'decimal.js';
import { POW10 } from '../records/number-text.js';
import type { InstrumentKind } from './config.js';

export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = InstanceType<typeof D>;
export const ZERO = new D(0);

/**
 * `x.toNumber()` without its text round trip (decimal.js converts through a string): from the
 * documented digits (`d`, base 1e7 words), exponent (`e`) and sign (`s`). While the digits form an
 * integer m below 2^53 and the scale is at most 22 places, m / 10^k (or m x 10^k below 2^53) is one
 * correctly rounded operation on exact doubles: the same double toNumber gives (tests compare them
 * on 200,000 values). Anything else goes through toNumber.
 */
export function toNum(x: Dec): number {
  const d = x.d;
  if (d === null || d === undefined) return x.toNumber();
  const first = d[0]!;
  let digits = 1;
  while (digits < 7 && first >= POW10[digits]!) digits++;
  digits += 7 * (d.length - 1);
  if (digits > 15) return x.toNumber();
  let m = first;
  for (let i = 1; i < d.length; i++) m = m * 1e7 + d[i]!;
  const k = digits - 1 - x.e;
  let v: number;
  if (k > 0) {
    if (k > 22) return x.toNumber();
    v = m / POW10[k]!;
  } else {
    if (-k > 22) return x.toNumber();
    v = m * POW10[-k]!;
    if (v > 2 ** 53) return x.toNumber();
  }
  return x.s < 0 ? -v : v;
}

export class Balance {
  private totalDec: Dec;
  private reservedDec: Dec = ZERO;
  private marginDec: Dec = ZERO;
  /** free, computed on first use after a change (balances are read far more often than changed). */
  private freeDec: Dec | undefined;
  private freeNumber = Number.NaN;
  totalNum: number;

  /** `"exchange":...,"asset":...` as JSON, for the balance records built as text. */
  readonly head: string;

  constructor(
    readonly exchange: string,
    readonly asset: string,
    total: Dec,
  ) {
    this.totalDec = total;
    this.totalNum = toNum(total);
    this.head = `"exchange":${JSON.stringify(exchange)},"asset":${JSON.stringify(asset)}`;
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

  get free(): Dec {
    if (this.freeDec === undefined) {
      if (this.reservedDec.isZero() && this.marginDec.isZero()) {
        // Nothing held back (the common case between orders): free is the total.
        this.freeDec = this.totalDec;
        this.freeNumber = this.totalNum;
      } else {
        this.freeDec = this.totalDec.minus(this.reservedDec).minus(this.marginDec);
        this.freeNumber = toNum(this.freeDec);
      }
    }
    return this.freeDec;
  }

  get freeNum(): number {
    if (this.freeDec === undefined) this.free;
    return this.freeNumber;
  }

  set(total: Dec): void {
    this.totalDec = total;
    this.totalNum = toNum(total);
    this.freeDec = undefined;
  }

  add(delta: Dec): void {
    this.set(this.totalDec.plus(delta));
  }
}

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
  qtyNum = 0;
  entry: Dec = ZERO;
  entryNum = 0;
  maxAbs: Dec = ZERO;
  fees: Dec = ZERO;
  feesNum = 0;
  /** Realised PnL before fees. */
  realised: Dec = ZERO;
  exitValue: Dec = ZERO;
  exitAmount: Dec = ZERO;
  timeOpen = '';
  /** Margin held for it (perpetuals). */
  margin: Dec = ZERO;

  constructor(
    readonly kind: InstrumentKind,
    readonly contractSize: Dec,
  ) {}

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
    // (From flat, the sums are their second terms: skipped, as decimal additions of zero cost.)
    const nq = q.isZero() ? signed : q.plus(signed);
    pos.entry = q.isZero() ? price : pos.entry.times(q.abs()).plus(price.times(amount)).dividedBy(nq.abs());
    pos.qty = nq;
    pos.fees = pos.fees.isZero() ? fee : pos.fees.plus(fee);
  } else {
    const reduce = q.abs().lessThan(amount) ? q.abs() : amount;
    const rest = amount.minus(reduce);
    const feeReduce = rest.isZero() ? fee : fee.times(reduce).dividedBy(amount);
    const dir = q.isNegative() ? -1 : 1;
    realised = price.minus(pos.entry).times(reduce).times(cs).times(dir);
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
  pos.qtyNum = toNum(pos.qty);
  pos.entryNum = toNum(pos.entry);
  pos.feesNum = toNum(pos.fees);
  return { realised, closed, opened };
}
