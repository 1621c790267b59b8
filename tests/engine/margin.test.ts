/** Perpetual margin per instrument and liquidation (issue #16 item 3), hand-worked. */

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/backtest/backtest.js';
import { DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import { dec } from '../../src/core/backtest/exact.js';
import type { Decision } from '../../src/core/backtest/strategy.js';
import { collect, fromRecords, runStage } from '../../src/core/io/stream.js';
import { type Instrument, newInstrument } from '../../src/core/market/instrument.js';
import { Balances } from '../../src/core/portfolio/balances.js';
import { liquidationPrice, marginAccount } from '../../src/core/portfolio/liquidation.js';
import type { WireRecord } from '../../src/core/records/record.js';
import { candleAt } from './parts.js';

const T0 = Date.UTC(2024, 0, 1);
const trade = (s: number, price: number): WireRecord => ({
  type: 'trade',
  time: new Date(T0 + s * 1000).toISOString(),
  exchange: 'x_futures',
  symbol: 'BTCUSDT',
  id: s,
  price,
  amount: 1,
  side: 'buy',
});

async function run(
  prices: number[],
  plan: Record<number, Decision>,
  margin: { initial_margin?: number; maintenance_margin?: number; liquidation_fee?: number },
) {
  const cfg = structuredClone(DEFAULT_CONFIG);
  cfg.instruments = [
    { exchange: 'x_futures', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'perpetual', ...margin },
  ];
  cfg.balances = [{ exchange: 'x_futures', asset: 'usdt', total: 20 }];
  cfg.close_at_end = false;
  let i = 0;
  const engine = createEngine({
    config: cfg,
    strategy: { name: 't', strategy: { onRecord: () => plan[i++] }, params: {} },
  });
  return collect(runStage(fromRecords(prices.map((p, k) => trade(k, p))), engine));
}

describe('perpetual margin and liquidation', () => {
  it('initial margin per instrument: 1 at 100 with initial_margin 0.1 holds 10', async () => {
    const out = await run([100, 100, 100], { 0: { side: 'buy', amount: 1 } }, { initial_margin: 0.1 });
    expect(out.filter((r) => r.type === 'balance').at(-1)).toMatchObject({ total: 20, free: 10 });
  });

  it('below maintenance margin the position is liquidated at the last price, with the liquidation fee', async () => {
    // Long 1 from 100, balance 20. At 85: equity 20 - 15 = 5 >= 85 x 0.05 = 4.25: kept.
    // At 84: equity 4 < 4.2: liquidated at 84; fee 1% of 84 = 0.84; balance 20 - 16 - 0.84 = 3.16.
    const out = await run(
      [100, 100, 85, 84, 80],
      { 0: { side: 'buy', amount: 1 } },
      { initial_margin: 0.1, maintenance_margin: 0.05, liquidation_fee: 0.01 },
    );
    const liq = out.filter((r) => r.type === 'liquidation');
    expect(liq).toEqual([
      {
        type: 'liquidation',
        time: new Date(T0 + 3000).toISOString(),
        exchange: 'x_futures',
        symbol: 'BTCUSDT',
        strategy: 't',
        side: 'long',
        amount: 1,
        price: 84,
        equity: 4,
        maintenance_margin: 4.2,
        fee: 0.84,
        fee_asset: 'usdt',
      },
    ]);
    const closed = out.filter((r) => r.type === 'position' && r.status === 'closed');
    expect(closed.map((p) => [p.exit_price, p.pnl])).toEqual([[84, -16]]);
    expect(out.filter((r) => r.type === 'balance').at(-1)).toMatchObject({ total: 3.16, free: 3.16 });
    expect(out.filter((r) => r.type === 'order').at(-1)).toMatchObject({
      tag: 'liquidation',
      status: 'filled',
    });
  });

  it('without a maintenance_margin an account is never liquidated', async () => {
    const out = await run([100, 100, 50], { 0: { side: 'buy', amount: 1 } }, {});
    expect(out.filter((r) => r.type === 'liquidation')).toEqual([]);
  });
});

/** A 1m candle of x_futures BTCUSDT opening at minute `m`. */
const candle = (m: number, open: number, high: number, low: number, close: number): WireRecord =>
  candleAt('BTCUSDT', T0 + m * 60_000, { open, high, low, close }, 'x_futures');

/** Balance 20 usdt, tick 0.01, initial margin 0.1, maintenance 0.05, liquidation fee 0.01, no trading fees. */
async function runCandles(candles: WireRecord[], first: Decision) {
  const cfg = structuredClone(DEFAULT_CONFIG);
  cfg.instruments = [
    {
      exchange: 'x_futures',
      symbol: 'BTCUSDT',
      base: 'btc',
      quote: 'usdt',
      kind: 'perpetual',
      tick_size: 0.01,
      initial_margin: 0.1,
      maintenance_margin: 0.05,
      liquidation_fee: 0.01,
    },
  ];
  cfg.balances = [{ exchange: 'x_futures', asset: 'usdt', total: 20 }];
  cfg.close_at_end = false;
  let i = 0;
  const engine = createEngine({
    config: cfg,
    strategy: { name: 't', strategy: { onRecord: () => (i++ === 0 ? first : undefined) }, params: {} },
  });
  return collect(runStage(fromRecords(candles), engine));
}

describe('liquidation on candles: the adverse extreme, at the liquidation price', () => {
  // The signal on the first candle fills at the second one's open, 100.
  const entry = [candle(0, 100, 101, 99, 100), candle(1, 100, 101, 99, 100)];

  it('a long whose candle low reaches the liquidation price is liquidated there, though the close is safe', async () => {
    // Long 1 at 100, balance 20: 20 + (p - 100) = 0.05 p, p = 80 / 0.95 = 84.2105..., down to the
    // tick against the seller: 84.21. The low 84 reaches it; the close 95 would not (15 >= 4.75,
    // what the last-price rule saw). Closed at 84.21: pnl -15.79; fee 1% x 84.21 = 0.8421;
    // balance 20 - 15.79 - 0.8421 = 3.3679. Equity there 4.21 against 0.05 x 84.21 = 4.2105.
    const out = await runCandles([...entry, candle(2, 99, 100, 84, 95)], { side: 'buy', amount: 1 });
    expect(out.filter((r) => r.type === 'liquidation')).toEqual([
      {
        type: 'liquidation',
        time: new Date(T0 + 3 * 60_000).toISOString(),
        exchange: 'x_futures',
        symbol: 'BTCUSDT',
        strategy: 't',
        side: 'long',
        amount: 1,
        price: 84.21,
        equity: 4.21,
        maintenance_margin: 4.2105,
        fee: 0.8421,
        fee_asset: 'usdt',
      },
    ]);
    const closed = out.filter((r) => r.type === 'position' && r.status === 'closed');
    expect(closed.map((p) => [p.exit_price, p.pnl])).toEqual([[84.21, -15.79]]);
    expect(out.filter((r) => r.type === 'balance').at(-1)).toMatchObject({ total: 3.3679, free: 3.3679 });
  });

  it('a candle that opens beyond the liquidation price liquidates at the open, stamped at the open', async () => {
    // Opens at 83 < 84.21: closed at 83 (pnl -17), fee 0.83, balance 20 - 17 - 0.83 = 2.17.
    const out = await runCandles([...entry, candle(2, 83, 85, 80, 84)], { side: 'buy', amount: 1 });
    const liq = out.filter((r) => r.type === 'liquidation');
    expect(liq).toHaveLength(1);
    expect(liq[0]).toMatchObject({
      time: new Date(T0 + 2 * 60_000).toISOString(),
      price: 83,
      fee: 0.83,
      equity: 3,
      maintenance_margin: 4.15,
    });
    const fill = out.filter((r) => r.type === 'fill').at(-1);
    expect(fill).toMatchObject({ side: 'sell', price: 83, time: new Date(T0 + 2 * 60_000).toISOString() });
    expect(out.filter((r) => r.type === 'balance').at(-1)).toMatchObject({ total: 2.17 });
  });

  it('a short is liquidated at its liquidation price when the high reaches it', async () => {
    // Short 1 at 100: 20 - (p - 100) = 0.05 p, p = 120 / 1.05 = 114.2857..., up to the tick
    // against the buyer: 114.29. High 115: closed at 114.29, pnl -14.29, fee 1.1429,
    // balance 20 - 14.29 - 1.1429 = 4.5671.
    const out = await runCandles([...entry, candle(2, 101, 115, 100, 105)], { side: 'sell', amount: 1 });
    expect(out.filter((r) => r.type === 'liquidation')[0]).toMatchObject({
      side: 'short',
      price: 114.29,
      fee: 1.1429,
    });
    expect(out.filter((r) => r.type === 'balance').at(-1)).toMatchObject({ total: 4.5671 });
  });

  it('a range that stays above the liquidation price liquidates nothing', async () => {
    const out = await runCandles([...entry, candle(2, 99, 100, 84.22, 85)], { side: 'buy', amount: 1 });
    expect(out.filter((r) => r.type === 'liquidation')).toEqual([]);
  });
});

describe('the liquidation price of a position in a cross account', () => {
  it('holds the rest of the account at its last prices', () => {
    // Balance 20; long 1 A at 100; short 1 B from 50, last 55 (pnl -5, maintenance 0.05 x 55 = 2.75).
    // For A: 15 + (p - 100) = 2.75 + 0.05 p, p = 87.75 / 0.95 = 92.368421...
    const balances = new Balances();
    balances.of('x_futures', 'usdt').set(dec(20));
    const mk = (symbol: string, qty: number, entry: number, last: number): Instrument => {
      const i = newInstrument(
        {
          exchange: 'x_futures',
          symbol,
          base: symbol.toLowerCase(),
          quote: 'usdt',
          kind: 'perpetual',
          maintenance_margin: 0.05,
        },
        't',
      );
      i.pos.qty = dec(qty);
      i.pos.qtyNum = qty;
      i.pos.entry = dec(entry);
      i.pos.entryNum = entry;
      i.last = last;
      return i;
    };
    const a = mk('AUSDT', 1, 100, 100);
    const b = mk('BUSDT', -1, 50, 55);
    const p = liquidationPrice([a, b], balances, a);
    expect(p).toBeCloseTo(87.75 / 0.95, 10);
    // At p the account's equity meets its maintenance margin exactly.
    a.last = p;
    const at = marginAccount([a, b], balances, a);
    expect(at.equity).toBeCloseTo(at.maintenance, 10);
    expect(at.equity).toBeCloseTo(15 + (87.75 / 0.95 - 100), 10);
  });
});
