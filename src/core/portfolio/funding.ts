/**
 * Funding on a perpetual position (docs/execution.md, "Funding"): at a `funding` record, an open
 * position pays amount x mark x contract size x rate (longs pay a positive rate, shorts receive it)
 * in the quote asset; an inverse position pays amount x contract size / mark x rate in the base
 * coin. The mark is the record's `mark_price`, else the last price.
 */

import { type Exact as Dec, dec } from '../backtest/exact.js';
import type { Instrument } from '../market/instrument.js';
import { inverseFunding } from './inverse.js';

/** The signed payment to the account, or undefined when nothing is paid (spot, flat, no mark). */
export function fundingPayment(inst: Instrument, rate: number, mark: number): Dec | undefined {
  if (inst.kind !== 'perpetual' || inst.pos.qty.isZero() || !(mark > 0)) return undefined;
  if (inst.inverse) return inverseFunding(inst.pos.qty, inst.cs, dec(mark), dec(rate));
  return inst.pos.qty.times(dec(mark)).times(inst.cs).times(dec(rate)).negated();
}
