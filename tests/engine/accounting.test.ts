/**
 * Accounting and the end of a run (issue #16 items 3 and 6): the free balance checked again at
 * fill time, no spot balance below zero, the clean-up at the end of input, seeded balances with
 * `free`, and stderr counts that agree with the records. Figures worked by hand in the comments.
 */

import { describe, expect, it } from 'vitest';
import { createEngine, loadStrategy } from '../../src/core/backtest/backtest.js';
import { type BacktestConfig, DEFAULT_CONFIG, parseConfig } from '../../src/core/backtest/config.js';
import { parseBalanceFlag } from '../../src/core/backtest/config-flags.js';
import type { Strategy } from '../../src/core/backtest/strategy.js';
import { collect, fromRecords, runStage } from '../../src/core/io/stream.js';
import type { WireRecord } from '../../src/core/records/record.js';
import { parseLines, runInProcess } from '../helpers/cli.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const candle = (i: number, o: number, h: number, l: number, c: number): WireRecord => ({
  type: 'candle',
  time: iso(T0 + (i + 1) * MIN),
  exchange: 'x',
  symbol: 'BTCUSDT',
  interval: '1m',
  open_time: iso(T0 + i * MIN),
  open: o,
  high: h,
  low: l,
  close: c,
  volume: 1,
});
const quote = (ms: number, bid: number, ask: number): WireRecord => ({
  type: 'quote',
  time: iso(T0 + ms),
  exchange: 'x',
  symbol: 'BTCUSDT',
  bid_price: bid,
  bid_amount: 5,
  ask_price: ask,
  ask_amount: 5,
});

function config(patch: (c: BacktestConfig) => void = () => {}): BacktestConfig {
  const c = structuredClone(DEFAULT_CONFIG);
  c.instruments = [{ exchange: 'x', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'spot' }];
  c.balances = [{ exchange: 'x', asset: 'usdt', total: 10_000 }];
  patch(c);
  return c;
}

async function run(records: WireRecord[], cfg: BacktestConfig, strategy: Strategy) {
  const engine = createEngine({ config: cfg, strategy: { name: 't', strategy, params: {} } });
  const out = await collect(runStage(fromRecords(records), engine));
  return { out, report: engine.report };
}
const of = (out: readonly WireRecord[], type: string) => out.filter((r) => r.type === type);

describe('accounting: the free balance at fill time', () => {
  it('a market buy sized at 99% of equity that fills at a gap-up open is rejected at fill, never below zero', async () => {
    // Signal at the close 100: 0.99 x 10000 / 100 = 99 btc, reserved 99 x 100 = 9900 (no fees).
    // The next open is 110: 99 x 110 = 10890 > 10000 available, so the fill is refused.
    let done = false;
    const { out, report } = await run(
      [candle(0, 100, 101, 99, 100), candle(1, 110, 111, 109, 110), candle(2, 110, 111, 109, 110)],
      config((c) => {
        c.sizing = { mode: 'percent-equity', value: 0.99 };
      }),
      {
        onRecord: () => {
          if (done) return undefined;
          done = true;
          return { side: 'buy' };
        },
      },
    );
    expect(of(out, 'fill')).toHaveLength(0);
    const rejected = of(out, 'order').filter((o) => o.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBe(
      'insufficient usdt at fill: available 10000, needs 10890 including fees (spot cannot borrow)',
    );
    expect(report.rejected).toBe(1);
    for (const b of of(out, 'balance')) expect(b.total as number).toBeGreaterThanOrEqual(0);
    expect(of(out, 'balance').at(-1)).toMatchObject({ asset: 'usdt', total: 10_000, free: 10_000 });
  });

  it('the same buy fills when the gap stays within the free balance (its own reservation counts)', async () => {
    // 99 btc at 101: 9999 <= 10000.
    let done = false;
    const { out } = await run(
      [candle(0, 100, 101, 99, 100), candle(1, 101, 102, 100, 101)],
      config((c) => {
        c.sizing = { mode: 'percent-equity', value: 0.99 };
        c.close_at_end = false;
      }),
      {
        onRecord: () => {
          if (done) return undefined;
          done = true;
          return { side: 'buy' };
        },
      },
    );
    expect(of(out, 'fill').map((f) => [f.price, f.amount])).toEqual([[101, 99]]);
    expect(of(out, 'balance').at(-1)).toMatchObject({ asset: 'btc', total: 99 });
  });
});

describe('end of run', () => {
  it('after the clean-up a strategy that re-quotes on its closing fill opens nothing; every order ends, nothing stays reserved', async () => {
    const strategy: Strategy = {
      onRecord: (r) =>
        r.type === 'quote' ? [{ cancel: 'all' }, { side: 'buy', kind: 'limit', price: 99 }] : undefined,
      // On every fill, a new bid and ask (as market-maker does).
      onFill: () => [
        { side: 'buy', kind: 'limit', price: 98 },
        { side: 'sell', kind: 'limit', price: 103 },
      ],
    };
    const cfg = config((c) => {
      c.sizing = { mode: 'fixed-amount', value: 1 };
    });
    const { out, report } = await run(
      [quote(0, 100, 101), quote(1000, 98, 98.5), quote(2000, 100, 101)],
      cfg,
      strategy,
    );
    const last = new Map<unknown, WireRecord>();
    for (const o of of(out, 'order')) last.set(o.id, o);
    const states = [...last.values()].map((o) => o.status);
    expect(states.filter((s) => s === 'new' || s === 'open' || s === 'partially_filled')).toEqual([]);
    const afterCleanup = [...last.values()].filter(
      (o) => o.reason === 'end of input: no new orders after the clean-up',
    );
    expect(afterCleanup.length).toBe(2); // the bid and ask asked for on the closing fill
    // Every balance ends with free = total (nothing reserved).
    const balances = new Map<string, WireRecord>();
    for (const b of of(out, 'balance')) balances.set(String(b.asset), b);
    for (const b of balances.values()) expect(b.free).toBe(b.total);
    // The report counts what the records say.
    expect(report.rejected).toBe(states.filter((s) => s === 'rejected').length);
    expect(report.orders).toBe(last.size);
    expect(report.fills).toBe(of(out, 'fill').length);
  });
});

describe('seeded balances', () => {
  it('--balance EXCHANGE:ASSET=TOTAL,free=FREE sets free; free above total is a usage error', () => {
    expect(parseBalanceFlag('binance_spot:usdt=10000,free=8000')).toEqual({
      exchange: 'binance_spot',
      asset: 'usdt',
      total: 10000,
      free: 8000,
    });
    expect(() => parseBalanceFlag('binance_spot:usdt=10000,free=12000')).toThrow(
      '--balance: free 12000 is more than total 10000',
    );
    expect(
      parseConfig({ balances: [{ exchange: 'x', asset: 'USDT', total: 5, free: 2 }] }, 'c.json').balances,
    ).toEqual([{ exchange: 'x', asset: 'usdt', total: 5, free: 2 }]);
    expect(() =>
      parseConfig({ balances: [{ exchange: 'x', asset: 'usdt', total: 5, free: 6 }] }, 'c.json'),
    ).toThrow('c.json: balances[0]: free 6 is more than total 5');
  });

  it('only the free part can be spent: 9000 of a 10000 balance with free 8000 is refused', async () => {
    const { out } = await run(
      [candle(0, 100, 101, 99, 100), candle(1, 100, 101, 99, 100)],
      config((c) => {
        c.balances = [{ exchange: 'x', asset: 'usdt', total: 10_000, free: 8000 }];
      }),
      {
        onRecord: (_r, ctx) =>
          ctx.position().amount === 0 && ctx.openOrders().length === 0
            ? { side: 'buy', amount: 90 }
            : undefined,
      },
    );
    expect(of(out, 'balance')[0]).toMatchObject({ asset: 'usdt', total: 10_000, free: 8000 });
    expect(of(out, 'order')[0]!.reason).toBe('insufficient usdt: free 8000, needs 9000 including fees');
  });

  it('balance_start is the seeded balance and an asset that never trades is in the summary', async () => {
    const input = [candle(0, 100, 101, 99, 100), candle(1, 100, 101, 99, 100), candle(2, 100, 101, 99, 100)]
      .map((r) => `${JSON.stringify(r)}\n`)
      .join('');
    const strategy = await loadStrategy('buy-and-hold', {});
    expect(strategy.name).toBe('buy-and-hold');
    const bt = await runInProcess(
      [
        'backtest',
        '--strategy',
        'buy-and-hold',
        '--sizing',
        'fixed-amount:0.5',
        '--balance',
        'x:usdt=1000',
        '--balance',
        'x:btc=0.5',
        '--balance',
        'x:eth=2',
        '--summary',
        '--quiet',
      ],
      input,
    );
    expect(bt.code).toBe(0);
    const lines = parseLines(bt.stdout);
    expect(lines.slice(0, 3).map((r) => [r.type, r.asset, r.total])).toEqual([
      ['balance', 'usdt', 1000],
      ['balance', 'btc', 0.5],
      ['balance', 'eth', 2],
    ]);
    const summary = lines.at(-1)!;
    const assets = summary.assets as Record<string, { balance_start: { total: number } }>;
    expect(assets['x:btc']?.balance_start.total).toBe(0.5);
    expect(assets['x:eth']?.balance_start.total).toBe(2);
    expect(assets['x:usdt']?.balance_start.total).toBe(1000);
  });
});
