/** Perpetual margin per instrument and liquidation (issue #16 item 3), hand-worked. */

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/backtest/backtest.js';
import { DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import type { Decision } from '../../src/core/backtest/strategy.js';
import { collect, fromRecords, runStage } from '../../src/core/io/stream.js';
import type { WireRecord } from '../../src/core/records/record.js';

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
