/**
 * sweep --walk-forward and --split on hand-checkable data: hourly candles rising for three days,
 * falling for two, rising for three, and a strategy that is either long (long=1) or flat (long=0).
 * The fold windows are worked out by hand; the winner of a rising training window is long and of a
 * falling one flat; every fold's figures equal an independent sweep (in-sample) and backtest |
 * summarize (out-of-sample) over files holding only that window.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIGURES } from '../src/core/sweep/figures.js';
import { parseLines, runInProcess } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-walk-'));
const strategy = join(dir, 'long-or-flat.mjs');
writeFileSync(
  strategy,
  `export const defaults = { long: 0 };
export function create(p) {
  return {
    onRecord(r, ctx) {
      if (r.type !== 'candle') return;
      const held = ctx.position().amount > 0;
      if (p.long === 1 && !held) return { side: 'buy' };
      if (p.long === 0 && held) return { close: true };
    },
  };
}
`,
);

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
/** Price at the open of hour h: up 1 an hour for 3 days, down for 2, up for 3. */
const price = (h: number): number => 100 + (h <= 72 ? h : h <= 120 ? 144 - h : h - 96);
const candle = (h: number) => {
  const o = price(h);
  const c = price(h + 1);
  return {
    type: 'candle',
    time: new Date(T0 + (h + 1) * H).toISOString(),
    exchange: 'binance_spot',
    symbol: 'BTCUSDT',
    interval: '1h',
    open_time: new Date(T0 + h * H).toISOString(),
    open: o,
    high: Math.max(o, c),
    low: Math.min(o, c),
    close: c,
    volume: 1,
  };
};
const CANDLES = Array.from({ length: 192 }, (_, h) => candle(h));
const ndjson = (cs: readonly object[]) => cs.map((c) => `${JSON.stringify(c)}\n`).join('');
const between = (from: string, to: string) => CANDLES.filter((c) => c.time >= from && c.time < to);
const day = (d: number, h = 1) => new Date(T0 + d * 24 * H + h * H).toISOString();
const ARGS = [
  '--strategy',
  strategy,
  '--sizing',
  'percent-equity:0.5',
  '--grid',
  'long=0,1',
  '--maximize',
  'total_return',
  '--period',
  '1h',
  '-j',
  '1',
];

describe('sweep: walk-forward', () => {
  it('folds, winners, in- and out-of-sample figures, and the stitched run', async () => {
    const r = await runInProcess(['sweep', ...ARGS, '--walk-forward', 'train=2d,test=1d'], ndjson(CANDLES));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    const folds = out.filter((x) => x.type === 'sweep_fold');
    // The first record is at 01:00 on day 0 and the last at 00:00 on day 8: six folds of 2 + 1 days.
    expect(folds.map((f) => [f.train_start, f.train_end, f.test_start, f.test_end])).toEqual(
      [0, 1, 2, 3, 4, 5].map((k) => [day(k), day(k + 2), day(k + 2), day(k + 3)]),
    );
    // Rising training windows choose long, the falling one flat.
    expect([0, 1, 3, 5].map((k) => folds[k]!.long)).toEqual([1, 1, 0, 1]);
    for (const f of folds) {
      const train = await runInProcess(
        ['sweep', ...ARGS],
        ndjson(between(f.train_start as string, f.train_end as string)),
      );
      const best = parseLines(train.stdout)
        .filter((x) => x.type === 'sweep_run')
        .find((x) => x.long === f.long)!;
      for (const k of FIGURES) expect(f[`in_${k}`]).toBe(best[k]);
      const test = await runInProcess(
        [
          'backtest',
          '--strategy',
          strategy,
          '--sizing',
          'percent-equity:0.5',
          '--param',
          `long=${f.long}`,
          '-q',
        ],
        ndjson(between(f.test_start as string, f.test_end as string)),
      );
      const s = parseLines((await runInProcess(['summarize', '--period', '1h'], test.stdout)).stdout)[0]!;
      const p = s.portfolio as Record<string, { value: number | null }>;
      expect(f.out_total_return).toBe(p.total_return!.value);
      expect(f.out_max_drawdown).toBe(p.max_drawdown!.value);
    }
    // The stitched run: ordinary records, nothing traded before the first test window, summarize reads it.
    const run = out.filter((x) => x.type !== 'sweep_fold');
    expect(new Set(run.map((x) => x.type))).toEqual(
      new Set(['balance', 'equity', 'order', 'fill', 'position']),
    );
    const fills = run.filter((x) => x.type === 'fill');
    expect(fills.every((x) => (x.time as string) >= day(2))).toBe(true);
    // Long in fold 1 (from day 2 01:00): the buy decided on the candle closing then fills at the next
    // candle's open, at that same time, at the price of hour 49 (100 + 49).
    expect(fills[0]).toMatchObject({ side: 'buy', time: day(2), price: 149 });
    expect(run.filter((x) => x.type === 'equity').every((x) => (x.time as string) >= day(2))).toBe(true);
    const summary = await runInProcess(['summarize'], `${run.map((x) => JSON.stringify(x)).join('\n')}\n`);
    expect(summary.code).toBe(0);
  });

  it('--split 0.5: one fold, in-sample the first half of the time span', async () => {
    const r = await runInProcess(['sweep', ...ARGS, '--split', '0.5'], ndjson(CANDLES));
    expect(r.code).toBe(0);
    const [f] = parseLines(r.stdout).filter((x) => x.type === 'sweep_fold');
    // 01:00 on day 0 (January 1) to 00:00 on day 8: 191 hours, the half 95.5 hours in, 00:30 on day 4.
    expect(f).toMatchObject({
      fold: 1,
      train_start: day(0),
      train_end: '2024-01-05T00:30:00.000Z',
      test_start: '2024-01-05T00:30:00.000Z',
      test_end: '2024-01-09T00:00:00.000001Z',
      long: 1,
    });
  });

  it.each([
    [['--walk-forward', 'train=2d'], /train= and test= are both needed/],
    [['--walk-forward', 'train=2x,test=1d'], /train: expected a duration/],
    [['--walk-forward', 'train=20d,test=1d'], /shorter than one training window/],
    [['--split', '1.5'], /--split: expected a fraction/],
    [
      ['--walk-forward', 'train=2d,test=1d', '--grid', 'execution.slippage_bps=0,5'],
      /strategy parameters only/,
    ],
    [['--walk-forward', 'train=2d,test=1d', '--shard', '1/2'], /cannot be combined with --shard/],
  ])('%j is a usage error', async (args, message) => {
    const r = await runInProcess(['sweep', ...ARGS, ...args], ndjson(CANDLES));
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});
