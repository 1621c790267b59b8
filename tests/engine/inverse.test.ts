/**
 * Inverse (coin-margined) contract arithmetic (issue #16 item 3, portfolio/inverse.ts): value, PnL,
 * fees, margin, funding and the liquidation price in the base coin, each figure worked by hand in
 * its comment. Contract size 100 USD (BTCUSD_PERP on Binance COIN-M), taker fee 5 bps.
 */

import { describe, expect, it } from 'vitest';
import { dec } from '../../src/core/backtest/exact.js';
import {
  defaultInverseContractSize,
  inverseFee,
  inverseFunding,
  inverseLiquidationPrice,
  inverseMargin,
  inversePnl,
  inverseValue,
} from '../../src/core/portfolio/inverse.js';

const CS = dec(100);
const TAKER = dec('0.0005');
const n = (x: { toNumber(): number } | undefined) => x?.toNumber();

describe('inverse contracts', () => {
  it('takes the default contract size from the base coin', () => {
    expect(defaultInverseContractSize('BTC')).toBe(100);
    expect(defaultInverseContractSize('eth')).toBe(10);
  });

  it('a long round trip with fees: 10 contracts bought at 40000, sold at 50000', () => {
    // value at entry: 10 x 100 / 40000 = 0.025 BTC; fee 0.025 x 0.0005 = 0.0000125
    expect(n(inverseValue(dec(10), CS, dec(40_000)))).toBe(0.025);
    const feeIn = inverseFee(dec(10), CS, dec(40_000), TAKER);
    expect(n(feeIn)).toBe(0.0000125);
    // value at exit: 1000 / 50000 = 0.02 BTC; fee 0.02 x 0.0005 = 0.00001
    const feeOut = inverseFee(dec(10), CS, dec(50_000), TAKER);
    expect(n(feeOut)).toBe(0.00001);
    // PnL: 10 x 100 x (1/40000 - 1/50000) = 1000 x 0.000005 = 0.005 BTC
    const pnl = inversePnl(dec(10), CS, dec(40_000), dec(50_000));
    expect(n(pnl)).toBe(0.005);
    // net: 0.005 - 0.0000125 - 0.00001 = 0.0049775 BTC
    expect(n(pnl.minus(feeIn).minus(feeOut))).toBe(0.0049775);
    // initial margin at 10x (rate 0.1): 0.025 x 0.1 = 0.0025 BTC
    expect(n(inverseMargin(dec(10), CS, dec(40_000), dec('0.1')))).toBe(0.0025);
  });

  it('a short round trip with fees: 10 contracts sold at 50000, bought back at 40000', () => {
    // PnL: -10 x 100 x (1/50000 - 1/40000) = -1000 x -0.000005 = +0.005 BTC
    const pnl = inversePnl(dec(-10), CS, dec(50_000), dec(40_000));
    expect(n(pnl)).toBe(0.005);
    // fees: 0.02 x 0.0005 = 0.00001 in, 0.025 x 0.0005 = 0.0000125 out; net 0.0049775 BTC
    const fees = inverseFee(dec(-10), CS, dec(50_000), TAKER).plus(
      inverseFee(dec(10), CS, dec(40_000), TAKER),
    );
    expect(n(fees)).toBe(0.0000225);
    expect(n(pnl.minus(fees))).toBe(0.0049775);
    // the same short losing: sold at 40000, bought at 50000: -1000 x (1/40000 - 1/50000) = -0.005
    expect(n(inversePnl(dec(-10), CS, dec(40_000), dec(50_000)))).toBe(-0.005);
  });

  it('liquidates a long and a short at the price where equity meets maintenance', () => {
    // long 10 at 40000, balance 0.005 BTC, mm 0.5%: p = (10 + 0.005 x 10) x 100 / (0.005 + 1000/40000)
    //   = 1005 / 0.03 = 33500
    const mm = dec('0.005');
    const pl = inverseLiquidationPrice(dec(10), CS, dec(40_000), dec('0.005'), mm);
    expect(n(pl)).toBe(33_500);
    // check: equity 0.005 + 1000 x (1/40000 - 1/33500) = maintenance 0.005 x 1000 / 33500
    const px = dec(33_500);
    const equity = dec('0.005').plus(inversePnl(dec(10), CS, dec(40_000), px));
    expect(equity.toNumber()).toBeCloseTo(inverseMargin(dec(10), CS, px, mm).toNumber(), 15);
    // short 10 at 40000, same balance: p = (-10 + 0.05) x 100 / (0.005 - 0.025) = -995 / -0.02 = 49750
    expect(n(inverseLiquidationPrice(dec(-10), CS, dec(40_000), dec('0.005'), mm))).toBe(49_750);
    // a short whose balance is more than its value at entry (0.03 > 0.025) is never liquidated
    expect(inverseLiquidationPrice(dec(-10), CS, dec(40_000), dec('0.03'), mm)).toBeUndefined();
  });

  it('pays funding in the base coin', () => {
    // long 10 at mark 50000, rate 0.0001: -10 x 100 / 50000 x 0.0001 = -0.000002 BTC (the long pays)
    expect(n(inverseFunding(dec(10), CS, dec(50_000), dec('0.0001')))).toBe(-0.000002);
    // a short receives it: +0.000002 BTC
    expect(n(inverseFunding(dec(-10), CS, dec(50_000), dec('0.0001')))).toBe(0.000002);
  });
});
