/**
 * The output's times never go back (docs/execution.md, "Candle fills"): a fill at a candle's open is
 * stamped at the open unless a record of a later time was written already, for instance by another
 * instrument's candle of the same close time whose strategy call placed an order; then it is
 * stamped at that later time. Reproduced on two interleaved candle series, on real daily data
 * (ORCL and NVDA from ../shared/data/backtrader), and as a property over random two- and
 * three-instrument streams.
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine, loadStrategy } from '../../src/core/backtest/backtest.js';
import { type BacktestConfig, DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import type { Intent } from '../../src/core/backtest/strategy.js';
import { collect, fromRecords, runStage } from '../../src/core/io/stream.js';
import type { WireRecord } from '../../src/core/records/record.js';
import { parseTime } from '../../src/core/records/time.js';
import { BIN, ROOT } from '../helpers/cli.js';
import { describeShared, sharedFile } from '../helpers/shared-data.js';
import { candleAt } from './parts.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function candle(
  symbol: string,
  openMs: number,
  intervalMs: number,
  o: number,
  h: number,
  l: number,
  c: number,
) {
  return candleAt(symbol, openMs, { open: o, high: h, low: l, close: c }, 'x', intervalMs / MIN);
}

async function run(
  records: WireRecord[],
  strategy: { onRecord: (r: WireRecord) => unknown },
  patch?: (c: BacktestConfig) => void,
) {
  const cfg = structuredClone(DEFAULT_CONFIG);
  cfg.balances = [{ exchange: 'x', asset: 'usdt', total: 1_000_000 }];
  patch?.(cfg);
  const engine = createEngine({
    config: cfg,
    strategy: { name: 't', strategy: strategy as never, params: {} },
  });
  return collect(runStage(fromRecords(records), engine));
}

/** The first record whose time is before the one written before it, or undefined. */
function firstBackwards(
  out: readonly WireRecord[],
): { index: number; time: string; after: string } | undefined {
  let prev = Number.NEGATIVE_INFINITY;
  let prevText = '';
  for (let i = 0; i < out.length; i++) {
    const t = parseTime(out[i]!.time);
    if (t === undefined) throw new Error(`record ${i} has no time: ${JSON.stringify(out[i])}`);
    if (t.us < prev) return { index: i, time: String(out[i]!.time), after: prevText };
    prev = t.us;
    prevText = String(out[i]!.time);
  }
  return undefined;
}

describe('output records are in time order', () => {
  it('two interleaved 1m series with next-open fills: the second fill is stamped at the close already written', async () => {
    const records: WireRecord[] = [];
    for (let i = 0; i < 3; i++) {
      records.push(candle('AAAUSDT', T0 + i * MIN, MIN, 100, 101, 99, 100));
      records.push(candle('BBBUSDT', T0 + i * MIN, MIN, 50, 51, 49, 50));
    }
    // A market buy on every candle: each fills at the next candle of its instrument, at its open.
    const out = await run(records, { onRecord: () => ({ side: 'buy', amount: 1 }) });
    expect(firstBackwards(out)).toBeUndefined();
    const fills = out.filter((r) => r.type === 'fill' && r.side === 'buy');
    expect(fills.map((f) => [f.symbol, f.time, f.price])).toEqual([
      // AAA's first candle of 00:02 comes first: its fill at the open (00:01) is written before any
      // record of 00:02, so it keeps the open's time.
      ['AAAUSDT', iso(T0 + MIN), 100],
      // Its strategy call then places an order at 00:02; BBB's fill at its open follows it, so it
      // is stamped 00:02 (before the fix: 00:01, after a record of 00:02), still at the open's price.
      ['BBBUSDT', iso(T0 + 2 * MIN), 50],
      ['AAAUSDT', iso(T0 + 2 * MIN), 100],
      ['BBBUSDT', iso(T0 + 3 * MIN), 50],
    ]);
  });

  it('a gapped stop triggers and fills at the open, before the candle close records', async () => {
    const records: WireRecord[] = [
      candle('AAAUSDT', T0, MIN, 100, 101, 99, 100),
      candle('AAAUSDT', T0 + MIN, MIN, 100, 101, 99, 100),
      // Opens at 90, through the sell stop at 95.
      candle('AAAUSDT', T0 + 2 * MIN, MIN, 90, 91, 89, 90),
    ];
    let n = 0;
    const out = await run(records, {
      onRecord: () => {
        n++;
        if (n === 1) return { side: 'buy', amount: 1 };
        if (n === 2) return { side: 'sell', amount: 1, kind: 'stop', trigger_price: 95 } as Intent;
        return undefined;
      },
    });
    expect(firstBackwards(out)).toBeUndefined();
    const triggered = out.find((r) => r.type === 'order' && r.status === 'triggered');
    const fill = out.filter((r) => r.type === 'fill').at(-1);
    // The gap triggers at the open (00:02), where it fills at 90 (before: triggered at 00:03, the
    // candle's close, and the fill after it stamped 00:02).
    expect(triggered).toMatchObject({ time: iso(T0 + 2 * MIN), triggered_at: iso(T0 + 2 * MIN) });
    expect(fill).toMatchObject({ side: 'sell', price: 90, time: iso(T0 + 2 * MIN) });
  });

  const intentArb: fc.Arbitrary<Intent | undefined> = fc.oneof(
    fc.constant(undefined),
    fc.record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      amount: fc.constantFrom(0.1, 0.5, 1),
    }),
    fc.record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      kind: fc.constant('limit' as const),
      price: fc.integer({ min: 95, max: 105 }),
      amount: fc.constantFrom(0.1, 0.5, 1),
    }),
    fc.record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      kind: fc.constantFrom('stop' as const, 'take_profit' as const),
      trigger_price: fc.integer({ min: 95, max: 105 }),
      amount: fc.constantFrom(0.1, 0.5),
    }),
    fc.record({
      side: fc.constant('buy' as const),
      amount: fc.constant(0.5),
      bracket: fc.constant({ stop_loss: 97, take_profit: 103 }),
    }),
    fc.constant({ close: true as const } as Intent),
  );

  /** One instrument's series: its interval (minutes), its kind and its prices. */
  const seriesArb = fc.record({
    every: fc.constantFrom(1, 2, 3, 5),
    kind: fc.constantFrom('candle', 'candle', 'trade', 'quote'),
    prices: fc.array(
      fc.record({
        open: fc.integer({ min: 94, max: 106 }),
        move: fc.integer({ min: -6, max: 6 }),
        range: fc.integer({ min: 0, max: 4 }),
      }),
      { minLength: 2, maxLength: 25 },
    ),
  });

  function stream(
    series: { every: number; kind: string; prices: { open: number; move: number; range: number }[] }[],
    order: number[],
  ): WireRecord[] {
    const rows: { us: number; k: number; rec: WireRecord }[] = [];
    series.forEach((s, k) => {
      const symbol = `S${k}USDT`;
      s.prices.forEach((p, i) => {
        const openMs = T0 + i * s.every * MIN;
        const close = Math.max(1, p.open + p.move);
        const rec =
          s.kind === 'candle'
            ? candle(
                symbol,
                openMs,
                s.every * MIN,
                p.open,
                Math.max(p.open, close) + p.range,
                Math.max(0.5, Math.min(p.open, close) - p.range),
                close,
              )
            : s.kind === 'trade'
              ? {
                  type: 'trade',
                  time: iso(openMs + s.every * MIN),
                  exchange: 'x',
                  symbol,
                  id: i,
                  price: close,
                  amount: 1,
                  side: i % 2 ? 'buy' : 'sell',
                }
              : {
                  type: 'quote',
                  time: iso(openMs + s.every * MIN),
                  exchange: 'x',
                  symbol,
                  bid_price: close - 0.5,
                  bid_amount: 1,
                  ask_price: close + 0.5,
                  ask_amount: 1,
                };
        rows.push({ us: openMs + s.every * MIN, k, rec });
      });
    });
    // Time order; records of one time in a random order of the instruments.
    rows.sort((a, b) => a.us - b.us || (order[a.k] ?? a.k) - (order[b.k] ?? b.k));
    return rows.map((r) => r.rec);
  }

  it('never goes back, over random two- and three-instrument streams (candles of mixed intervals, trades, quotes, spot or perpetuals that get liquidated)', async () => {
    let liquidations = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(seriesArb, { minLength: 2, maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 3, maxLength: 3 }),
        fc.array(intentArb, { minLength: 1, maxLength: 60 }),
        fc.constantFrom(0, 0, 30_000, 90_000),
        fc.constantFrom('next-open' as const, 'close' as const),
        fc.constantFrom('stop' as const, 'take_profit' as const),
        fc.boolean(),
        async (series, order, intents, latencyMs, fillAt, bothLegs, perp) => {
          const records = stream(series, order);
          let i = 0;
          const out = await run(
            records,
            {
              onRecord: (r) => {
                const intent = intents[i++ % intents.length];
                return intent === undefined
                  ? undefined
                  : { ...intent, symbol: r.symbol, exchange: r.exchange };
              },
            },
            (c) => {
              c.execution.latency_ms = latencyMs;
              c.execution.fill_at = fillAt;
              c.execution.candle_both_legs = bothLegs;
              c.execution.allow_short = true;
              // Perpetuals in one cross account of 8 usdt: long 1 at 100 is liquidated below 96.84.
              if (perp) {
                c.instruments = series.map((_, k) => ({
                  exchange: 'x',
                  symbol: `S${k}USDT`,
                  base: `s${k}`,
                  quote: 'usdt',
                  kind: 'perpetual' as const,
                  initial_margin: 0.05,
                  maintenance_margin: 0.05,
                  liquidation_fee: 0.01,
                }));
                c.balances = [{ exchange: 'x', asset: 'usdt', total: 8 }];
              }
            },
          );
          liquidations += out.filter((r) => r.type === 'liquidation').length;
          expect(firstBackwards(out)).toBeUndefined();
        },
      ),
      { numRuns: 300, seed: 1602 },
    );
    // The streams do reach the liquidations (at candle opens and inside ranges) they are meant to test.
    expect(liquidations).toBeGreaterThan(20);
  }, 120_000);
});

describeShared('output records are in time order on real data', () => {
  it('sma-cross over ORCL and NVDA daily candles merged by time (backtrader data): no record goes back', async () => {
    const exec = promisify(execFile);
    const fetched = await exec(
      'node',
      [
        BIN,
        'fetch',
        sharedFile('backtrader', 'orcl-1995-2014.txt'),
        sharedFile('backtrader', 'nvda-1999-2014.txt'),
        '--quiet',
      ],
      { cwd: ROOT, maxBuffer: 64 << 20 },
    );
    const records = fetched.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as WireRecord);
    expect(new Set(records.map((r) => r.symbol))).toEqual(new Set(['ORCL', 'NVDA']));
    const cfg = structuredClone(DEFAULT_CONFIG);
    cfg.balances = [{ exchange: 'other', asset: 'usd', total: 100_000 }];
    cfg.sizing = { mode: 'percent-equity', value: 0.3 };
    const engine = createEngine({ config: cfg, strategy: await loadStrategy('sma-cross', {}) });
    const out = await collect(runStage(fromRecords(records), engine));
    const fills = out.filter((r) => r.type === 'fill');
    expect(new Set(fills.map((f) => f.symbol))).toEqual(new Set(['ORCL', 'NVDA']));
    expect(firstBackwards(out)).toBeUndefined();
  }, 120_000);
});
