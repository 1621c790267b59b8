/**
 * The backtest engine: agreement with backtrader, the fill rules, the risk manager, accounting,
 * engine records and bad input. Expected values are worked by hand in the comments or computed by a
 * small independent reference implementation in this file.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, loadStrategy } from '../src/core/backtest/backtest.js';
import { type BacktestConfig, DEFAULT_CONFIG, parseConfig } from '../src/core/backtest/config.js';
import { money, moneyText } from '../src/core/backtest/money.js';
import type { Strategy } from '../src/core/backtest/strategy.js';
import { collect, fromRecords, runStage } from '../src/core/io/stream.js';
import { rawOf, serialize, type WireRecord } from '../src/core/records/record.js';
import { readBars, SMA_CROSS_ARGS, smaCrossRun } from './helpers/backtrader.js';
import { parseLines, runCli, runInProcess } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A 1-minute candle number i (open at T0 + i minutes). */
function candle(
  i: number,
  o: number,
  h: number,
  l: number,
  c: number,
  symbol = 'BTCUSDT',
  exchange = 'binance_spot',
): WireRecord {
  return {
    type: 'candle',
    time: iso(T0 + (i + 1) * MIN),
    exchange,
    symbol,
    interval: '1m',
    open_time: iso(T0 + i * MIN),
    open: o,
    high: h,
    low: l,
    close: c,
    volume: 1,
  };
}

function config(patch: (c: BacktestConfig) => void = () => {}): BacktestConfig {
  const c = structuredClone(DEFAULT_CONFIG);
  c.instruments = [{ exchange: 'binance_spot', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'spot' }];
  c.balances = [{ exchange: 'binance_spot', asset: 'usdt', total: 10_000 }];
  patch(c);
  return c;
}

/** A scripted strategy: `plan[i]` is what it returns on the i-th market record. */
function scripted(plan: Record<number, unknown>, onFill?: Strategy['onFill']): Strategy {
  let i = 0;
  return {
    onRecord: () => plan[i++] as never,
    ...(onFill === undefined ? {} : { onFill }),
  };
}

async function run(records: WireRecord[], cfg: BacktestConfig, strategy: Strategy): Promise<WireRecord[]> {
  const engine = createEngine({ config: cfg, strategy: { name: 'test', strategy, params: {} } });
  const out = await collect(runStage(fromRecords(records), engine));
  // The engine builds the JSON text of most records with them (equity, balance, order, fill,
  // position): in every scenario of this file it must be exactly what JSON.stringify writes.
  for (const r of out) expect(serialize(r)).toBe(JSON.stringify(r));
  return out;
}

const of = (out: readonly Record<string, unknown>[], type: string) => out.filter((r) => r.type === type);
const lastEquity = (out: readonly Record<string, unknown>[]) => of(out, 'equity').at(-1)!;

describe('backtest: records built as text', () => {
  it('order, fill, position, balance and equity records carry their JSON text (checked against JSON.stringify in run)', async () => {
    const out = await run(
      [candle(0, 100, 101, 99, 100), candle(1, 100, 102, 99, 101), candle(2, 101, 103, 100, 102)],
      config(),
      scripted({
        0: { side: 'buy', amount: 1, tag: 'a "quoted" tag' },
        1: [
          { side: 'sell', kind: 'limit', price: 101.5, amount: 1, post_only: true, reduce_only: true },
          { side: 'buy', amount: 1e9 },
        ],
      }),
    );
    for (const type of ['order', 'fill', 'position', 'balance', 'equity']) {
      const recs = of(out, type);
      expect(recs.length, type).toBeGreaterThan(0);
      // (A rejection's order record is rare and written by JSON.stringify.)
      for (const r of recs) if (r.status !== 'rejected') expect(rawOf(r as WireRecord), type).toBeDefined();
    }
    expect(of(out, 'order').map((o) => o.status)).toContain('rejected');
  });

  it('an engine made with texts: false (a sweep run) writes the same records, with no text attached', async () => {
    const input = [candle(0, 100, 101, 99, 100), candle(1, 100, 102, 99, 101), candle(2, 101, 103, 100, 102)];
    const plan = () =>
      scripted({
        0: { side: 'buy', amount: 1, tag: 'a "quoted" tag' },
        1: [
          { side: 'sell', kind: 'limit', price: 101.5, amount: 1, post_only: true },
          { side: 'buy', amount: 1e9 },
        ],
      });
    const withText = await run(input, config(), plan());
    const engine = createEngine({
      config: config(),
      strategy: { name: 'test', strategy: plan(), params: {} },
      texts: false,
    });
    const bare = await collect(runStage(fromRecords(input), engine));
    expect(bare.map((r) => JSON.stringify(r))).toEqual(withText.map((r) => JSON.stringify(r)));
    expect(withText.filter((r) => rawOf(r) !== undefined).length).toBeGreaterThan(5);
    expect(bare.filter((r) => rawOf(r) !== undefined)).toEqual([]);
  });

  it('a tag that is not a string (a JavaScript strategy may give anything) is written as JSON.stringify writes it', async () => {
    const out = await run(
      [candle(0, 100, 101, 99, 100), candle(1, 100, 102, 99, 101)],
      config(),
      scripted({
        0: [
          { side: 'buy', amount: 1, tag: { why: 'object' } },
          { side: 'buy', amount: 1, tag: () => 1 },
        ],
      }),
    );
    const orders = of(out, 'order');
    expect(
      orders
        .filter((o) => o.status === 'new')
        .slice(0, 2)
        .map((o) => JSON.stringify(o.tag)),
    ).toEqual(['{"why":"object"}', undefined]);
  });
});

describe('backtest: candle fills', () => {
  it("a market order fills at the next candle's open, stamped at that open, with the taker fee", async () => {
    const out = await run(
      [candle(0, 100, 101, 99, 100), candle(1, 102, 103, 101, 103), candle(2, 103, 104, 102, 104)],
      config((c) => {
        c.execution.fees = { maker_bps: 2, taker_bps: 10 };
        c.close_at_end = false;
      }),
      scripted({ 0: { side: 'buy', amount: 2 } }),
    );
    const [fill] = of(out, 'fill');
    // Sent at 00:01 (candle 0's close); candle 1 opens at 00:01 at 102: 2 x 102 = 204, fee 0.204.
    expect(fill).toMatchObject({
      time: iso(T0 + MIN),
      price: 102,
      amount: 2,
      fee: 0.204,
      liquidity: 'taker',
      fee_asset: 'usdt',
    });
    // Cash 10000 - 204 - 0.204 = 9795.796; marked at 104: + 208 = 10003.796.
    expect(lastEquity(out)).toMatchObject({ equity: 10003.796, cash: 9795.796, exposure: 208 });
    const orders = of(out, 'order').map((o) => o.status);
    expect(orders).toEqual(['new', 'filled']);
  });

  it("fill_at=close fills at the signal candle's close", async () => {
    const out = await run(
      [candle(0, 100, 101, 99, 100.5), candle(1, 102, 103, 101, 103)],
      config((c) => {
        c.execution.fill_at = 'close';
        c.close_at_end = false;
      }),
      scripted({ 0: { side: 'buy', amount: 1 } }),
    );
    expect(of(out, 'fill')[0]).toMatchObject({ time: iso(T0 + MIN), price: 100.5 });
  });

  it('a resting buy limit fills strictly below its price by default, at the touch when configured', async () => {
    const bars = [candle(0, 100, 101, 99, 100), candle(1, 100, 101, 98, 99), candle(2, 99, 100, 97.5, 98)];
    const plan = { 0: { side: 'buy', kind: 'limit', price: 98, amount: 1 } };
    const strict = await run(
      bars,
      config((c) => {
        c.close_at_end = false;
      }),
      scripted(plan),
    );
    // Candle 1's low is 98: only touches. Candle 2's low 97.5 trades through: filled at 98, maker.
    expect(of(strict, 'fill')).toHaveLength(1);
    expect(of(strict, 'fill')[0]).toMatchObject({ time: iso(T0 + 3 * MIN), price: 98, liquidity: 'maker' });
    const touch = await run(
      bars,
      config((c) => {
        c.execution.fill_at_touch = true;
        c.close_at_end = false;
      }),
      scripted(plan),
    );
    expect(of(touch, 'fill')[0]).toMatchObject({ time: iso(T0 + 2 * MIN), price: 98 });
  });

  it('a gap through a resting limit fills at the better open', async () => {
    const out = await run(
      [candle(0, 100, 101, 99, 100), candle(1, 100, 100.5, 99.5, 100), candle(2, 95, 96, 94, 95)],
      config((c) => {
        c.close_at_end = false;
      }),
      scripted({ 0: { side: 'buy', kind: 'limit', price: 98, amount: 1 } }),
    );
    expect(of(out, 'fill')[0]).toMatchObject({ price: 95, time: iso(T0 + 2 * MIN) });
    expect(of(out, 'order').map((o) => o.status)).toEqual(['new', 'open', 'filled']);
  });

  it('slippage moves a market price against the trader, rounded to the tick against the trader', async () => {
    const out = await run(
      [candle(0, 100, 101, 99, 100), candle(1, 100, 101, 99, 100), candle(2, 100, 101, 99, 100)],
      config((c) => {
        c.instruments[0]!.tick_size = 0.01;
        c.execution.slippage_bps = 3.3;
      }),
      scripted({ 0: { side: 'buy', amount: 1 }, 1: { close: true } }),
    );
    // 100 * 1.00033 = 100.033 -> buy rounds up to 100.04; sell 100 * 0.99967 = 99.967 -> down to 99.96.
    expect(of(out, 'fill').map((f) => f.price)).toEqual([100.04, 99.96]);
    const [pos] = of(out, 'position').filter((p) => p.status === 'closed');
    expect(pos).toMatchObject({ side: 'long', entry_price: 100.04, exit_price: 99.96, pnl: -0.08, fees: 0 });
  });

  it('an ioc limit that does not cross at the open expires', async () => {
    const out = await run(
      [candle(0, 100, 101, 99, 100), candle(1, 100, 101, 95, 100)],
      config(),
      scripted({ 0: { side: 'buy', kind: 'limit', price: 99, amount: 1, time_in_force: 'ioc' } }),
    );
    expect(of(out, 'fill')).toHaveLength(0);
    expect(of(out, 'order').at(-1)).toMatchObject({
      status: 'expired',
      reason: 'ioc limit did not cross at the open',
    });
  });

  it('latency: an order sent at a candle close is live only after latency_ms, so it fills a candle later', async () => {
    const out = await run(
      [candle(0, 100, 101, 99, 100), candle(1, 101, 102, 100, 101), candle(2, 102, 103, 101, 102)],
      config((c) => {
        c.execution.latency_ms = 30_000;
        c.close_at_end = false;
      }),
      scripted({ 0: { side: 'buy', amount: 1 } }),
    );
    // Live at 00:01:30, inside candle 1: the first open after that is candle 2's, at 102.
    expect(of(out, 'fill')[0]).toMatchObject({ price: 102, time: iso(T0 + 2 * MIN) });
  });
});

describe('backtest: money text', () => {
  it('moneyText(x) is String(money(x)) (rounded to 1e-8), over 400,000 values of every magnitude', () => {
    let seed = 3;
    const rnd = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const xs = [
      0,
      -0,
      1e-8,
      5e-9,
      4.9e-9,
      1e-6,
      9.99e-7,
      0.1 + 0.2,
      9_999_999.99999999,
      1e7,
      1e21,
      -1e-8,
      10_000,
    ];
    for (let i = 0; i < 200_000; i++) {
      xs.push((rnd() - 0.5) * 2 * 10 ** Math.floor(rnd() * 16 - 9), Math.round(rnd() * 1e6) / 100);
    }
    const wrong = xs.filter((x) => moneyText(x) !== String(money(x)));
    expect(wrong).toEqual([]);
    expect([moneyText(10_003.796), moneyText(-0.5), moneyText(1e-7), moneyText(42)]).toEqual([
      '10003.796',
      '-0.5',
      '1e-7',
      '42',
    ]);
  });
});

describe('backtest: the risk manager', () => {
  const bars = [candle(0, 100, 101, 99, 100), candle(1, 100, 101, 99, 100)];
  const reason = async (intent: object, patch: (c: BacktestConfig) => void = () => {}) => {
    const out = await run(bars, config(patch), scripted({ 0: intent }));
    const rejected = of(out, 'order').find((o) => o.status === 'rejected');
    return rejected?.reason as string | undefined;
  };

  it('rounds the amount down to the lot and the limit price to the tick', async () => {
    const out = await run(
      bars,
      config((c) => {
        c.instruments[0]!.lot_size = 0.001;
        c.instruments[0]!.tick_size = 0.5;
      }),
      scripted({ 0: { side: 'buy', kind: 'limit', price: 99.26, amount: 0.0129 } }),
    );
    expect(of(out, 'order')[0]).toMatchObject({ amount: 0.012, price: 99.5, status: 'new' });
  });

  it('refuses, with a reason a person can read', async () => {
    expect(
      await reason({ side: 'buy', amount: 0.0004 }, (c) => {
        c.instruments[0]!.lot_size = 0.001;
      }),
    ).toBe('amount 0.0004 rounds down to 0 at lot size 0.001');
    expect(
      await reason({ side: 'buy', amount: 0.05 }, (c) => {
        c.instruments[0]!.min_notional = 10;
      }),
    ).toBe('notional 5 is below the minimum 10');
    expect(
      await reason({ side: 'buy', amount: 60 }, (c) => {
        c.risk.max_order_notional = 5000;
      }),
    ).toBe('order notional 6000 exceeds max_order_notional 5000');
    expect(
      await reason({ side: 'buy', amount: 100 }, (c) => {
        c.execution.fees.taker_bps = 10;
      }),
    ).toBe('insufficient usdt: free 10000, needs 10010 including fees');
    expect(await reason({ side: 'sell', amount: 1 })).toBe(
      'insufficient btc: free 0, order 1 (spot cannot go short; execution.allow_short)',
    );
    expect(
      await reason({ side: 'buy', amount: 30 }, (c) => {
        c.risk.max_exposure_percent = 20;
      }),
    ).toBe('exposure 3000 would exceed 20% of equity 10000');
    expect(await reason({ side: 'sell', amount: 1, reduce_only: true })).toBe(
      'reduce-only order would not reduce the position',
    );
  });

  it('rejects malformed intents instead of guessing', async () => {
    expect(await reason({ side: 'hold' })).toBe(
      'malformed intent: "side" must be "buy" or "sell", found "hold"',
    );
    expect(await reason({ side: 'buy', kind: 'limit' })).toBe(
      'malformed intent: a limit order needs a "price" > 0, found undefined',
    );
    expect(await reason({ side: 'buy', amount: -1 })).toBe(
      'malformed intent: "amount" must be a number > 0, found -1',
    );
  });

  it('the daily loss limit switches trading off for the rest of the UTC day', async () => {
    const day = 24 * 60;
    const out = await run(
      [
        candle(0, 100, 100, 100, 100),
        candle(1, 100, 100, 100, 100),
        candle(2, 90, 90, 90, 90),
        candle(3, 90, 90, 90, 90),
        candle(day, 90, 90, 90, 90),
        candle(day + 1, 90, 90, 90, 90),
      ],
      config((c) => {
        c.risk.daily_loss_limit_percent = 5;
        c.close_at_end = false;
      }),
      // Buys 60 at 100 (6000); the drop to 90 loses 600 = 6% of 10000. Then tries to buy again.
      scripted({
        0: { side: 'buy', amount: 60 },
        3: { side: 'buy', amount: 1 },
        5: { side: 'buy', amount: 1 },
      }),
    );
    const states = of(out, 'trading_state');
    expect(states[0]).toMatchObject({ enabled: false, time: iso(T0 + 3 * MIN) });
    expect(states[1]).toMatchObject({ enabled: true, reason: 'new UTC day' });
    const orders = of(out, 'order');
    expect(orders.find((o) => o.id === 2)).toMatchObject({
      status: 'rejected',
      reason: 'trading is disabled',
    });
    // The next day's order is accepted (and, sent on the last candle, cancelled at the end of input).
    expect(orders.filter((o) => o.id === 3).map((o) => [o.status, o.reason])).toEqual([
      ['new', undefined],
      ['cancelled', 'end of input'],
    ]);
  });
});

describe('backtest: accounting', () => {
  it('a position that crosses zero closes one and opens the other; funding on perpetuals', async () => {
    const cfg = config((c) => {
      c.instruments = [
        { exchange: 'binance_futures_usd', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'perpetual' },
      ];
      c.balances = [{ exchange: 'binance_futures_usd', asset: 'usdt', total: 10_000 }];
      c.execution.fees = { maker_bps: 0, taker_bps: 10 };
      c.close_at_end = false;
    });
    const bars = [0, 1, 2, 3].map((i) =>
      candle(i, 100 + i, 100 + i, 100 + i, 100 + i, 'BTCUSDT', 'binance_futures_usd'),
    );
    const funding: WireRecord = {
      type: 'funding',
      time: iso(T0 + 3 * MIN),
      exchange: 'binance_futures_usd',
      symbol: 'BTCUSDT',
      rate: 0.0001,
      mark_price: 103,
    };
    const out = await run(
      [bars[0]!, bars[1]!, bars[2]!, funding, bars[3]!],
      cfg,
      scripted({ 0: { side: 'buy', amount: 2 }, 1: { side: 'sell', amount: 5 } }),
    );
    // Long 2 at 101 (fee 0.202); sell 5 at 102: closes the long (+2, fee 0.204 of 0.51) and opens short 3.
    const pos = of(out, 'position');
    expect(pos.map((p) => [p.status, p.side, p.amount])).toEqual([
      ['open', 'long', 2],
      ['closed', 'long', 2],
      ['open', 'short', 3],
    ]);
    expect(pos[1]).toMatchObject({ entry_price: 101, exit_price: 102, pnl: 2 - 0.202 - 0.204, fees: 0.406 });
    // Funding: short 3 x 103 x 0.0001 = 0.0309, received by the short.
    expect(of(out, 'funding_payment')[0]).toMatchObject({ amount: 0.0309, asset: 'usdt' });
    // Cash: 10000 - 0.202 + 2 - 0.51 + 0.0309 = 10001.3189; unrealised (102 - 103) x 3 = -3.
    expect(lastEquity(out)).toMatchObject({ cash: 10001.3189, equity: 9998.3189 });
  });

  it('without balances the account starts with 10000 of the quote asset', async () => {
    const out = await run(
      [candle(0, 100, 101, 99, 100)],
      { ...structuredClone(DEFAULT_CONFIG) },
      scripted({}),
    );
    expect(out[0]).toMatchObject({ type: 'balance', asset: 'usdt', total: 10_000, free: 10_000 });
    expect(lastEquity(out)).toMatchObject({ equity: 10_000 });
  });
});

/** A BTCUSDT trade `ms` milliseconds after T0 (id `ms`); the aggressor sold unless `side` says so. */
const trade = (ms: number, price: number, amount: number, side = 'sell'): WireRecord => ({
  type: 'trade',
  time: iso(T0 + ms),
  exchange: 'binance_spot',
  symbol: 'BTCUSDT',
  id: ms,
  price,
  amount,
  side,
});

describe('backtest: trade and book fills', () => {
  const quote = (ms: number, bid: number, bidAmt: number, ask: number, askAmt: number): WireRecord => ({
    type: 'quote',
    time: iso(T0 + ms),
    exchange: 'binance_spot',
    symbol: 'BTCUSDT',
    bid_price: bid,
    bid_amount: bidAmt,
    ask_price: ask,
    ask_amount: askAmt,
  });

  it('a resting limit with an unknown queue fills only when a trade prints through its price', async () => {
    const out = await run(
      [trade(0, 100, 1, 'buy'), trade(1, 99, 5, 'sell'), trade(2, 98.9, 1, 'sell')],
      config((c) => {
        c.close_at_end = false;
      }),
      scripted({ 0: { side: 'buy', kind: 'limit', price: 99, amount: 1 } }),
    );
    expect(of(out, 'fill')).toEqual([
      expect.objectContaining({ price: 99, amount: 1, liquidity: 'maker', time: iso(T0 + 2) }),
    ]);
  });

  it('at its price, a limit fills only after the queue ahead (from the quote) has traded', async () => {
    const out = await run(
      [quote(0, 99, 3, 100, 1), trade(1, 99, 2, 'sell'), trade(2, 99, 1.5, 'sell'), trade(3, 99, 1, 'sell')],
      config((c) => {
        c.close_at_end = false;
      }),
      scripted({ 0: { side: 'buy', kind: 'limit', price: 99, amount: 1 } }),
    );
    // Queue 3 ahead: 2 trade (1 left), then 1.5 (0.5 beyond the queue fills 0.5), then 1 (fills the rest 0.5).
    expect(of(out, 'fill').map((f) => [f.amount, f.time])).toEqual([
      [0.5, iso(T0 + 2)],
      [0.5, iso(T0 + 3)],
    ]);
  });

  it('a market order walks the visible book; what it took is not there for the next one', async () => {
    const book: WireRecord = {
      type: 'book',
      time: iso(T0),
      exchange: 'binance_spot',
      symbol: 'BTCUSDT',
      snapshot: true,
      bids: [[99, 5]],
      asks: [
        [100, 1],
        [101, 2],
      ],
      sequence: 1,
    };
    const out = await run(
      [book],
      config((c) => {
        c.close_at_end = false;
      }),
      scripted({
        0: [
          { side: 'buy', amount: 2 },
          { side: 'buy', amount: 2 },
        ],
      }),
    );
    // First: 1 at 100, 1 at 101. Second: the 1 left at 101, then nothing: expired, book too thin.
    expect(of(out, 'fill').map((f) => [f.order_id, f.price, f.amount])).toEqual([
      [1, 100, 1],
      [1, 101, 1],
      [2, 101, 1],
    ]);
    expect(of(out, 'order').at(-1)).toMatchObject({
      id: 2,
      status: 'expired',
      filled_amount: 1,
      reason: 'the visible book was too thin',
    });
  });
});

describe('backtest: time in force, post-only and cancels on books and trades', () => {
  const book = (ms: number, asks: [number, number][], bids: [number, number][] = [[99, 5]]): WireRecord => ({
    type: 'book',
    time: iso(T0 + ms),
    exchange: 'binance_spot',
    symbol: 'BTCUSDT',
    snapshot: true,
    bids,
    asks,
    sequence: ms + 1,
  });
  const noClose = config((c) => {
    c.close_at_end = false;
  });
  const asks: [number, number][] = [
    [100, 1],
    [101, 2],
    [102, 5],
  ];

  it('fok: all of it within the limit price or nothing', async () => {
    const out = await run(
      [book(0, asks)],
      noClose,
      scripted({
        0: [
          { side: 'buy', kind: 'limit', price: 101, amount: 4, time_in_force: 'fok' },
          { side: 'buy', kind: 'limit', price: 101, amount: 3, time_in_force: 'fok' },
        ],
      }),
    );
    // 3 is visible at or below 101: the order for 4 expires untouched, the one for 3 fills whole.
    expect(
      of(out, 'order')
        .filter((o) => o.id === 1)
        .map((o) => o.status),
    ).toEqual(['new', 'expired']);
    expect(of(out, 'fill').map((f) => [f.order_id, f.price, f.amount, f.liquidity])).toEqual([
      [2, 100, 1, 'taker'],
      [2, 101, 2, 'taker'],
    ]);
  });

  it('ioc: what is there now, the rest expires', async () => {
    const out = await run(
      [book(0, asks)],
      noClose,
      scripted({ 0: { side: 'buy', kind: 'limit', price: 101, amount: 4, time_in_force: 'ioc' } }),
    );
    expect(of(out, 'fill').map((f) => f.amount)).toEqual([1, 2]);
    expect(of(out, 'order').at(-1)).toMatchObject({ status: 'expired', filled_amount: 3 });
  });

  it('post-only: refused when it would take, resting as a maker otherwise', async () => {
    const out = await run(
      [book(0, asks), trade(1, 99.4, 2)],
      noClose,
      scripted({
        0: [
          { side: 'buy', kind: 'limit', price: 100, amount: 1, post_only: true },
          { side: 'buy', kind: 'limit', price: 99.5, amount: 1, post_only: true },
        ],
      }),
    );
    expect(of(out, 'order').find((o) => o.id === 1 && o.status === 'rejected')).toMatchObject({
      post_only: true,
      reason: 'post-only buy at 100 would take liquidity (market at 100)',
    });
    // 99.5 improves the 99 bid, so nothing is queued ahead: a sell printing through it fills it.
    expect(of(out, 'fill')).toEqual([
      expect.objectContaining({ order_id: 2, price: 99.5, amount: 1, liquidity: 'maker', time: iso(T0 + 1) }),
    ]);
  });

  it('cancel latency: an order can still fill between the cancel being sent and taking effect', async () => {
    const out = await run(
      [trade(0, 100, 1), trade(20, 100, 1), trade(25, 98, 1), trade(35, 96, 1)],
      config((c) => {
        c.close_at_end = false;
        c.execution.latency_ms = 10;
      }),
      // Both sent at 0 (live at 10); cancelled at 20 (effective at 30).
      scripted({
        0: [
          { side: 'buy', kind: 'limit', price: 99, amount: 1 },
          { side: 'buy', kind: 'limit', price: 97, amount: 1 },
        ],
        1: { cancel: 'all' },
      }),
    );
    // 98 at 25 trades through 99 before the cancel lands; 96 at 35 would have filled 97, but it is gone.
    expect(of(out, 'fill').map((f) => [f.order_id, f.time, f.price])).toEqual([[1, iso(T0 + 25), 99]]);
    const last = (id: number) =>
      of(out, 'order')
        .filter((o) => o.id === id)
        .at(-1);
    expect(last(1)).toMatchObject({ status: 'filled' });
    expect(last(2)).toMatchObject({ status: 'cancelled', filled_amount: 0 });
  });

  it('without latency a cancel acts at once: nothing fills after it', async () => {
    const out = await run(
      [trade(0, 100, 1), trade(20, 100, 1), trade(25, 98, 0.4)],
      noClose,
      scripted({ 0: { side: 'buy', kind: 'limit', price: 99, amount: 1 }, 1: { cancel: 'all' } }),
    );
    expect(of(out, 'fill')).toEqual([]);
    expect(of(out, 'order').at(-1)).toMatchObject({ status: 'cancelled', time: iso(T0 + 20) });
  });
});

describe('backtest: Kelly sizing', () => {
  /** Candle i closes at `c`; with fill_at close an order decided on it fills at that close. */
  const bars = (closes: number[]) => closes.map((c, i) => candle(i, c, c, c, c));
  const kelly = (fraction: number) =>
    config((c) => {
      c.close_at_end = false;
      c.execution.fill_at = 'close';
      c.execution.fees = { maker_bps: 0, taker_bps: 0 };
      c.sizing = { mode: 'kelly', value: fraction };
    });

  /** Round trips of 1 unit bought at 100 and closed at each exit, then a sized buy at 100. */
  const roundTrips = (exits: number[]) => {
    const plan: Record<number, unknown> = { [2 * exits.length]: { side: 'buy' } };
    exits.forEach((_, k) => {
      plan[2 * k] = { side: 'buy', amount: 1 };
      plan[2 * k + 1] = { close: true };
    });
    return { closes: [...exits.flatMap((x) => [100, x]), 100], plan };
  };

  it('before 10 closed positions it sizes 1% of equity', async () => {
    const out = await run(bars([100]), kelly(0.5), scripted({ 0: { side: 'buy' } }));
    expect(of(out, 'fill')[0]).toMatchObject({ amount: 1, price: 100 });
  });

  it('then F x (W - (1 - W) / R) of equity: 6 wins of 10 and 4 losses of 5 give 0.5 x 0.4', async () => {
    // Ten round trips of 1 unit from 100: six to 110 (+10 each), four to 95 (-5 each).
    const { closes, plan } = roundTrips([110, 110, 110, 110, 110, 110, 95, 95, 95, 95]);
    const out = await run(bars(closes), kelly(0.5), scripted(plan));
    const closed = of(out, 'position').filter((p) => p.status === 'closed');
    expect(closed.map((p) => p.pnl)).toEqual([10, 10, 10, 10, 10, 10, -5, -5, -5, -5]);
    // W = 0.6, R = 10 / 5 = 2: Kelly 0.6 - 0.4 / 2 = 0.4, times 0.5 = 0.2 of equity 10040, at 100.
    expect(of(out, 'fill').at(-1)).toMatchObject({ side: 'buy', price: 100, amount: (10_040 * 0.2) / 100 });
  });

  it('capped at sizing.max_fraction', async () => {
    const { closes, plan } = roundTrips([150, 150, 150, 150, 150, 150, 150, 150, 150, 99]);
    const cfg = kelly(1);
    cfg.sizing.max_fraction = 0.25;
    const out = await run(bars(closes), cfg, scripted(plan));
    // W = 0.9, R = 50 / 1: Kelly 0.898, capped at 0.25 of equity 10449.
    expect(of(out, 'fill').at(-1)).toMatchObject({ amount: (10_449 * 0.25) / 100 });
  });
});

describe('backtest: built-in strategies on hand-worked signals', () => {
  const bt =
    (name: string, params: Record<string, unknown>) =>
    async (
      records: WireRecord[],
      cfg = config((c) => {
        c.close_at_end = false;
      }),
    ) => {
      const strategy = await loadStrategy(name, params);
      const engine = createEngine({ config: cfg, strategy });
      return collect(runStage(fromRecords(records), engine));
    };

  it('mean-reversion (Bollinger 3, k=1): buys the close below the lower band, exits at the middle', async () => {
    // Closes 100, 100, 100, 94, 97, 97. At 94: mean 98, population deviation sqrt(8) = 2.83, lower
    // band 95.17: buy, filled at the next open (95). At 97: mean of 100, 94, 97 is 97: the close is at
    // the middle band: exit, filled at the next open (96).
    const closes = [100, 100, 100, 94, 97, 97];
    const opens = [100, 100, 100, 100, 95, 96];
    const out = await bt('mean-reversion', { window: 3, k: 1 })(
      closes.map((c, i) => candle(i, opens[i]!, Math.max(c, opens[i]!), Math.min(c, opens[i]!), c)),
    );
    expect(of(out, 'fill').map((f) => [f.side, f.price, f.time])).toEqual([
      ['buy', 95, iso(T0 + 4 * MIN)],
      ['sell', 96, iso(T0 + 5 * MIN)],
    ]);
  });

  it('momentum (EMA 2/3, RSI 2 < 70): the overbought candle is skipped, the next enters, the turn exits', async () => {
    // Closes 10, 12, 11, 11.5, 11.2, 10. At 11.5: EMA2 11.333 > EMA3 11.25 but RSI 75: no entry. At
    // 11.2: EMA2 11.244 > EMA3 11.225 and RSI 57.7: buy (next open). At 10: EMA2 10.415 < EMA3
    // 10.6125: exit (next open).
    const closes = [10, 12, 11, 11.5, 11.2, 10, 10];
    const out = await bt('momentum', { fast: 2, slow: 3, rsi: 2, rsi_max: 70 })(
      closes.map((c, i) => candle(i, c + 0.01, c + 0.5, c - 0.5, c)),
    );
    expect(of(out, 'fill').map((f) => [f.side, f.price])).toEqual([
      ['buy', 10.01],
      ['sell', 10.01],
    ]);
    expect(of(out, 'fill').map((f) => f.time)).toEqual([iso(T0 + 5 * MIN), iso(T0 + 6 * MIN)]);
  });

  it('market-maker: post-only quotes half the spread around the mid, requoted with inventory skew after a fill', async () => {
    const q: WireRecord = {
      type: 'quote',
      time: iso(T0),
      exchange: 'binance_spot',
      symbol: 'BTCUSDT',
      bid_price: 99.9,
      bid_amount: 1,
      ask_price: 100.1,
      ask_amount: 1,
    };
    const t = trade(1, 99.94, 1);
    const cfg = config((c) => {
      c.close_at_end = false;
      c.sizing = { mode: 'fixed-amount', value: 0.5 };
      c.execution.allow_short = true;
    });
    const out = await bt('market-maker', { spread_bps: 10, skew_bps: 5, max_inventory: 1 })([q, t], cfg);
    const placed = of(out, 'order').filter((o) => o.status === 'new');
    // Mid 100, half-spread 5 bps: 99.95 and 100.05, post-only.
    expect(placed.slice(0, 2).map((o) => [o.side, o.price, o.post_only])).toEqual([
      ['buy', 100 * (1 - 0.0005), true],
      ['sell', 100 * (1 + 0.0005), true],
    ]);
    // The sell at 99.94 fills the bid; requoted around the last price with 0.5 of 1 inventory: skew 2.5 bps down.
    expect(of(out, 'fill')).toEqual([
      expect.objectContaining({ side: 'buy', price: 99.95, amount: 0.5, liquidity: 'maker' }),
    ]);
    const tilt = 0.5 * 0.0005;
    expect(placed.slice(2).map((o) => [o.side, o.price])).toEqual([
      ['buy', 99.94 * (1 - 0.0005 - tilt)],
      ['sell', 99.94 * (1 + 0.0005 - tilt)],
    ]);
    // The requote cancelled the old sell; the end of input cancels the new pair.
    expect(
      of(out, 'order')
        .filter((o) => o.status === 'cancelled')
        .map((o) => [o.id, o.reason]),
    ).toEqual([
      [2, undefined],
      [3, 'end of input'],
      [4, 'end of input'],
    ]);
  });
});

describe('backtest: engine records', () => {
  it('trading_state off refuses new orders; command close_positions closes; disconnect blocks that venue until data resumes', async () => {
    const rec = (i: number, r: object): WireRecord =>
      ({ time: iso(T0 + (i + 1) * MIN), ...r }) as unknown as WireRecord;
    const out = await run(
      [
        candle(0, 100, 100, 100, 100),
        candle(1, 100, 100, 100, 100),
        rec(1, { type: 'command', action: 'close_positions' }),
        rec(1, { type: 'disconnect', exchange: 'binance_spot' }),
        candle(2, 100, 100, 100, 100),
        rec(2, { type: 'trading_state', enabled: false }),
        candle(3, 100, 100, 100, 100),
      ],
      config(),
      {
        onRecord: (r) => (r.type === 'candle' ? { side: 'buy', amount: 1 } : undefined),
        onDisconnect: () => ({ side: 'buy', amount: 1, symbol: 'BTCUSDT' }),
      },
    );
    const orders = of(out, 'order');
    expect(orders.filter((o) => o.status === 'rejected').map((o) => o.reason)).toEqual([
      'binance_spot is disconnected: no new orders until its data resumes',
      'trading is disabled',
    ]);
    expect(of(out, 'position').filter((p) => p.status === 'closed')).toHaveLength(2);
  });
});

describe('backtest: strategies', () => {
  /** An independent sma-cross in the style of backtrader: next-open market fills, commission on value. */
  function reference(
    bars: { open: number; close: number }[],
    fast: number,
    slow: number,
    size: number,
    commission: number,
  ) {
    let cash = 10_000;
    let pos = 0;
    let pending = 0;
    let nzd = 0;
    const fills: [number, number][] = [];
    const sma = (i: number, n: number) => {
      let s = 0;
      for (let k = i - n + 1; k <= i; k++) s += bars[k]!.close;
      return s / n;
    };
    for (let i = 0; i < bars.length; i++) {
      if (pending !== 0) {
        const px = bars[i]!.open;
        cash -= pending * px + Math.abs(pending * px) * commission;
        pos += pending;
        fills.push([i, px]);
        pending = 0;
      }
      if (i < slow - 1) continue;
      const d = sma(i, fast) - sma(i, slow);
      const cross = nzd < 0 && d > 0 ? 1 : nzd > 0 && d < 0 ? -1 : 0;
      if (d !== 0) nzd = d;
      if (pos === 0 && cross > 0) pending = size;
      else if (pos !== 0 && cross < 0) pending = -pos;
    }
    return { fills, value: cash + pos * bars.at(-1)!.close };
  }

  it('sma-cross acts on the crossing candle only, and agrees with a reference implementation', async () => {
    // A wave: the fast average crosses the slow one several times.
    const closes = Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 8) + (i % 7) * 0.3);
    const bars = closes.map((c, i) =>
      candle(
        i,
        i === 0 ? c : closes[i - 1]!,
        Math.max(c, closes[i - 1] ?? c) + 0.5,
        Math.min(c, closes[i - 1] ?? c) - 0.5,
        c,
      ),
    );
    const s = await loadStrategy('sma-cross', { fast: 5, slow: 15 });
    const out = await collect(
      runStage(
        fromRecords(bars),
        createEngine({
          config: config((c) => {
            c.execution.fees = { maker_bps: 10, taker_bps: 10 };
            c.sizing = { mode: 'fixed-amount', value: 3 };
            c.close_at_end = false;
          }),
          strategy: s,
        }),
      ),
    );
    const ref = reference(bars as never, 5, 15, 3, 0.001);
    expect(ref.fills.length).toBeGreaterThanOrEqual(4);
    expect(of(out, 'fill').map((f) => [f.time, f.price])).toEqual(
      ref.fills.map(([i, px]) => [iso(T0 + i * MIN), px]),
    );
    expect(lastEquity(out).equity as number).toBeCloseTo(ref.value, 6);
  });

  it('a user module (examples/breakout.js) runs through the same interface', async () => {
    const closes = [
      ...Array.from({ length: 30 }, () => 100),
      105,
      106,
      107,
      ...Array.from({ length: 15 }, () => 90),
    ];
    const bars = closes.map((c, i) => candle(i, c, c + 1, c - 1, c));
    const r = await runInProcess(
      [
        'backtest',
        '--strategy',
        './examples/breakout.js',
        '--param',
        'window=20',
        '--sizing',
        'fixed-amount:1',
        '--quiet',
      ],
      `${bars.map((b) => JSON.stringify(b)).join('\n')}\n`,
    );
    expect(r.stderr).toBe('');
    const out = parseLines(r.stdout);
    // Breakout on candle 30 (close 105 > 101): bought at candle 31's open (106); closed below the 10-candle low.
    const fills = of(out, 'fill');
    expect(fills[0]).toMatchObject({ side: 'buy', price: 106 });
    expect(fills[1]).toMatchObject({ side: 'sell', price: 90 });
    expect(of(out, 'order')[0]).toMatchObject({ tag: 'breakout above 101' });
  });
});

describe('backtest: a TypeScript strategy module', () => {
  it('runs a .ts module, types and all, in a real process (Node type stripping, or sucrase on Node 20)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-bt-'));
    const mod = join(dir, 'third.ts');
    writeFileSync(
      mod,
      [
        'interface Candle { type: string; close: number }',
        "type Intent = { side: 'buy' | 'sell'; amount: number };",
        'export const defaults: Record<string, number> = { at: 3 };',
        'export function create(params: Record<string, unknown>) {',
        '  let seen: number = 0;',
        '  return {',
        '    onRecord(r: Candle): Intent[] | undefined {',
        "      if (r.type !== 'candle') return undefined;",
        "      return ++seen === Number(params.at) ? [{ side: 'buy', amount: 1 }] : undefined;",
        '    },',
        '  };',
        '}',
      ].join('\n'),
    );
    const bars = Array.from({ length: 6 }, (_, i) => candle(i, 100 + i, 101 + i, 99 + i, 100.5 + i));
    const r = await runCli(
      ['backtest', '--strategy', mod, '--param', 'at=2', '--no-close-at-end', '--quiet'],
      `${bars.map((b) => JSON.stringify(b)).join('\n')}\n`,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Decided on the second candle, filled at the third's open.
    expect(of(parseLines(r.stdout), 'fill')).toMatchObject([{ side: 'buy', amount: 1, price: 102 }]);
  });
});

describeShared('backtest agrees with backtrader (shared backtrader/orcl-1995-2014.txt)', () => {
  it('long-only SMA(10)/SMA(30), next-open fills, buy(size=10), commission 0.1%: same trades, same final value', async () => {
    const file = sharedFile('backtrader', 'orcl-1995-2014.txt');
    const ref = smaCrossRun(readBars(file));
    const candles = await runInProcess(['fetch', '--file', file, '--quiet']);
    const r = await runInProcess(SMA_CROSS_ARGS, candles.stdout);
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    const fills = of(out, 'fill');
    expect(fills).toHaveLength(195);
    expect(fills.map((f) => [String(f.time).slice(0, 10), f.price])).toEqual(ref.fills);
    expect(lastEquity(out).equity as number).toBeCloseTo(ref.value, 6);
    // The value backtrader's broker reports for this run: cash + position x last close.
    expect(ref.value).toBeCloseTo(10230.2333, 4);
  });
});

describeShared("backtest reads barter's system_config.json (shared barter-rs)", () => {
  it('instruments, latency, fees_percent as barter applies it, and the initial balances', () => {
    const path = sharedFile('barter-rs', 'system_config.json');
    const cfg = parseConfig(JSON.parse(readFileSync(path, 'utf8')), path);
    expect(cfg.instruments.map((i) => i.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    expect(cfg.instruments[0]).toMatchObject({
      exchange: 'binance_spot',
      base: 'btc',
      quote: 'usdt',
      kind: 'spot',
    });
    expect(cfg.execution.latency_ms).toBe(100);
    // barter multiplies the notional by fees_percent as it is: 0.05 is 5% = 500 bps.
    expect(cfg.execution.fees).toEqual({ maker_bps: 500, taker_bps: 500 });
    expect(cfg.balances.find((b) => b.asset === 'usdt')).toEqual({
      exchange: 'binance_spot',
      asset: 'usdt',
      total: 10000,
      free: 10000, // barter's balance has total and free
    });
    expect(cfg.balances.find((b) => b.asset === 'btc')?.total).toBe(0.1);
  });
});

describe('backtest: bad input', () => {
  const text = (recs: WireRecord[]) => `${recs.map((r) => JSON.stringify(r)).join('\n')}\n`;
  const bars = [candle(0, 100, 101, 99, 100), candle(1, 100, 101, 99, 100)];

  it('a record older than the clock: a located error suggesting sanitize --reorder-window, exit 1', async () => {
    const r = await runInProcess(
      ['backtest', '--strategy', 'buy-and-hold', '--quiet'],
      text([bars[1]!, bars[0]!]),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /stdin:2: record at 2024-01-01T00:01:00.000Z is older than the engine clock .*sanitize --reorder-window/,
    );
  });

  it('an instrument the configuration does not know: a warning and default rules, or an error with --strict-instruments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-bt-'));
    const cfgPath = join(dir, 'c.json');
    writeFileSync(
      cfgPath,
      JSON.stringify({
        instruments: [
          { exchange: 'binance_spot', symbol: 'ETHUSDT', base: 'eth', quote: 'usdt', kind: 'spot' },
        ],
      }),
    );
    const warned = await runInProcess(
      ['backtest', '--config', cfgPath, '--strategy', 'buy-and-hold', '--quiet'],
      text(bars),
    );
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(
      /warning: binance_spot BTCUSDT is not configured: trading it as spot btc\/usdt with no tick, lot or minimum notional rules/,
    );
    const strict = await runInProcess(
      ['backtest', '--config', cfgPath, '--strategy', 'buy-and-hold', '--strict-instruments', '--quiet'],
      text(bars),
    );
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/stdin:1: binance_spot BTCUSDT is not in the configured instruments/);
  });

  it('many unconfigured instruments: ten named, the rest counted in one line at the end (#20 item 11)', async () => {
    const trades = Array.from({ length: 14 }, (_, i) => ({
      type: 'trade',
      time: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
      exchange: 'binance_spot',
      symbol: `S${i}USDT`,
      id: i + 1,
      price: 100,
      amount: 1,
      side: 'buy',
    }));
    const r = await runInProcess(
      [
        'backtest',
        '--strategy',
        'buy-and-hold',
        '--sizing',
        'fixed-amount:1',
        '--balance',
        'binance_spot:usdt=100000',
        '--quiet',
      ],
      text(trades as unknown as WireRecord[]),
    );
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.includes('not configured'));
    expect(lines).toHaveLength(12);
    expect(lines.slice(0, 10).map((l) => /binance_spot (S\d+USDT) is not configured/.exec(l)?.[1])).toEqual(
      Array.from({ length: 10 }, (_, i) => `S${i}USDT`),
    );
    expect(lines[10]).toMatch(/more instruments are not configured \(binance_spot S10USDT and later ones\)/);
    expect(lines[11]).toMatch(/14 instruments were not configured in all \(10 named above\)/);
    // Every one of the 14 is still traded: a buy placed on each.
    const placed = r.stdout
      .split('\n')
      .filter((l) => l.includes('"type":"order"') && l.includes('"status":"new"'));
    expect(new Set(placed.map((l) => (JSON.parse(l) as { symbol: string }).symbol)).size).toBe(14);
  });

  it('a strategy module that throws: the error with the record that triggered it, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-bt-'));
    const mod = join(dir, 'boom.js');
    writeFileSync(
      mod,
      "export function create() { return { onRecord(r) { if (r.close > 100) throw new Error('boom'); } }; }\n",
    );
    const r = await runInProcess(
      ['backtest', '--strategy', mod, '--quiet'],
      text([bars[0]!, candle(1, 100, 102, 99, 101)]),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stdin:2: strategy boom threw in onRecord: boom/);
    expect(r.stderr).toMatch(/record: \{"type":"candle","time":"2024-01-01T00:02:00.000Z"/);
  });

  it('an unknown strategy: exit 2 listing the built-in ones; an unknown parameter: exit 2 naming it', async () => {
    const r = await runInProcess(['backtest', '--strategy', 'sma-crossover'], text(bars));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /unknown strategy "sma-crossover"; built in: sma-cross, mean-reversion, momentum, pairs, market-maker, buy-and-hold/,
    );
    const p = await runInProcess(['backtest', '--strategy', 'sma-cross', '--param', 'fsat=3'], text(bars));
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/strategy sma-cross: unknown parameter fsat \(it has: fast, slow, long_short\)/);
  });

  it('--instruments FILE: the rules of instrument records (as fetch --kind instruments writes them) apply', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-bt-'));
    const path = join(dir, 'instruments.ndjson');
    writeFileSync(
      path,
      `${JSON.stringify({ type: 'instrument', exchange: 'binance_spot', symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', kind: 'spot', tick_size: 0.01, lot_size: 0.01, min_notional: 5, status: 'TRADING' })}\n`,
    );
    const r = await runInProcess(
      [
        'backtest',
        '--instruments',
        path,
        '--strategy',
        'buy-and-hold',
        '--sizing',
        'fixed-amount:0.129',
        '--quiet',
      ],
      text(bars),
    );
    expect(r.stderr).toBe('');
    // 0.129 down to the 0.01 lot: 0.12, a notional of 12 over the minimum 5.
    expect(of(parseLines(r.stdout), 'order')[0]).toMatchObject({ amount: 0.12, status: 'new' });
    const bad = await runInProcess(['backtest', '--slippage-bps', 'lots'], text(bars));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--slippage-bps: expected a number >= 0, found "lots"/);
  });

  it('an inverse (coin-margined) perpetual is settled in the base coin', async () => {
    // generated candles relabelled as Binance COIN-M's BTCUSD_PERP (contract size 100 USD by default)
    const data = await runInProcess(['generate', 'candles', '--count', '300', '--seed', '3']);
    const coin = data.stdout
      .replace(/"exchange":"[^"]*"/g, '"exchange":"binance_futures_coin"')
      .replace(/"symbol":"[^"]*"/g, '"symbol":"BTCUSD_PERP"');
    const bars = parseLines(coin);
    const first = bars[0]!.close as number;
    const last = bars.at(-1)!.close as number;
    const r = await runInProcess(
      [
        'backtest',
        '--strategy',
        'buy-and-hold',
        '--sizing',
        'fixed-amount:10',
        '--balance',
        'binance_futures_coin:btc=1',
        '--fees',
        'maker=0,taker=5',
        '--no-quiet',
      ],
      coin,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/inverse \(settled in btc, contract size 100 usd\)/);
    const out = parseLines(r.stdout);
    const fills = out.filter((x) => x.type === 'fill');
    expect(fills.map((f) => [f.side, f.price, f.amount, f.fee_asset])).toEqual([
      ['buy', first, 10, 'btc'],
      ['sell', last, 10, 'btc'],
    ]);
    // fees: 10 contracts x 100 USD / price x 5 bps, in BTC
    const feeIn = ((10 * 100) / first) * 0.0005;
    const feeOut = ((10 * 100) / last) * 0.0005;
    expect(fills[0]!.fee as number).toBeCloseTo(feeIn, 15);
    expect(fills[1]!.fee as number).toBeCloseTo(feeOut, 15);
    // PnL in BTC: 10 x 100 x (1/entry - 1/exit), less the fees
    const pnl = 10 * 100 * (1 / first - 1 / last) - feeIn - feeOut;
    const closed = out.find((x) => x.type === 'position' && x.status === 'closed')!;
    expect(closed.pnl as number).toBeCloseTo(pnl, 12);
    const balances = out.filter((x) => x.type === 'balance');
    expect(balances.every((b) => b.asset === 'btc')).toBe(true);
    expect(balances.at(-1)!.total as number).toBeCloseTo(1 + pnl, 12);
    const eq = out.filter((x) => x.type === 'equity').at(-1)!;
    expect(eq.asset).toBe('btc');
    expect(eq.equity as number).toBeCloseTo(1 + pnl, 8);
  });

  it('an inverse instrument configured as spot is refused: exit 2', async () => {
    const coin = { ...candle(0, 60_000, 60_100, 59_900, 60_050, 'BTCUSD_PERP', 'binance_futures_coin') };
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-bt-'));
    const cfgPath = join(dir, 'c.json');
    writeFileSync(
      cfgPath,
      JSON.stringify({
        instruments: [{ exchange: 'binance_futures_coin', symbol: 'BTCUSD_PERP', base: 'btc', quote: 'usd' }],
      }),
    );
    const r = await runInProcess(
      ['backtest', '--strategy', 'buy-and-hold', '--config', cfgPath, '--quiet'],
      `${JSON.stringify(coin)}\n`,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/an inverse \(coin-margined\) instrument is a perpetual/);
    expect(r.stdout).toBe('');
  });

  it('a configuration with unknown keys: exit 2 naming them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-bt-'));
    const cfgPath = join(dir, 'c.json');
    writeFileSync(
      cfgPath,
      JSON.stringify({ execution: { fees: { maker_bps: 1 }, slipage_bps: 3 }, leverage: 2 }),
    );
    const r = await runInProcess(['backtest', '--config', cfgPath], text(bars));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key "leverage"/);
    writeFileSync(cfgPath, JSON.stringify({ execution: { slipage_bps: 3 } }));
    const r2 = await runInProcess(['backtest', '--config', cfgPath], text(bars));
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/execution: unknown key "slipage_bps"/);
  });
});

describe('backtest: every built-in strategy trades on generated data', () => {
  it.each([
    ['sma-cross', 'candles', []],
    ['mean-reversion', 'candles', ['--param', 'mode=zscore', '--param', 'long_short=true', '--allow-short']],
    ['momentum', 'candles', ['--param', 'fast=5', '--param', 'slow=20']],
    ['buy-and-hold', 'candles', []],
    [
      'market-maker',
      'quotes',
      ['--balance', 'binance_spot:usdt=100000', '--balance', 'binance_spot:btc=2', '--param', 'spread_bps=2'],
    ],
  ] as const)('%s', async (name, kind, extra) => {
    const data = await runInProcess(['generate', kind, '--count', '3000', '--seed', '3']);
    const r = await runInProcess(
      ['backtest', '--strategy', name, '--sizing', 'fixed-amount:0.01', ...extra, '--quiet'],
      data.stdout,
    );
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(of(out, 'fill').length).toBeGreaterThan(0);
    // Every fill belongs to an order that reached filled or partially_filled, and equity is written.
    expect(of(out, 'equity').length).toBeGreaterThan(0);
    const filledIds = new Set(
      of(out, 'order')
        .filter((o) => o.status === 'filled' || o.status === 'partially_filled')
        .map((o) => o.id),
    );
    for (const f of of(out, 'fill')) expect(filledIds.has(f.order_id)).toBe(true);
  });

  it('pairs: opposite legs on two symbols, closed together', async () => {
    // b follows a random walk; a = 2 b + a mean-reverting wobble.
    const recs: WireRecord[] = [];
    let b = 100;
    for (let i = 0; i < 400; i++) {
      b *= 1 + Math.sin(i * 1.7) * 0.004;
      const a = 2 * b + 3 * Math.sin(i / 5);
      recs.push(
        candle(i, a, a, a, a, 'AUSDT', 'binance_futures_usd'),
        candle(i, b, b, b, b, 'BUSDT', 'binance_futures_usd'),
      );
    }
    const r = await runInProcess(
      [
        'backtest',
        '--strategy',
        'pairs',
        '--param',
        'window=40',
        '--param',
        'entry=1.5',
        '--sizing',
        'fixed-amount:1',
        '--balance',
        'binance_futures_usd:usdt=100000',
        '--quiet',
      ],
      `${recs.map((x) => JSON.stringify(x)).join('\n')}\n`,
    );
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    const opened = of(out, 'position').filter((p) => p.status === 'open');
    expect(opened.length).toBeGreaterThanOrEqual(2);
    // The legs of each entry are on opposite sides.
    const first = opened.slice(0, 2);
    expect(new Set(first.map((p) => p.symbol))).toEqual(new Set(['AUSDT', 'BUSDT']));
    expect(first[0]!.side).not.toBe(first[1]!.side);
  });
});
