/**
 * backtestNdjson (the lines the `backtest` command writes, equity records made as bytes only)
 * against backtest (records, then serialised): byte for byte the same lines, the same count, and
 * the same records seen by `observe` but the equity ones, over candles and trades, with fills,
 * rejections, equity at an interval and the end-of-input clean-up. With `onRejected` and no
 * `observe` (the command's way: records made as lines only), the same bytes and the rejected orders.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
): Promise<{
  records: string;
  lines: string;
  count: number;
  seen: WireRecord[];
  seenNd: WireRecord[];
  linesOnly: string;
  linesOnlyCount: number;
  rejected: WireRecord[];
}> {
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
  const ndjson = async (options: Parameters<typeof backtestNdjson>[2]) => {
    const chunks: Buffer[] = [];
    let count = 0;
    const engine = createEngine({ config, strategy: await loadStrategy(strategy, params) });
    for await (const b of backtestNdjson(input(), engine, options)) {
      chunks.push(Buffer.from(b.bytes));
      count += b.records;
    }
    return { text: Buffer.concat(chunks).toString('utf8'), count };
  };
  const seenNd: WireRecord[] = [];
  const nd = await ndjson({ observe: (r) => seenNd.push(r) });
  // The command's way: only the rejected orders seen, every other record made as a line only.
  const rejected: WireRecord[] = [];
  const only = await ndjson({ onRejected: (r) => rejected.push(r) });
  return {
    linesOnly: only.text,
    linesOnlyCount: only.count,
    rejected,
    records: a.map((r) => `${serialize(r)}\n`).join(''),
    lines: nd.text,
    count: nd.count,
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
      if (name.includes('rejections')) expect(r.rejected.length).toBeGreaterThan(10);
      expect(r.lines.length).toBeGreaterThan(10_000);
      expect(r.lines).toBe(r.records);
      expect(r.count).toBe(r.records.split('\n').length - 1);
      expect(r.seenNd.map((x) => serialize(x))).toEqual(r.seen.map((x) => serialize(x)));
      // Lines only (no observe): the same bytes, and exactly the rejected orders seen.
      expect(r.linesOnly).toBe(r.records);
      expect(r.linesOnlyCount).toBe(r.count);
      expect(r.rejected.map((x) => serialize(x))).toEqual(
        r.seen.filter((x) => x.type === 'order' && x.status === 'rejected').map((x) => serialize(x)),
      );
    });
});

describe('backtestNdjson, lines only, with a strategy that has onFill', () => {
  it('onFill still gets each fill record (its reply depends on the fill), and the bytes are the same', async () => {
    // Buys every 50th candle when flat; each buy's fill is answered with a sell of the fill's
    // amount tagged with the fill's order id and price: the output depends on every fill field.
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-ndjson-'));
    const file = join(dir, 'on-fill.js');
    writeFileSync(
      file,
      `export const name = 'on-fill';
export function create() {
  let n = 0;
  return {
    onRecord(r, ctx) { n++; return n % 50 === 0 && ctx.position().amount === 0 ? { side: 'buy', amount: 0.01 } : undefined; },
    onFill(f) { return f.side === 'buy' ? { side: 'sell', amount: f.amount, tag: 'after ' + f.order_id + ' at ' + f.price + ' fee ' + f.fee + ' ' + f.liquidity } : undefined; },
  };
}
`,
    );
    try {
      const r = await both({}, file, {}, (c) => {
        c.execution.fees.taker_bps = 10;
      });
      expect(r.records.match(/"tag":"after \d+ at [\d.]+ fee [\d.e-]+ taker"/g)?.length).toBeGreaterThan(20);
      expect(r.linesOnly).toBe(r.records);
      expect(r.lines).toBe(r.records);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
