/**
 * backtestNdjson (the lines the `backtest` command writes, equity records made as bytes only)
 * against backtest (records, then serialised): byte for byte the same lines, the same count, and
 * the same records seen by `observe` but the equity ones, over candles and trades, with fills,
 * rejections, equity at an interval and the end-of-input clean-up.
 */

import { describe, expect, it } from 'vitest';
import { backtest, backtestNdjson, createEngine, loadStrategy } from '../../src/core/backtest/backtest.js';
import { type BacktestConfig, DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import { type GenerateOptions, generate } from '../../src/core/generate/generate.js';
import { collect, type RecordStream } from '../../src/core/io/stream.js';
import { parseInterval } from '../../src/core/records/interval.js';
import { serialize, type WireRecord } from '../../src/core/records/record.js';

const base: GenerateOptions = {
  kind: 'candles',
  exchange: 'binance_spot',
  symbol: 'BTCUSDT',
  interval: parseInterval('1m')!,
  fromUs: Date.UTC(2024, 0, 1) * 1000,
  count: 3000,
  seed: 42,
  price: 42000,
  volatility: 0.6,
  drift: 0,
  tickSize: 0.01,
  lotSize: 0.00001,
  jumpsPerDay: 0,
  jumpSize: 0.02,
  regimes: [],
  regimeMeanUs: 86400e6,
  rate: 10,
  dailyNotional: 1e9,
  depth: 20,
  maxLevelsPerUpdate: 10,
};

async function both(
  data: Partial<GenerateOptions>,
  strategy: string,
  params: Record<string, unknown>,
  change: (c: BacktestConfig) => void,
): Promise<{ records: string; lines: string; count: number; seen: WireRecord[]; seenNd: WireRecord[] }> {
  const records = await collect(generate({ ...base, ...data }));
  const input = async function* (): RecordStream {
    for (let i = 0; i < records.length; i += 500) yield records.slice(i, i + 500);
  };
  const config = structuredClone(DEFAULT_CONFIG);
  change(config);
  const seen: WireRecord[] = [];
  const a = await collect(
    backtest(input(), createEngine({ config, strategy: await loadStrategy(strategy, params) }), {
      observe: (r) => seen.push(r),
    }),
  );
  const seenNd: WireRecord[] = [];
  const chunks: Buffer[] = [];
  let count = 0;
  for await (const b of backtestNdjson(
    input(),
    createEngine({ config, strategy: await loadStrategy(strategy, params) }),
    { observe: (r) => seenNd.push(r) },
  )) {
    chunks.push(Buffer.from(b.bytes));
    count += b.records;
  }
  return {
    records: a.map((r) => `${serialize(r)}\n`).join(''),
    lines: Buffer.concat(chunks).toString('utf8'),
    count,
    seen: seen.filter((r) => r.type !== 'equity'),
    seenNd,
  };
}

describe('backtestNdjson', () => {
  const cases: [
    string,
    Partial<GenerateOptions>,
    string,
    Record<string, unknown>,
    (c: BacktestConfig) => void,
  ][] = [
    [
      'sma-cross on candles, fees',
      {},
      'sma-cross',
      {},
      (c) => {
        c.sizing = { mode: 'fixed-amount', value: 0.01 };
        c.execution.fees.maker_bps = 2;
        c.execution.fees.taker_bps = 10;
      },
    ],
    [
      'mean-reversion long and short, positions left open at the end',
      { seed: 7 },
      'mean-reversion',
      { long_short: true },
      (c) => {
        c.execution.allow_short = true;
        c.close_at_end = false;
        c.sizing = { mode: 'fixed-amount', value: 0.5 };
      },
    ],
    [
      'orders too large for the cash (rejections)',
      {},
      'sma-cross',
      { fast: 3, slow: 5 },
      (c) => {
        c.sizing = { mode: 'fixed-amount', value: 1 };
      },
    ],
    [
      // Equity past 1e7 (money figures to 12 significant digits, not 8 places) and a short position's
      // exposure: every figure's text from the byte writer is the record's.
      'mean-reversion long and short on a balance of 123,456,789.12345678',
      { seed: 9 },
      'mean-reversion',
      { long_short: true },
      (c) => {
        c.execution.allow_short = true;
        c.balances = [{ exchange: 'binance_spot', asset: 'usdt', total: 123_456_789.12345678 }];
        c.sizing = { mode: 'fixed-amount', value: 7.3 };
      },
    ],
    [
      'buy-and-hold on trades, equity every second',
      { kind: 'trades', count: 5000 },
      'buy-and-hold',
      {},
      (c) => {
        c.equity_every_us = 1_000_000;
      },
    ],
  ];
  for (const [name, data, strategy, params, change] of cases)
    it(name, async () => {
      const r = await both(data, strategy, params, change);
      expect(r.lines.length).toBeGreaterThan(10_000);
      expect(r.lines).toBe(r.records);
      expect(r.count).toBe(r.records.split('\n').length - 1);
      expect(r.seenNd.map((x) => serialize(x))).toEqual(r.seen.map((x) => serialize(x)));
    });
});
