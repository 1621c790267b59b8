/** Settlement, reservations, sizing, equity marks and cadence, and runs over prepared data, hand-worked. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtest, createEngine, loadStrategy } from '../../src/core/backtest/backtest.js';
import { DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import { dec } from '../../src/core/backtest/exact.js';
import { prepareData, runPrepared } from '../../src/core/engine/data.js';
import { collect, fromRecords } from '../../src/core/io/stream.js';
import { EquityCadence } from '../../src/core/marks/cadence.js';
import { Marks } from '../../src/core/marks/equity.js';
import { Balances } from '../../src/core/portfolio/balances.js';
import { reservationFor } from '../../src/core/portfolio/reserve.js';
import { settle } from '../../src/core/portfolio/settle.js';
import { serialize, type WireRecord } from '../../src/core/records/record.js';
import { KellyStats, sizeOrder } from '../../src/core/sizing/sizing.js';
import { ROOT } from '../helpers/cli.js';
import { parts } from './parts.js';

describe('settlement', () => {
  it('a spot buy of 0.5 at 100 with a 10 bps taker fee moves 50.05 usdt to 0.5 btc', () => {
    const p = parts((c) => {
      c.execution.fees = { maker_bps: 2, taker_bps: 10 };
    });
    const o = p.order('buy', 'market', undefined, 0.5);
    const s = settle(p.balances, p.fees, undefined, o, 100, dec(0.5), 'taker', 'T');
    expect(s.fee.toNumber()).toBe(0.05);
    expect(p.balances.of('x', 'usdt').total.toNumber()).toBe(9949.95);
    expect(p.balances.of('x', 'btc').total.toNumber()).toBe(0.5);
    expect(s.effect.opened).toBe(true);
  });

  it('a perpetual fill holds margin |amount| x entry / leverage and takes only the fee from the balance', () => {
    const p = parts(() => {}, {
      exchange: 'x',
      symbol: 'BTCUSDT',
      base: 'btc',
      quote: 'usdt',
      kind: 'perpetual',
    });
    const o = p.order('buy', 'market', undefined, 2);
    settle(p.balances, p.fees, 4, o, 100, dec(2), 'taker', 'T');
    const usdt = p.balances.of('x', 'usdt');
    expect(usdt.total.toNumber()).toBe(10_000);
    expect(usdt.margin.toNumber()).toBe(50); // 2 x 100 / 4
    expect(usdt.free.toNumber()).toBe(9950);
  });

  it('an instrument remembers its quote and base balances, and forgets them for another account', () => {
    const p = parts();
    const usdt = p.balances.of('x', 'usdt');
    expect(p.balances.quoteOf(p.inst)).toBe(usdt);
    expect(p.balances.settleOf(p.inst)).toBe(usdt);
    const btc = p.balances.baseOf(p.inst);
    expect(btc).toBe(p.balances.of('x', 'btc'));
    expect(p.balances.find('x', 'btc')).toBe(btc);
    expect([...p.balances.all()]).toEqual([usdt, btc]);
    // The same instrument settled by another account (another run's balances) gets that one's.
    const other = new Balances();
    const otherUsdt = other.quoteOf(p.inst);
    expect(otherUsdt).not.toBe(usdt);
    expect(otherUsdt).toBe(other.of('x', 'usdt'));
    expect(other.baseOf(p.inst)).toBe(other.of('x', 'btc'));
    expect(p.balances.quoteOf(p.inst)).toBe(usdt);
  });

  it('a spot buy reserves price x amount x (1 + the worse fee); a sell of what is not held is refused', () => {
    const p = parts((c) => {
      c.execution.fees = { maker_bps: 2, taker_bps: 10 };
    });
    const r = reservationFor(p.cfg, p.balances, p.fees, p.inst, 'buy', 'limit', 100, dec(2), 200, false);
    expect(typeof r === 'string' ? r : r.amount.toNumber()).toBe(200.2);
    expect(reservationFor(p.cfg, p.balances, p.fees, p.inst, 'sell', 'limit', 100, dec(2), 200, false)).toBe(
      'insufficient btc: free 0, order 2 (spot cannot go short; execution.allow_short)',
    );
    expect(
      reservationFor(p.cfg, p.balances, p.fees, p.inst, 'buy', 'limit', 100, dec(200), 20_000, false),
    ).toBe('insufficient usdt: free 10000, needs 20020 including fees');
  });
});

describe('sizing', () => {
  const s = (mode: 'fixed-amount' | 'fixed-notional' | 'percent-equity' | 'kelly', value: number) => ({
    mode,
    value,
  });
  it('fixed-amount, fixed-notional and percent-equity', () => {
    const k = new KellyStats();
    expect(sizeOrder(s('fixed-amount', 0.3), k, 100, 1, () => 1000)).toBe(0.3);
    expect(sizeOrder(s('fixed-notional', 500), k, 100, 1, () => 1000)).toBe(5);
    expect(sizeOrder(s('percent-equity', 0.25), k, 100, 2, () => 1000)).toBe(1.25); // 250 / (100 x 2)
    expect(sizeOrder(s('fixed-amount', 1), k, Number.NaN, 1, () => 1000)).toBeNaN();
  });

  it('kelly sizes 1% until 10 closed positions with a win and a loss, then F x (W - (1 - W) / R)', () => {
    const k = new KellyStats();
    for (let i = 0; i < 9; i++) k.record(i < 6 ? 20 : -10);
    expect(k.fraction(1, 0.5)).toBe(0.01);
    k.record(-10);
    // W = 0.6, R = 20 / 10 = 2: 0.6 - 0.4 / 2 = 0.4; x 0.5 = 0.2
    expect(k.fraction(0.5, 0.5)).toBeCloseTo(0.2, 12);
    expect(k.fraction(2, 0.5)).toBe(0.5); // 0.8 capped at 0.5
    expect(sizeOrder(s('kelly', 0.5), k, 100, 1, () => 1000)).toBeCloseTo(2, 10);
  });
});

describe('marks and cadence', () => {
  it('equity is quote cash + spot base at the last price + perpetual unrealised PnL', () => {
    const p = parts();
    const marks = new Marks(p.balances, [p.inst]);
    marks.setQuote('usdt');
    p.balances.of('x', 'btc').set(dec(0.5));
    p.inst.last = 200;
    p.inst.pos.qtyNum = 0.5;
    expect({ ...marks.equity() }).toEqual({ equity: 10_100, cash: 10_000, exposure: 100 });
  });

  it('tick data writes one equity record at the end of each interval the clock leaves, never twice', () => {
    const c = new EquityCadence(60);
    expect(c.boundary(10, 50)).toBeNaN();
    expect(c.boundary(50, 130)).toBe(60);
    expect(c.boundary(130, 170)).toBeNaN(); // still inside [120, 180)
    expect(c.boundary(170, 250)).toBe(180);
    expect(c.claim(180)).toBe(true);
    expect(c.claim(180)).toBe(false);
  });
});

describe('runs over prepared data (a sweep)', () => {
  const input = readFileSync(join(ROOT, 'tests/golden/backtest/sma-cross/stdin.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as WireRecord);
  const config = {
    ...structuredClone(DEFAULT_CONFIG),
    sizing: { mode: 'fixed-amount' as const, value: 0.1 },
  };

  it('gives the records the stream backtest writes, for several parameter sets over one data set', async () => {
    const data = prepareData(input);
    for (const fast of [5, 10]) {
      const strategy = await loadStrategy('sma-cross', { fast, slow: 30 });
      const streamed = await collect(backtest(fromRecords(input), createEngine({ config, strategy })));
      const strategy2 = await loadStrategy('sma-cross', { fast, slow: 30 });
      const swept = runPrepared(data, { config, strategy: strategy2 });
      expect(swept.records.map(serialize)).toEqual(streamed.map(serialize));
      expect(swept.report.fills).toBeGreaterThan(0);
    }
  });
});
