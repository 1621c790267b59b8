/** Pre-trade risk (src/core/risk/checks.ts): each named check approves and refuses, with hand-worked figures. */

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/backtest/backtest.js';
import type { RiskConfig } from '../../src/core/backtest/config.js';
import { DEFAULT_CONFIG, parseConfig } from '../../src/core/backtest/config.js';
import { dec } from '../../src/core/backtest/exact.js';
import { collect, fromRecords, runStage } from '../../src/core/io/stream.js';
import { newInstrument } from '../../src/core/market/instrument.js';
import type { WireRecord } from '../../src/core/records/record.js';
import {
  cooldown,
  GATES,
  LIMITS,
  limitsFor,
  maxExposure,
  maxLeverage,
  maxOpenOrders,
  maxOrderNotional,
  maxPositionAmount,
  maxPositionNotional,
  minNotional,
  REDUCE_ONLY_LIMITS,
  type RiskCheck,
  type RiskRequest,
  type RiskView,
  refusal,
  tradesPerDay,
  tradingEnabled,
  venueConnected,
} from '../../src/core/risk/checks.js';
import { TradingState } from '../../src/core/risk/trading-state.js';
import { candleAt } from './parts.js';

function request(patch: Partial<RiskRequest> = {}, posQty = 0): RiskRequest {
  const inst = newInstrument(
    { exchange: 'x', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'spot', min_notional: 10 },
    't',
  );
  inst.pos.qty = dec(posQty);
  inst.pos.qtyNum = posQty;
  // 0.5 at 100: notional 50
  return {
    inst,
    side: 'buy',
    kind: 'limit',
    amount: 0.5,
    ref: 100,
    notional: 50,
    reduceOnly: false,
    ...patch,
  };
}

function view(limits: RiskConfig, patch: Partial<RiskView> = {}): RiskView {
  return {
    limits,
    nowUs: 0,
    enabled: true,
    venueDown: () => false,
    equity: () => ({ equity: 1000, cash: 1000, exposure: 200 }),
    openLimitOrders: () => 2,
    ...patch,
  };
}

const cases: { name: string; check: RiskCheck; r: RiskRequest; v: RiskView; want: string | undefined }[] = [
  {
    name: 'trading disabled refuses',
    check: tradingEnabled,
    r: request(),
    v: view({}, { enabled: false }),
    want: 'trading is disabled',
  },
  {
    name: 'trading disabled lets reduce-only through',
    check: tradingEnabled,
    r: request({ reduceOnly: true }),
    v: view({}, { enabled: false }),
    want: undefined,
  },
  {
    name: 'a disconnected venue refuses',
    check: venueConnected,
    r: request(),
    v: view({}, { venueDown: () => true }),
    want: 'x is disconnected: no new orders until its data resumes',
  },
  {
    name: 'notional 50 above the minimum 10 passes',
    check: minNotional,
    r: request(),
    v: view({}),
    want: undefined,
  },
  {
    name: 'notional 5 below the minimum 10 refuses',
    check: minNotional,
    r: request({ notional: 5 }),
    v: view({}),
    want: 'notional 5 is below the minimum 10',
  },
  {
    name: 'order notional 50 over 40 refuses',
    check: maxOrderNotional,
    r: request(),
    v: view({ max_order_notional: 40 }),
    want: 'order notional 50 exceeds max_order_notional 40',
  },
  {
    name: 'order notional 50 at 50 passes',
    check: maxOrderNotional,
    r: request(),
    v: view({ max_order_notional: 50 }),
    want: undefined,
  },
  {
    name: 'position 0.75 + 0.5 = 1.25 over 1 refuses',
    check: maxPositionAmount,
    r: request({}, 0.75),
    v: view({ max_position_amount: 1 }),
    want: 'position amount 1.25 would exceed max_position_amount 1',
  },
  {
    name: 'a sell reducing 0.75 to 0.25 passes',
    check: maxPositionAmount,
    r: request({ side: 'sell' }, 0.75),
    v: view({ max_position_amount: 0.5 }),
    want: undefined,
  },
  {
    name: 'position notional 1.25 x 100 = 125 over 100 refuses',
    check: maxPositionNotional,
    r: request({}, 0.75),
    v: view({ max_position_notional: 100 }),
    want: 'position notional 125 would exceed max_position_notional 100',
  },
  // exposure 200 - 0 + 0.5 x 100 = 250 > 20% of 1000
  {
    name: 'exposure 250 over 20% of 1000 refuses',
    check: maxExposure,
    r: request(),
    v: view({ max_exposure_percent: 20 }),
    want: 'exposure 250 would exceed 20% of equity 1000',
  },
  {
    name: 'exposure 250 within 25% of 1000 passes',
    check: maxExposure,
    r: request(),
    v: view({ max_exposure_percent: 25 }),
    want: undefined,
  },
  {
    name: 'leverage 0.25 over 0.2 refuses',
    check: maxLeverage,
    r: request(),
    v: view({ max_leverage: 0.2 }),
    want: 'leverage 0.25 would exceed max_leverage 0.2',
  },
  {
    name: 'leverage 0.25 within 1 passes',
    check: maxLeverage,
    r: request(),
    v: view({ max_leverage: 1 }),
    want: undefined,
  },
  {
    name: '2 resting limits at max 2 refuse a third',
    check: maxOpenOrders,
    r: request(),
    v: view({ max_open_orders: 2 }),
    want: '2 open orders: max_open_orders is 2',
  },
  {
    name: 'max_open_orders does not count market orders',
    check: maxOpenOrders,
    r: request({ kind: 'market' }),
    v: view({ max_open_orders: 2 }),
    want: undefined,
  },
];

describe('risk checks', () => {
  for (const k of cases) it(k.name, () => expect(k.check(k.r, k.v)).toBe(k.want));

  it('the lists run in order and stop at the first refusal', () => {
    const v = view({ max_order_notional: 40, max_position_amount: 0.1 });
    expect(refusal(LIMITS, request(), v)).toBe('order notional 50 exceeds max_order_notional 40');
    expect(refusal(GATES, request(), view({}, { enabled: false, venueDown: () => true }))).toBe(
      'trading is disabled',
    );
  });

  it('reduce-only orders meet only the minimum notional of the limits', () => {
    const v = view({ max_order_notional: 1, max_position_amount: 0.1, max_leverage: 0.01 });
    expect(refusal(REDUCE_ONLY_LIMITS, request({ reduceOnly: true, side: 'sell' }, 1), v)).toBeUndefined();
    expect(refusal(REDUCE_ONLY_LIMITS, request({ reduceOnly: true, notional: 5 }, 1), v)).toBe(
      'notional 5 is below the minimum 10',
    );
  });
});

describe('trading state', () => {
  const DAY = 86_400_000_000;
  it('the daily loss limit disables trading when equity falls 5% below the day start, until the next UTC day', () => {
    const s = new TradingState(5);
    expect(s.dailyLoss(DAY + 1, 1000)).toBeUndefined();
    expect(s.dailyLoss(DAY + 2, 951)).toBeUndefined();
    expect(s.dailyLoss(DAY + 3, 949)).toBe(
      "daily loss limit: equity 949 is more than 5% below the day's start (1000)",
    );
    expect(s.enabled).toBe(false);
    expect(s.resumes(2 * DAY - 1)).toBe(false);
    expect(s.resumes(2 * DAY)).toBe(true);
    expect(s.enabled).toBe(true);
  });

  it('a venue is down from its disconnect until its data resumes', () => {
    const s = new TradingState(undefined);
    s.venuesDown.add('x');
    expect(s.venueDown('x', 'x:BTCUSDT')).toBe(true);
    s.resumed('x', 'BTCUSDT');
    expect(s.venueDown('x', 'x:BTCUSDT')).toBe(false);
  });
});

describe('risk per instrument and cooldowns', () => {
  it("an instrument's own limits override the global ones for it only", () => {
    const limits = { max_order_notional: 1000, instruments: { 'x:BTCUSDT': { max_order_notional: 40 } } };
    expect(maxOrderNotional(request(), view(limits))).toBe('order notional 50 exceeds max_order_notional 40');
    const other = request();
    (other.inst as { key: string }).key = 'x:ETHUSDT';
    expect(maxOrderNotional(other, view(limits))).toBeUndefined();
    expect(limitsFor(limits, request().inst)).toMatchObject({ max_order_notional: 40 });
  });

  it('a cooldown refuses new orders until it ends, but not reduce-only ones', () => {
    const r = request();
    r.inst.cooldownUntilUs = 5_000_000;
    expect(cooldown(r, view({}, { nowUs: 4_999_999 }))).toBe(
      'cooldown after a losing trade on BTCUSDT until 1970-01-01T00:00:05.000Z',
    );
    expect(cooldown(r, view({}, { nowUs: 5_000_000 }))).toBeUndefined();
    expect(cooldown({ ...r, reduceOnly: true }, view({}, { nowUs: 0 }))).toBeUndefined();
  });

  it('max_trades_per_day counts the positions opened today and resets on the next UTC day', () => {
    const r = request();
    r.inst.tradesDay = 0;
    r.inst.tradesToday = 3;
    expect(tradesPerDay(r, view({ max_trades_per_day: 3 }, { nowUs: 1 }))).toBe(
      '3 trades on BTCUSDT today: max_trades_per_day is 3',
    );
    expect(tradesPerDay(r, view({ max_trades_per_day: 3 }, { nowUs: 86_400_000_000 }))).toBeUndefined();
  });

  it('risk.instruments is read from the config; a key that is not exchange:symbol or an unknown limit is a usage error', () => {
    const cfg = parseConfig(
      { risk: { instruments: { 'x:BTCUSDT': { max_position_amount: 2, cooldown_after_loss_ms: 60000 } } } },
      'c.json',
    );
    expect(cfg.risk.instruments).toEqual({
      'x:BTCUSDT': { max_position_amount: 2, cooldown_after_loss_ms: 60000 },
    });
    expect(() => parseConfig({ risk: { instruments: { BTCUSDT: {} } } }, 'c.json')).toThrow(
      'the key must be "exchange:symbol"',
    );
    expect(() =>
      parseConfig({ risk: { instruments: { 'x:BTCUSDT': { max_leverage: 2 } } } }, 'c.json'),
    ).toThrow(/max_leverage/);
  });

  it('in a run: after a position closes at a loss, the next entry waits for the cooldown', async () => {
    const T0 = Date.UTC(2024, 0, 1);
    const c = (i: number, p: number): WireRecord =>
      candleAt('BTCUSDT', T0 + i * 60_000, { open: p, high: p, low: p, close: p });
    const cfg = structuredClone(DEFAULT_CONFIG);
    cfg.instruments = [{ exchange: 'x', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'spot' }];
    cfg.balances = [{ exchange: 'x', asset: 'usdt', total: 10_000 }];
    cfg.risk.cooldown_after_loss_ms = 150_000; // 2.5 candles
    // Buy on 0 (fills at 1's open 100), close on 1 (fills at 2's open 90: a loss at 2 min), then buy every candle.
    const plan: Record<number, unknown> = { 0: { side: 'buy', amount: 1 }, 1: { close: true } };
    let i = 0;
    const strategy = {
      onRecord: (_r: WireRecord, ctx: { position(): { amount: number } }) =>
        (plan[i++] ?? (ctx.position().amount === 0 ? { side: 'buy', amount: 1 } : undefined)) as never,
    };
    const engine = createEngine({ config: cfg, strategy: { name: 't', strategy, params: {} } });
    const out = await collect(
      runStage(fromRecords([c(0, 100), c(1, 100), c(2, 90), c(3, 90), c(4, 90), c(5, 90), c(6, 90)]), engine),
    );
    const refused = out
      .filter((r) => r.type === 'order' && r.status === 'rejected')
      .map((r) => [r.time, r.reason]);
    // The loss at 00:03 (candle 2's time): refused at 00:03, 00:04 and 00:05; 00:05:30 ends it, so 00:06 trades.
    expect(refused).toEqual([
      ['2024-01-01T00:03:00.000Z', 'cooldown after a losing trade on BTCUSDT until 2024-01-01T00:05:30.000Z'],
      ['2024-01-01T00:04:00.000Z', 'cooldown after a losing trade on BTCUSDT until 2024-01-01T00:05:30.000Z'],
      ['2024-01-01T00:05:00.000Z', 'cooldown after a losing trade on BTCUSDT until 2024-01-01T00:05:30.000Z'],
    ]);
    expect(out.filter((r) => r.type === 'order' && r.status === 'new').map((r) => r.time)).toContain(
      '2024-01-01T00:06:00.000Z',
    );
  });
});
