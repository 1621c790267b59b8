/**
 * Inverse (coin-margined) contract arithmetic (issue #16 item 3, portfolio/inverse.ts): value, PnL,
 * fees, margin, funding and the liquidation price in the base coin, each figure worked by hand in
 * its comment. Contract size 100 USD (BTCUSD_PERP on Binance COIN-M), taker fee 5 bps.
 */

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/backtest/backtest.js';
import { DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import { dec } from '../../src/core/backtest/exact.js';
import type { Decision } from '../../src/core/backtest/strategy.js';
import { collect, fromRecords, runStage } from '../../src/core/io/stream.js';
import {
  defaultInverseContractSize,
  inverseFee,
  inverseFunding,
  inverseLiquidationPrice,
  inverseMargin,
  inversePnl,
  inverseValue,
} from '../../src/core/portfolio/inverse.js';
import type { WireRecord } from '../../src/core/records/record.js';

const CS = dec(100);
const TAKER = dec('0.0005');
const n = (x: { toNumber(): number } | undefined) => x?.toNumber();

describe('inverse contracts', () => {
  it('takes the default contract size from the venue and the base coin', () => {
    // Binance COIN-M: 100 USD for BTCUSD_PERP, 10 USD for the others; Bybit inverse: 1 USD
    expect(defaultInverseContractSize('binance_futures_coin', 'BTC')).toBe(100);
    expect(defaultInverseContractSize('binance_futures_coin', 'eth')).toBe(10);
    expect(defaultInverseContractSize('bybit_inverse', 'btc')).toBe(1);
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

const T0 = Date.UTC(2024, 0, 1);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const trade = (s: number, price: number): WireRecord => ({
  type: 'trade',
  time: at(s),
  exchange: 'binance_futures_coin',
  symbol: 'BTCUSD_PERP',
  id: s,
  price,
  amount: 1,
  side: 'buy',
});

/** The engine on BTCUSD_PERP (contract size 100 USD by default), 0.005 BTC, initial margin 10%, mm 0.5%. */
async function run(records: WireRecord[], plan: Record<number, Decision>, takerBps = 0) {
  const cfg = structuredClone(DEFAULT_CONFIG);
  cfg.instruments = [
    {
      exchange: 'binance_futures_coin',
      symbol: 'BTCUSD_PERP',
      base: 'btc',
      quote: 'usd',
      kind: 'perpetual',
      inverse: true,
      initial_margin: 0.1,
      maintenance_margin: 0.005,
    },
  ];
  cfg.balances = [{ exchange: 'binance_futures_coin', asset: 'btc', total: 0.005 }];
  cfg.execution.fees = { maker_bps: 0, taker_bps: takerBps };
  cfg.close_at_end = false;
  let i = 0;
  const engine = createEngine({
    config: cfg,
    strategy: { name: 't', strategy: { onRecord: () => plan[i++] }, params: {} },
  });
  return collect(runStage(fromRecords(records), engine));
}

describe('inverse contracts in the engine', () => {
  it('a long round trip with fees settles in BTC', async () => {
    // buy 10 at 40000 (fee 0.0000125), sell 10 at 50000 (fee 0.00001): PnL 0.005, net 0.0049775;
    // balance 0.005 + 0.0049775 = 0.0099775 BTC
    const out = await run(
      [trade(0, 40_000), trade(1, 40_000), trade(2, 50_000), trade(3, 50_000)],
      { 0: { side: 'buy', amount: 10 }, 2: { side: 'sell', amount: 10 } },
      5,
    );
    const fills = out.filter((r) => r.type === 'fill');
    expect(fills.map((f) => [f.side, f.price, f.fee, f.fee_asset])).toEqual([
      ['buy', 40_000, 0.0000125, 'btc'],
      ['sell', 50_000, 0.00001, 'btc'],
    ]);
    expect(out.find((r) => r.type === 'position' && r.status === 'closed')).toMatchObject({
      pnl: 0.0049775,
      fees: 0.0000225,
    });
    expect(out.filter((r) => r.type === 'balance').at(-1)).toMatchObject({ asset: 'btc', total: 0.0099775 });
  });

  it('a short round trip with fees settles in BTC', async () => {
    // sell 10 at 50000 (fee 0.00001), buy 10 at 40000 (fee 0.0000125): PnL
    // -10 x 100 x (1/50000 - 1/40000) = 0.005, net 0.0049775; balance 0.0099775 BTC
    const out = await run(
      [trade(0, 50_000), trade(1, 50_000), trade(2, 40_000), trade(3, 40_000)],
      { 0: { side: 'sell', amount: 10 }, 2: { side: 'buy', amount: 10 } },
      5,
    );
    expect(out.find((r) => r.type === 'position' && r.status === 'closed')).toMatchObject({
      side: 'short',
      pnl: 0.0049775,
    });
    expect(out.filter((r) => r.type === 'balance').at(-1)).toMatchObject({ asset: 'btc', total: 0.0099775 });
  });

  it('liquidates a long below its maintenance margin, at the price worked above (33500)', async () => {
    // long 10 at 40000 with 0.005 BTC. At 33600: equity 0.005 - 1000 x (1/33600 - 1/40000)
    //   = 0.005 - 0.0047619 = 0.0002381 >= 0.005 x 1000 / 33600 = 0.0001488: kept.
    // At 33400 (< 33500): equity 0.005 - 1000 x 6600 / (40000 x 33400) = 0.0000599 < 5 / 33400
    //   = 0.0001497: liquidated at 33400.
    const out = await run(
      [trade(0, 40_000), trade(1, 40_000), trade(2, 33_600), trade(3, 33_400), trade(4, 30_000)],
      { 0: { side: 'buy', amount: 10 } },
    );
    const liq = out.filter((r) => r.type === 'liquidation');
    expect(liq.map((r) => [r.time, r.price, r.fee_asset])).toEqual([[at(3), 33_400, 'btc']]);
    expect(liq[0]!.equity as number).toBeCloseTo(0.005 - (1000 * 6600) / (40_000 * 33_400), 8);
    expect(liq[0]!.maintenance_margin as number).toBeCloseTo(5 / 33_400, 8);
    // the balance left: 0.005 + 10 x 100 x (1/40000 - 1/33400) = 0.0000598802...
    const last = out.filter((r) => r.type === 'balance').at(-1)!;
    expect(last.total as number).toBeCloseTo(0.005 + 1000 * (1 / 40_000 - 1 / 33_400), 12);
  });

  it('pays funding in BTC', async () => {
    // long 10 at 40000; funding at mark 50000, rate 0.0001: -10 x 100 / 50000 x 0.0001 = -0.000002 BTC
    const funding: WireRecord = {
      type: 'funding',
      time: at(2),
      exchange: 'binance_futures_coin',
      symbol: 'BTCUSD_PERP',
      rate: 0.0001,
      mark_price: 50_000,
    };
    const out = await run([trade(0, 40_000), trade(1, 40_000), funding, trade(3, 40_000)], {
      0: { side: 'buy', amount: 10 },
    });
    const pay = out.filter((r) => r.type === 'funding_payment');
    expect(pay.map((r) => [r.amount, r.asset])).toEqual([[-0.000002, 'btc']]);
    expect(out.filter((r) => r.type === 'balance').at(-1)).toMatchObject({ asset: 'btc', total: 0.004998 });
  });
});
