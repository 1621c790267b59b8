/**
 * Property tests over random order streams (issue #16 item 3; fast-check): whatever a strategy asks
 * for on whatever prices, on spot no balance goes below zero, every reservation is released when
 * the orders end, cash and holdings change by exactly the fills less fees (decimal.js), and equity
 * is the sum of the balances marked at the last price.
 */

import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/backtest/backtest.js';
import { DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import type { Intent } from '../../src/core/backtest/strategy.js';
import { collect, fromRecords, runStage } from '../../src/core/io/stream.js';
import type { WireRecord } from '../../src/core/records/record.js';

const T0 = Date.UTC(2024, 0, 1);

const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  fc.record({
    side: fc.constantFrom('buy' as const, 'sell' as const),
    amount: fc.integer({ min: 1, max: 300 }).map((n) => n / 100),
  }),
  fc.record({
    side: fc.constantFrom('buy' as const, 'sell' as const),
    kind: fc.constant('limit' as const),
    price: fc.integer({ min: 90, max: 110 }),
    amount: fc.integer({ min: 1, max: 300 }).map((n) => n / 100),
  }),
  fc.record({
    side: fc.constantFrom('buy' as const, 'sell' as const),
    kind: fc.constantFrom('stop' as const, 'take_profit' as const),
    trigger_price: fc.integer({ min: 90, max: 110 }),
    amount: fc.integer({ min: 1, max: 200 }).map((n) => n / 100),
  }),
  fc.record({
    side: fc.constant('buy' as const),
    amount: fc.integer({ min: 1, max: 100 }).map((n) => n / 100),
    bracket: fc.constant({ stop_loss: 95, take_profit: 105 }),
  }),
  fc.constant({ cancel: 'all' as const }),
  fc.constant({ close: true as const }),
);

const stepArb = fc.record({
  kind: fc.constantFrom('candle', 'trade', 'quote'),
  price: fc.integer({ min: 9000, max: 11_000 }).map((n) => n / 100),
  range: fc.integer({ min: 0, max: 300 }).map((n) => n / 100),
  intents: fc.array(intentArb, { maxLength: 3 }),
});

function records(steps: { kind: string; price: number; range: number }[]): WireRecord[] {
  return steps.map((s, i) => {
    const base = { time: new Date(T0 + (i + 1) * 60_000).toISOString(), exchange: 'x', symbol: 'BTCUSDT' };
    const p = s.price;
    if (s.kind === 'candle')
      return {
        type: 'candle',
        ...base,
        interval: '1m',
        open_time: new Date(T0 + i * 60_000).toISOString(),
        open: p,
        high: p + s.range,
        low: Math.max(1, p - s.range),
        close: p,
        volume: 1,
      };
    if (s.kind === 'trade')
      return { type: 'trade', ...base, id: i, price: p, amount: 0.5, side: i % 2 ? 'buy' : 'sell' };
    return { type: 'quote', ...base, bid_price: p - 0.01, bid_amount: 1, ask_price: p + 0.01, ask_amount: 1 };
  });
}

describe('properties of the account over random order streams', () => {
  it('no negative spot balance, reservations released, cash and holdings conserved, equity = marked balances', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        async (steps, feeBps, closeAtEnd) => {
          const cfg = structuredClone(DEFAULT_CONFIG);
          cfg.instruments = [
            {
              exchange: 'x',
              symbol: 'BTCUSDT',
              base: 'btc',
              quote: 'usdt',
              kind: 'spot',
              tick_size: 0.01,
              lot_size: 0.01,
            },
          ];
          cfg.balances = [
            { exchange: 'x', asset: 'usdt', total: 500 },
            { exchange: 'x', asset: 'btc', total: 1 },
          ];
          cfg.execution.fees = { maker_bps: feeBps / 2, taker_bps: feeBps };
          cfg.close_at_end = closeAtEnd;
          let i = 0;
          const strategy = { onRecord: () => steps[i++]?.intents ?? [] };
          const engine = createEngine({ config: cfg, strategy: { name: 'p', strategy, params: {} } });
          const out = await collect(runStage(fromRecords(records(steps)), engine));
          const last = new Map<string, WireRecord>();
          for (const b of out.filter((r) => r.type === 'balance')) {
            expect(b.total as number).toBeGreaterThanOrEqual(0);
            expect(b.free as number).toBeGreaterThanOrEqual(-1e-9);
            last.set(String(b.asset), b);
          }
          // Every order ended: nothing reserved.
          for (const b of last.values()) expect(b.free).toBe(b.total);
          const states = new Map<unknown, unknown>();
          for (const o of out.filter((r) => r.type === 'order')) states.set(o.id, o.status);
          for (const s of states.values())
            expect(['filled', 'cancelled', 'expired', 'rejected']).toContain(s);
          // Conservation, exactly: usdt = 500 - buys + sells - fees; btc = 1 + bought - sold.
          let usdt = new Decimal(500);
          let btc = new Decimal(1);
          for (const f of out.filter((r) => r.type === 'fill')) {
            const notional = new Decimal(f.price as number).times(f.amount as number);
            const fee = new Decimal(f.fee as number);
            if (f.side === 'buy') {
              usdt = usdt.minus(notional).minus(fee);
              btc = btc.plus(f.amount as number);
            } else {
              usdt = usdt.plus(notional).minus(fee);
              btc = btc.minus(f.amount as number);
            }
          }
          expect(
            new Decimal((last.get('usdt')?.total as number) ?? 500).minus(usdt).abs().toNumber(),
          ).toBeLessThan(1e-8);
          expect(
            new Decimal((last.get('btc')?.total as number) ?? 1).minus(btc).abs().toNumber(),
          ).toBeLessThan(1e-9);
          // Equity is the balances marked at the last price.
          const eq = out.filter((r) => r.type === 'equity').at(-1);
          const lastRec = records(steps).at(-1)!;
          const px =
            lastRec.type === 'candle'
              ? (lastRec.close as number)
              : lastRec.type === 'trade'
                ? (lastRec.price as number)
                : ((lastRec.bid_price as number) + (lastRec.ask_price as number)) / 2;
          if (eq !== undefined) {
            const want = usdt.plus(btc.times(px)).toNumber();
            expect(Math.abs((eq.equity as number) - want)).toBeLessThan(1e-6);
          }
        },
      ),
      { numRuns: 150, seed: 16 },
    );
  }, 60_000);
});
