/**
 * The matchers (src/core/matching/): one table of hand-worked cases per data kind, each rule of
 * docs/execution.md with the price, amount and liquidity it must give.
 */

import { describe, expect, it } from 'vitest';
import { dec } from '../../src/core/backtest/exact.js';
import { applyQuote, setTop } from '../../src/core/market/market.js';
import { bookFills } from '../../src/core/matching/book.js';
import { candleFills } from '../../src/core/matching/candle.js';
import { tradeFills } from '../../src/core/matching/trade.js';
import { parts } from './parts.js';

const bar = (open: number, high: number, low: number, fillAtTouch = false) => ({
  openUs: 1_000_000,
  open,
  high,
  low,
  openStampUs: 1_000_000,
  openText: 'OPEN',
  fillAtTouch,
});

describe('matching: candles', () => {
  const cases: {
    name: string;
    side: 'buy' | 'sell';
    kind: 'market' | 'limit';
    price?: number;
    tif?: 'gtc' | 'ioc' | 'fok';
    c: ReturnType<typeof bar>;
    want: { price: number; liquidity: string; time: string } | 'none' | 'expired';
  }[] = [
    {
      name: 'market buy fills at the open, stamped at the open',
      side: 'buy',
      kind: 'market',
      c: bar(100, 102, 99),
      want: { price: 100, liquidity: 'taker', time: 'OPEN' },
    },
    {
      name: 'buy limit inside the range fills at its price as maker',
      side: 'buy',
      kind: 'limit',
      price: 99.5,
      c: bar(100, 102, 99),
      want: { price: 99.5, liquidity: 'maker', time: 'CLOSE' },
    },
    {
      name: 'buy limit the open gaps through fills at the better open',
      side: 'buy',
      kind: 'limit',
      price: 99.5,
      c: bar(98, 99, 97),
      want: { price: 98, liquidity: 'maker', time: 'OPEN' },
    },
    {
      name: 'buy limit only touched by the low does not fill',
      side: 'buy',
      kind: 'limit',
      price: 99,
      c: bar(100, 102, 99),
      want: 'none',
    },
    {
      name: 'buy limit touched fills with fill_at_touch',
      side: 'buy',
      kind: 'limit',
      price: 99,
      c: bar(100, 102, 99, true),
      want: { price: 99, liquidity: 'maker', time: 'CLOSE' },
    },
    {
      name: 'sell limit inside the range fills at its price',
      side: 'sell',
      kind: 'limit',
      price: 101.5,
      c: bar(100, 102, 99),
      want: { price: 101.5, liquidity: 'maker', time: 'CLOSE' },
    },
    {
      name: 'sell limit the open gaps through fills at the open',
      side: 'sell',
      kind: 'limit',
      price: 101.5,
      c: bar(103, 104, 102),
      want: { price: 103, liquidity: 'maker', time: 'OPEN' },
    },
    {
      name: 'ioc limit not crossed at the open expires',
      side: 'buy',
      kind: 'limit',
      price: 99.5,
      tif: 'ioc',
      c: bar(100, 102, 99),
      want: 'expired',
    },
  ];
  for (const k of cases)
    it(k.name, () => {
      const p = parts();
      p.inst.last = 100.5; // a limit below this is not marketable on arrival
      p.clock.advance(1_000_000, 'CLOSE', 'ms');
      p.balances.of('x', 'btc').set(dec(1)); // a spot sell needs what it sells
      const o = p.order(k.side, k.kind, k.price, 1, k.tif ?? 'gtc');
      candleFills(p.inst, k.c, p.fills);
      const fills = p.of('fill');
      if (k.want === 'none') {
        expect(fills).toHaveLength(0);
        expect(o.status).toBe('open');
      } else if (k.want === 'expired') {
        expect(fills).toHaveLength(0);
        expect(o.status).toBe('expired');
      } else {
        expect(fills).toHaveLength(1);
        expect(fills[0]).toMatchObject({
          price: k.want.price,
          amount: 1,
          liquidity: k.want.liquidity,
          time: k.want.time,
        });
        expect(o.status).toBe('filled');
      }
      expect(p.clock.text).toBe('CLOSE');
    });

  it('an order not live by the open waits for the next candle', () => {
    const p = parts((c) => {
      c.execution.latency_ms = 1;
    });
    const o = p.order('buy', 'market', undefined, 1);
    expect(o.live).toBe(false);
    candleFills(p.inst, bar(100, 101, 99), p.fills);
    expect(p.of('fill')).toHaveLength(0);
  });

  it('slippage moves a market fill against the trader, rounded to the tick', () => {
    const p = parts(
      (c) => {
        c.execution.slippage_bps = 10;
      },
      { exchange: 'x', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'spot', tick_size: 0.5 },
    );
    p.order('buy', 'market', undefined, 1);
    candleFills(p.inst, bar(100, 101, 99), p.fills);
    // 100 x 1.001 = 100.1, up to the 0.5 tick: 100.5
    expect(p.of('fill')[0]).toMatchObject({ price: 100.5 });
  });
});

describe('matching: trades', () => {
  it('a resting buy at the bid fills only by what trades beyond its queue, in parts', () => {
    const p = parts();
    setTop(p.inst, 100, 2, 100.1, 1); // 2 ahead of us at 100
    const o = p.order('buy', 'limit', 100, 1.5);
    expect(o.queue).toBe(2);
    tradeFills(p.inst, { price: 100, amount: 1.5, side: 'sell' }, p.fills); // queue 2 -> 0.5
    expect(p.of('fill')).toHaveLength(0);
    tradeFills(p.inst, { price: 100, amount: 1, side: 'sell' }, p.fills); // 0.5 left ahead, 0.5 to us
    expect(p.of('fill').map((f) => f.amount)).toEqual([0.5]);
    expect(o.status).toBe('partially_filled');
    tradeFills(p.inst, { price: 100, amount: 0.4, side: 'buy' }, p.fills); // a buy does not hit our bid
    expect(p.of('fill')).toHaveLength(1);
    tradeFills(p.inst, { price: 99.9, amount: 0.01, side: 'sell' }, p.fills); // through: the rest, at 100
    expect(p.of('fill').map((f) => [f.price, f.amount, f.liquidity])).toEqual([
      [100, 0.5, 'maker'],
      [100, 1, 'maker'],
    ]);
    expect(o.status).toBe('filled');
  });

  it('a limit behind the top has an unknown queue and never fills at its price', () => {
    const p = parts();
    setTop(p.inst, 100, 2, 100.1, 1);
    const o = p.order('buy', 'limit', 99.9, 1);
    expect(o.queue).toBe(Number.POSITIVE_INFINITY);
    tradeFills(p.inst, { price: 99.9, amount: 50, side: 'sell' }, p.fills);
    expect(p.of('fill')).toHaveLength(0);
  });

  it('an ioc limit a trade does not reach expires', () => {
    const p = parts();
    p.inst.last = 101;
    const o = p.order('buy', 'limit', 100, 1, 'ioc');
    tradeFills(p.inst, { price: 100.5, amount: 1, side: 'sell' }, p.fills);
    expect(o.status).toBe('expired');
  });
});

describe('matching: books and quotes', () => {
  it('a market buy walks the visible levels and expires what the book cannot fill', () => {
    const p = parts();
    applyQuote(p.inst, {
      type: 'quote',
      time: 0,
      bid_price: 99,
      bid_amount: 1,
      ask_price: 100,
      ask_amount: 0.4,
    } as never);
    const o = p.order('buy', 'market', undefined, 1);
    bookFills(p.inst, undefined, p.fills);
    expect(p.of('fill').map((f) => [f.price, f.amount, f.liquidity])).toEqual([[100, 0.4, 'taker']]);
    expect(o.status).toBe('expired');
    // The liquidity taken is gone for the next order until the top changes.
    const o2 = p.order('buy', 'market', undefined, 0.1);
    bookFills(p.inst, undefined, p.fills);
    expect(p.of('fill')).toHaveLength(1);
    expect(o2.status).toBe('expired');
  });

  it('a fok limit without enough at or better than its price expires whole', () => {
    const p = parts();
    setTop(p.inst, 99, 1, 100, 0.5);
    const o = p.order('buy', 'limit', 100, 1, 'fok');
    bookFills(p.inst, undefined, p.fills);
    expect(p.of('fill')).toHaveLength(0);
    expect(o.status).toBe('expired');
  });

  it('a resting bid the ask moves onto trades at its own price as maker', () => {
    const p = parts();
    setTop(p.inst, 99, 1, 100, 1);
    const o = p.order('buy', 'limit', 99.5, 1);
    expect(o.status).toBe('open');
    setTop(p.inst, 99, 1, 99.4, 1);
    bookFills(p.inst, undefined, p.fills);
    expect(p.of('fill').map((f) => [f.price, f.amount, f.liquidity])).toEqual([[99.5, 1, 'maker']]);
  });

  it('a post-only limit that would take on arrival is rejected with its reason', () => {
    const p = parts();
    setTop(p.inst, 99, 1, 100, 1);
    const o = p.order('buy', 'limit', 100, 1, 'gtc', true);
    expect(o.status).toBe('rejected');
    expect(p.of('order').at(-1)).toMatchObject({
      reason: 'post-only buy at 100 would take liquidity (market at 100)',
    });
  });
});
