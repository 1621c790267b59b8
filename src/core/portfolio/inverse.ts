/**
 * The arithmetic of inverse (coin-margined) contracts, Binance COIN-M and Bybit inverse, in exact
 * decimals (backtest/exact.ts), as settle, funding and position use them (docs/execution.md,
 * "Inverse contracts").
 *
 * An inverse contract is worth a fixed amount of the quote currency (its contract size, e.g. 100 USD
 * for BTCUSD_PERP, 10 USD for the others on Binance COIN-M), and is margined and settled in the base
 * coin. With q the signed number of contracts and cs the contract size:
 * - value in the base coin at price p: |q| x cs / p;
 * - PnL in the base coin from entry e to exit x: q x cs x (1/e - 1/x) (a short's q is negative);
 * - fee: the value at the fill price x the rate; initial margin: the value at entry x the rate;
 *   maintenance margin: the value at the last price x the rate;
 * - funding at mark m and rate r: the account receives -q x cs / m x r (longs pay a positive rate).
 */

import { type Exact as Dec, dec } from '../backtest/exact.js';

const ONE = dec(1);

/**
 * The default contract size in the quote currency, when neither the configuration nor an instrument
 * record gives one: 1 USD on Bybit (every inverse contract is worth 1 USD), else Binance COIN-M's 100
 * for a BTC base and 10 otherwise.
 */
export function defaultInverseContractSize(exchange: string, base: string): number {
  if (exchange.toLowerCase().startsWith('bybit')) return 1;
  return base.toLowerCase() === 'btc' ? 100 : 10;
}

/** The value in the base coin of `contracts` (either sign) at `price`: |q| x cs / p. */
export function inverseValue(contracts: Dec, cs: Dec, price: Dec): Dec {
  return contracts.abs().times(cs).dividedBy(price);
}

/** The PnL in the base coin of `signed` contracts from `entry` to `exit`: q x cs x (1/e - 1/x). */
export function inversePnl(signed: Dec, cs: Dec, entry: Dec, exit: Dec): Dec {
  return signed.times(cs).times(ONE.dividedBy(entry).minus(ONE.dividedBy(exit)));
}

/** The fee in the base coin of a fill of `contracts` at `price`: the value x the rate. */
export function inverseFee(contracts: Dec, cs: Dec, price: Dec, rate: Dec): Dec {
  return inverseValue(contracts, cs, price).times(rate);
}

/** The margin in the base coin of `contracts` at `price` for a margin rate (initial at entry, maintenance at the last price). */
export function inverseMargin(contracts: Dec, cs: Dec, price: Dec, rate: Dec): Dec {
  return inverseValue(contracts, cs, price).times(rate);
}

/** The funding the account receives (signed, base coin) at `mark` and `rate`: -q x cs / m x r. */
export function inverseFunding(signed: Dec, cs: Dec, mark: Dec, rate: Dec): Dec {
  return signed.times(cs).dividedBy(mark).times(rate).negated();
}

/**
 * The price at which an account holding only this position, with `balance` of the base coin,
 * reaches its maintenance margin: balance + q x cs x (1/e - 1/p) = mm x |q| x cs / p, so
 * p = (q + mm x |q|) x cs / (balance + q x cs / e). Undefined when no positive price does (a
 * long whose balance covers it, q x cs / e <= -balance cannot happen; a short the balance covers).
 */
export function inverseLiquidationPrice(
  signed: Dec,
  cs: Dec,
  entry: Dec,
  balance: Dec,
  mm: Dec,
): Dec | undefined {
  if (signed.isZero()) return undefined;
  const num = signed.plus(mm.times(signed.abs())).times(cs);
  const den = balance.plus(signed.times(cs).dividedBy(entry));
  const p = num.dividedBy(den);
  return den.isZero() || !(p.toNumber() > 0) ? undefined : p;
}
