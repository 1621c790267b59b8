/**
 * Order types (issue #16 item 2): stops, stop-limits, take-profits, trailing stops, OCO, brackets,
 * good-till-date and reduce-only, one hand-worked case per trigger rule of docs/execution.md.
 */

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/backtest/backtest.js';
import { type BacktestConfig, DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import type { Decision, Strategy } from '../../src/core/backtest/strategy.js';
import { collect, fromRecords, runStage } from '../../src/core/io/stream.js';
import { serialize, type WireRecord } from '../../src/core/records/record.js';

const T0 = Date.UTC(2024, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const candle = (i: number, o: number, h: number, l: number, c: number): WireRecord => ({
  type: 'candle',
  time: iso(T0 + (i + 1) * 60_000),
  exchange: 'x',
  symbol: 'BTCUSDT',
  interval: '1m',
  open_time: iso(T0 + i * 60_000),
  open: o,
  high: h,
  low: l,
  close: c,
  volume: 1,
});
const trade = (s: number, price: number): WireRecord => ({
  type: 'trade',
  time: iso(T0 + s * 1000),
  exchange: 'x',
  symbol: 'BTCUSDT',
  id: s,
  price,
  amount: 1,
  side: 'buy',
});
const quote = (s: number, bid: number, ask: number, askAmount = 10): WireRecord => ({
  type: 'quote',
  time: iso(T0 + s * 1000),
  exchange: 'x',
  symbol: 'BTCUSDT',
  bid_price: bid,
  bid_amount: 10,
  ask_price: ask,
  ask_amount: askAmount,
});

/** A strategy that returns `plan[i]` on the i-th market record. */
const scripted = (plan: Record<number, Decision>): Strategy => {
  let i = 0;
  return { onRecord: () => plan[i++] };
};

async function run(
  records: WireRecord[],
  plan: Record<number, Decision>,
  patch: (c: BacktestConfig) => void = () => {},
) {
  const cfg = structuredClone(DEFAULT_CONFIG);
  cfg.instruments = [{ exchange: 'x', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'spot' }];
  cfg.balances = [
    { exchange: 'x', asset: 'usdt', total: 100_000 },
    { exchange: 'x', asset: 'btc', total: 10 },
  ];
  cfg.close_at_end = false;
  patch(cfg);
  const engine = createEngine({ config: cfg, strategy: { name: 't', strategy: scripted(plan), params: {} } });
  const out = await collect(runStage(fromRecords(records), engine));
  for (const r of out) expect(serialize(r)).toBe(JSON.stringify(r));
  const fills = out
    .filter((r) => r.type === 'fill')
    .map((f) => [f.order_id, f.side, f.price, f.amount, f.time]);
  const last = new Map<unknown, WireRecord>();
  for (const o of out.filter((r) => r.type === 'order')) last.set(o.id, o);
  return { out, fills, orders: [...last.values()] };
}

describe('stops on candles', () => {
  it('a sell stop triggers when the low reaches it and fills at the trigger, stamped at the close', async () => {
    const { fills, orders } = await run([candle(0, 100, 101, 99, 100), candle(1, 98, 99, 94, 96)], {
      0: { side: 'sell', kind: 'stop', trigger_price: 95, amount: 1 },
    });
    expect(fills).toEqual([[1, 'sell', 95, 1, iso(T0 + 2 * 60_000)]]);
    expect(orders[0]).toMatchObject({
      kind: 'stop',
      trigger_price: 95,
      triggered_at: iso(T0 + 2 * 60_000),
      status: 'filled',
    });
  });

  it('a candle that gaps through the trigger fills at the open, stamped at the open', async () => {
    const { fills } = await run([candle(0, 100, 101, 99, 100), candle(1, 93, 94, 90, 92)], {
      0: { side: 'sell', kind: 'stop', trigger_price: 95, amount: 1 },
    });
    expect(fills).toEqual([[1, 'sell', 93, 1, iso(T0 + 60_000)]]);
  });

  it('a buy stop is not triggered by a candle that stays below it', async () => {
    const { fills, orders } = await run([candle(0, 100, 101, 99, 100), candle(1, 100, 104.9, 99, 104)], {
      0: { side: 'buy', kind: 'stop', trigger_price: 105, amount: 1 },
    });
    expect(fills).toEqual([]);
    expect(orders[0]).toMatchObject({ status: 'cancelled', reason: 'end of input', triggered_at: null });
  });

  it('a sell take-profit triggers on the high and fills at its trigger', async () => {
    const { fills } = await run([candle(0, 100, 101, 99, 100), candle(1, 101, 106, 100, 104)], {
      0: { side: 'sell', kind: 'take_profit', trigger_price: 105, amount: 1 },
    });
    expect(fills).toEqual([[1, 'sell', 105, 1, iso(T0 + 2 * 60_000)]]);
  });
});

describe('stops on trades and quotes', () => {
  it('a buy stop triggers on the first trade at or above it and fills at that trade', async () => {
    const { fills } = await run([trade(0, 100), trade(1, 100.5), trade(2, 101.2), trade(3, 101.5)], {
      0: { side: 'buy', kind: 'stop', trigger_price: 101, amount: 1 },
    });
    expect(fills).toEqual([[1, 'buy', 101.2, 1, iso(T0 + 2000)]]);
  });

  it('a sell stop-limit triggers on the bid, then takes the bid down to its limit', async () => {
    const { fills, orders } = await run([quote(0, 99.5, 99.6), quote(1, 99.2, 99.3), quote(2, 98.9, 99)], {
      0: { side: 'sell', kind: 'stop_limit', trigger_price: 99, price: 98.5, amount: 1 },
    });
    expect(fills).toEqual([[1, 'sell', 98.9, 1, iso(T0 + 2000)]]);
    expect(orders[0]).toMatchObject({ kind: 'stop_limit', price: 98.5, trigger_price: 99, status: 'filled' });
  });

  it('a buy stop on quotes compares the ask, not the bid', async () => {
    const { fills } = await run([quote(0, 99, 99.5), quote(1, 100.9, 101.2)], {
      0: { side: 'buy', kind: 'stop', trigger_price: 101, amount: 1 },
    });
    expect(fills).toEqual([[1, 'buy', 101.2, 1, iso(T0 + 1000)]]);
  });

  it('a trailing stop (1%) ratchets up with the trades and triggers 1% below the best', async () => {
    // Armed at 100: trigger 99. 105 -> 103.95. 104 holds. 103.9 triggers.
    const { fills, orders } = await run([trade(0, 100), trade(1, 105), trade(2, 104), trade(3, 103.9)], {
      0: { side: 'sell', kind: 'trailing_stop', trail_percent: 1, amount: 1 },
    });
    expect(fills).toEqual([[1, 'sell', 103.9, 1, iso(T0 + 3000)]]);
    expect(orders[0]).toMatchObject({ kind: 'trailing_stop', trigger_price: 103.95, trail_percent: 1 });
  });

  it('a trailing stop by price never moves back', async () => {
    const { fills } = await run([trade(0, 100), trade(1, 98), trade(2, 97.1), trade(3, 96.9)], {
      0: { side: 'buy', kind: 'trailing_stop', trail: 2, amount: 1 },
    });
    // Armed at 100: 102; 98 -> 100; 97.1 -> 99.1; 96.9 -> 98.9: never reached.
    expect(fills).toEqual([]);
  });
});

describe('OCO, brackets, good-till-date, reduce-only', () => {
  it('an OCO group: when one fills the other is cancelled, saying why', async () => {
    const { orders } = await run([trade(0, 100), trade(1, 102.5), trade(2, 90)], {
      0: [
        { side: 'sell', kind: 'take_profit', trigger_price: 102, amount: 1, oco: 'exit' },
        { side: 'sell', kind: 'stop', trigger_price: 95, amount: 1, oco: 'exit' },
      ],
    });
    expect(orders.map((o) => [o.id, o.status, o.reason])).toEqual([
      [1, 'filled', undefined],
      [2, 'cancelled', 'oco: order 1 triggered'],
    ]);
  });

  it('a bracket: children active when the entry fills; one candle holding both legs takes the stop first', async () => {
    const records = [
      candle(0, 100, 101, 99, 100),
      candle(1, 100, 102, 99, 101),
      candle(2, 101, 111, 94, 100),
    ];
    const plan = { 0: { side: 'buy' as const, amount: 1, bracket: { stop_loss: 95, take_profit: 110 } } };
    const a = await run(records, plan);
    expect(a.fills).toEqual([
      [1, 'buy', 100, 1, iso(T0 + 60_000)],
      [2, 'sell', 95, 1, iso(T0 + 3 * 60_000)],
    ]);
    expect(a.orders.map((o) => [o.id, o.kind, o.status, o.parent_id, o.reason])).toEqual([
      [1, 'market', 'filled', undefined, undefined],
      [2, 'stop', 'filled', 1, undefined],
      [3, 'take_profit', 'cancelled', 1, 'oco: order 2 triggered'],
    ]);
    const b = await run(records, plan, (c) => {
      c.execution.candle_both_legs = 'take_profit';
    });
    expect(b.fills.at(-1)).toEqual([3, 'sell', 110, 1, iso(T0 + 3 * 60_000)]);
  });

  it("a bracket's children follow the entry's partial fills", async () => {
    // Limit buy 2 at 100 against 0.5 at the ask: 0.5 fills, the children are 0.5; then 1.5 more: 2.
    const { out } = await run([quote(0, 99, 100, 0.5), quote(1, 99, 100, 5)], {
      0: { side: 'buy', kind: 'limit', price: 100, amount: 2, bracket: { stop_loss: 90, take_profit: 120 } },
    });
    const children = out.filter((r) => r.type === 'order' && r.parent_id === 1);
    expect(children.map((c) => [c.id, c.amount, c.status, c.reason])).toEqual([
      [2, 0.5, 'new', undefined],
      [2, 0.5, 'open', undefined],
      [3, 0.5, 'new', undefined],
      [3, 0.5, 'open', undefined],
      [2, 2, 'open', 'bracket: entry 1 filled 2'],
      [3, 2, 'open', 'bracket: entry 1 filled 2'],
      [2, 2, 'cancelled', 'end of input'],
      [3, 2, 'cancelled', 'end of input'],
    ]);
    const fills = out.filter((r) => r.type === 'fill').map((f) => f.amount);
    expect(fills).toEqual([0.5, 1.5]);
  });

  it('good-till-date: a resting limit expires at its expire_time in event time', async () => {
    const { orders } = await run([trade(0, 100), trade(5, 100.5), trade(11, 100.2)], {
      0: {
        side: 'buy',
        kind: 'limit',
        price: 99,
        amount: 1,
        time_in_force: 'gtd',
        expire_time: iso(T0 + 10_000),
      },
    });
    expect(orders[0]).toMatchObject({
      status: 'expired',
      reason: 'good till date',
      time: iso(T0 + 11_000),
      expire_time: iso(T0 + 10_000),
    });
  });

  it('a reduce-only stop sells the position when it triggers', async () => {
    const { orders } = await run([trade(0, 100), trade(1, 100.2), trade(2, 94)], {
      0: { side: 'buy', amount: 1 },
      1: { side: 'sell', kind: 'stop', trigger_price: 95, amount: 1, reduce_only: true },
    });
    expect(orders.map((o) => [o.kind, o.status])).toEqual([
      ['market', 'filled'],
      ['stop', 'filled'],
    ]);
  });

  it('a reduce-only stop whose position was closed meanwhile is rejected when it triggers', async () => {
    const { orders } = await run(
      [trade(0, 100), trade(1, 100.2), trade(2, 100.1), trade(3, 100), trade(4, 94)],
      {
        0: { side: 'buy', amount: 1 },
        1: { side: 'sell', kind: 'stop', trigger_price: 95, amount: 1, reduce_only: true },
        2: { close: true },
      },
    );
    expect(orders.map((o) => [o.kind, o.status, o.reason])).toEqual([
      ['market', 'filled', undefined],
      ['stop', 'rejected', 'reduce-only order would not reduce the position'],
      ['market', 'filled', undefined],
    ]);
  });

  it('malformed conditional intents are rejected with the field', async () => {
    const { orders } = await run([trade(0, 100), trade(1, 100)], {
      0: [
        { side: 'sell', kind: 'stop', amount: 1 },
        { side: 'sell', kind: 'trailing_stop', amount: 1 },
        { side: 'buy', amount: 1, bracket: { stop_loss: 110, take_profit: 90 } },
      ],
    });
    expect(orders.map((o) => o.reason)).toEqual([
      'malformed intent: a stop order needs a "trigger_price" > 0, found undefined',
      'malformed intent: a trailing_stop needs one of "trail" (a price distance) or "trail_percent"',
      'malformed intent: a buy bracket needs its stop_loss below its take_profit, found {"stop_loss":110,"take_profit":90}',
    ]);
  });

  it('amend: a resting bid moved up takes effect after the latency, then arrives at the market again', async () => {
    // Bid 98 for 1; at 1 s amend to 99.5 and 2 with 1500 ms latency: effective at 2.5 s.
    const { out, orders } = await run(
      [trade(0, 100), trade(1, 100), trade(2, 99.4), trade(3, 99.4)],
      { 1: { amend: 1, price: 99.5, amount: 2 }, 0: { side: 'buy', kind: 'limit', price: 98, amount: 1 } },
      (c) => {
        c.execution.latency_ms = 1500;
      },
    );
    const amended = out.filter((r) => r.type === 'order' && r.reason === 'amended');
    expect(amended.map((o) => [o.time, o.price, o.amount])).toEqual([[iso(T0 + 3000), 99.5, 2]]);
    // The trade at 2 s (99.4) does not reach 98; at 3 s the amended bid 99.5 arrives above the last
    // price 99.4: marketable, it takes the trade at 99.4.
    expect(out.filter((r) => r.type === 'fill').map((f) => [f.price, f.amount, f.liquidity, f.time])).toEqual(
      [[99.4, 2, 'taker', iso(T0 + 3000)]],
    );
    expect(orders[0]).toMatchObject({ status: 'filled', price: 99.5, amount: 2 });
  });

  it('amend: an amount that no longer fits the free balance is refused and the order stays as it was', async () => {
    const { out } = await run([trade(0, 100), trade(1, 100)], {
      0: { side: 'buy', kind: 'limit', price: 90, amount: 1 },
      1: { amend: 1, amount: 5000 },
    });
    const o = out.filter((r) => r.type === 'order' && r.id === 1);
    expect(o.map((r) => [r.status, r.amount, r.reason])).toEqual([
      ['new', 1, undefined],
      ['open', 1, undefined],
      ['open', 1, 'amend refused: insufficient usdt: free 100000, needs 450000 including fees'],
      ['cancelled', 1, 'end of input'],
    ]);
  });
});
