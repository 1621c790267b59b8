/**
 * The defaults trade, and refused orders are said: the README's first backtest example fills orders
 * with the default sizing and balance, and a run whose orders are rejected says how many, why, and
 * which flag would fix it.
 */

import { describe, expect, it } from 'vitest';
import { RejectionTally } from '../src/core/backtest/rejections.js';
import type { WireRecord } from '../src/core/records/record.js';
import { parseLines, runInProcess } from './helpers/cli.js';

const candles = (await runInProcess(['generate', 'candles', '--count', '10000'])).stdout;
const HEADLINE = ['backtest', '--strategy', 'sma-cross', '--fees', 'maker=10,taker=10'];

describe('backtest defaults', () => {
  it('the headline example fills orders: the default sizing is a quarter of equity', async () => {
    const r = await runInProcess(HEADLINE, candles);
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    const orders = out.filter((x) => x.type === 'order' && x.status === 'new');
    const fills = out.filter((x) => x.type === 'fill');
    expect(out.filter((x) => x.status === 'rejected')).toEqual([]);
    expect(fills.length).toBeGreaterThan(0);
    expect(r.stderr).not.toMatch(/rejected:/);
    // The first buy is sized at the signal candle's close: 0.25 × 10,000 USDT of equity.
    const first = orders[0]!;
    const signal = parseLines(candles).find((c) => c.time === first.time)!;
    expect((first.amount as number) * (signal.close as number)).toBeCloseTo(2500, 6);
  });

  it('rejected orders: stderr says how many, the reason with its count, and the flag that fixes it', async () => {
    const r = await runInProcess([...HEADLINE, '--sizing', 'fixed-amount:1'], candles);
    expect(r.code).toBe(0);
    const rejected = parseLines(r.stdout).filter((x) => x.type === 'order' && x.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(100);
    const n = rejected.length;
    const first = rejected[0]!.reason as string;
    expect(first).toMatch(/^insufficient usdt: free 10000, needs [\d.]+ including fees$/);
    expect(r.stderr).toContain(
      `warning: ${n} of ${n} orders rejected: ${n} × ${first} (fix: a smaller --sizing (percent-equity:0.25 is the default), a larger --balance`,
    );
  });

  it('--quiet still says that orders were rejected', async () => {
    const r = await runInProcess([...HEADLINE, '--sizing', 'fixed-amount:1', '-q'], candles);
    expect(r.stderr).not.toMatch(/records, \d+ orders/);
    expect(r.stderr).toMatch(/orders rejected: /);
  });
});

describe('RejectionTally', () => {
  const order = (status: string, reason?: string): WireRecord =>
    ({ type: 'order', status, ...(reason === undefined ? {} : { reason }) }) as WireRecord;

  it('groups reasons by shape, commonest first, with up to three and a count of the rest', () => {
    const t = new RejectionTally();
    const input = [
      order('new'),
      order('rejected', 'notional 4.5 is below the minimum 5'),
      order('rejected', 'insufficient usdt: free 10000, needs 42143.28 including fees'),
      order('rejected', 'insufficient usdt: free 9000.5, needs 43045.56 including fees'),
      order('rejected', 'post-only buy at 100 would take liquidity (market at 99)'),
      order('rejected', 'leverage 3.5 would exceed max_leverage 3'),
      order('cancelled', 'input'),
      { type: 'fill', status: 'rejected' } as WireRecord,
    ];
    for (const r of input) t.observe(r);
    expect(t.rejected).toBe(5);
    expect(t.reasons().map((r) => [r.count, r.reason, r.fix])).toEqual([
      [
        2,
        'insufficient usdt: free 10000, needs 42143.28 including fees',
        'a smaller --sizing (percent-equity:0.25 is the default), a larger --balance, or a higher --max-leverage for perpetuals',
      ],
      [1, 'notional 4.5 is below the minimum 5', 'a larger --sizing'],
      [1, 'post-only buy at 100 would take liquidity (market at 99)', undefined],
      [1, 'leverage 3.5 would exceed max_leverage 3', '--max-leverage, or a smaller --sizing'],
    ]);
    expect(t.message(9)).toBe(
      '5 of 9 orders rejected: 2 × insufficient usdt: free 10000, needs 42143.28 including fees (fix: a smaller --sizing (percent-equity:0.25 is the default), a larger --balance, or a higher --max-leverage for perpetuals); 1 × notional 4.5 is below the minimum 5 (fix: a larger --sizing); 1 × post-only buy at 100 would take liquidity (market at 99); and 1 more reason in the order records',
    );
  });

  it('says nothing when nothing was rejected', () => {
    const t = new RejectionTally();
    t.observe(order('new'));
    expect(t.message(1)).toBeUndefined();
  });
});
