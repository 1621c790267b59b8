/** Fee rates as fractions of notional, from the configured bps; orders reserve for the worse one. */

import type { ExecutionConfig } from '../backtest/config.js';
import { type Exact as Dec, dec } from '../backtest/exact.js';
import type { Liquidity } from '../orders/order.js';

export class Fees {
  readonly maker: Dec;
  readonly taker: Dec;
  /** The higher of the two rates (what an order reserves for), and 1 plus it. */
  readonly worst: Dec;
  readonly worstOne: Dec;
  /** No fees at all (both rates zero). */
  readonly none: boolean;

  constructor(x: ExecutionConfig) {
    this.maker = dec(x.fees.maker_bps).dividedBy(dec(10_000));
    this.taker = dec(x.fees.taker_bps).dividedBy(dec(10_000));
    this.worst = this.taker.greaterThan(this.maker) ? this.taker : this.maker;
    this.worstOne = this.worst.plus(dec(1));
    this.none = this.maker.isZero() && this.taker.isZero();
  }

  rate(liquidity: Liquidity): Dec {
    return liquidity === 'maker' ? this.maker : this.taker;
  }
}
