/**
 * The statistics functions against independent computations: two-pass formulas and brute-force
 * drawdowns written here, and hand-worked values. Relative agreement to 1e-12.
 */

import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  DrawdownTracker,
  drawdownPeriods,
  drawdownSeries,
  maxDrawdown,
  meanDrawdown,
} from '../../src/core/stats/drawdown.js';
import { ANNUAL_252, ANNUAL_365, DAILY, parseStatInterval } from '../../src/core/stats/interval.js';
import {
  cagr,
  calmarRatio,
  convertRate,
  DownsideDeviation,
  profitFactor,
  rateOfReturn,
  sharpeRatio,
  sortinoRatio,
  winRate,
} from '../../src/core/stats/metrics.js';
import { Sum, Welford, welfordUpdate, welfordVariance } from '../../src/core/stats/welford.js';
import { expectRel } from '../helpers/expect.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function twoPassVariance(xs: readonly number[], ddof: 0 | 1): number {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - ddof);
}

describe('Welford mean and variance', () => {
  const rnd = lcg(7);
  // [name, values, tolerance against the exact value]: a mean far from 0 relative to the spread is
  // ill-conditioned for any floating-point method (prices of 30000 moving by 50: condition ~1e6).
  const cases: [string, number[], number][] = [
    ['two values', [1, 3], 1e-15],
    ['hand-worked 2, 4, 4, 4, 5, 5, 7, 9', [2, 4, 4, 4, 5, 5, 7, 9], 1e-15],
    [
      'returns around 1e-3 with deviation 1e-4',
      Array.from({ length: 10_000 }, () => 1e-3 + (rnd() - 0.5) * 2e-4),
      1e-12,
    ],
    ['mixed signs', Array.from({ length: 5000 }, () => (rnd() - 0.5) * 100), 1e-12],
    [
      'prices around 30000 moving by 50',
      Array.from({ length: 5000 }, () => 30_000 + Math.round((rnd() - 0.5) * 10_000) / 100),
      1e-9,
    ],
  ];
  it.each(cases)('%s: agrees with the exact two-pass values', (_, xs, tol) => {
    const w = new Welford();
    let state = { count: 0, mean: 0, m2: 0 };
    for (const x of xs) {
      w.update(x);
      state = welfordUpdate(state, x);
    }
    expect(w.count).toBe(xs.length);
    // The exact values, in 60-digit decimals (every double is an exact decimal).
    const E = Decimal.clone({ precision: 60 });
    const mean = xs.reduce((s, x) => s.plus(x), new E(0)).div(xs.length);
    const m2 = xs.reduce((s, x) => s.plus(new E(x).minus(mean).pow(2)), new E(0));
    expectRel(w.mean, mean.toNumber(), 1e-12);
    expectRel(w.variance('sample'), m2.div(xs.length - 1).toNumber(), tol);
    expectRel(w.variance('population'), m2.div(xs.length).toNumber(), tol);
    expectRel(twoPassVariance(xs, 1), m2.div(xs.length - 1).toNumber(), tol);
    expect(state).toEqual({ count: w.count, mean: w.mean, m2: w.m2 });
  });
  it('hand-worked: 2, 4, 4, 4, 5, 5, 7, 9 has mean 5 and population deviation 2', () => {
    const w = new Welford();
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) w.update(x);
    expect(w.mean).toBe(5);
    expect(w.stdDev('population')).toBe(2);
  });
  it('too few values: NaN variance, never a number made up', () => {
    expect(welfordVariance({ count: 0, mean: 0, m2: 0 }, 'population')).toBeNaN();
    expect(welfordVariance({ count: 1, mean: 3, m2: 0 }, 'sample')).toBeNaN();
    expect(welfordVariance({ count: 1, mean: 3, m2: 0 }, 'population')).toBe(0);
  });
  it('Neumaier sum keeps what a naive sum loses', () => {
    const s = new Sum();
    for (const x of [1e16, 1, -1e16]) s.add(x);
    expect(s.value).toBe(1);
    expect(1e16 + 1 - 1e16).toBe(0);
  });
});

describe('intervals', () => {
  it.each([
    ['daily', 'daily', 1],
    ['Daily', 'daily', 1],
    ['annual_252', 'annual_252', 252],
    ['ANNUAL-252', 'annual_252', 252],
    ['annual-365', 'annual_365', 365],
    ['30d', '30d', 30],
    ['12h', '12h', 0.5],
    ['1d', 'daily', 1],
    ['365d', 'annual_365', 365],
  ])('%s is %s (%d days)', (text, name, days) => {
    const iv = parseStatInterval(text);
    expect(iv.name).toBe(name);
    expect(iv.us).toBe(days * 86_400_000_000);
  });
  it.each(['yearly', 'annual_100', '0d', ''])('%s is a usage error naming the flag', (text) => {
    expect(() => parseStatInterval(text, '--interval')).toThrow(/--interval: expected daily, annual_252/);
  });
});

describe('metrics', () => {
  const r = { mean: 0.001, stdDev: 0.02, count: 365 };
  const cases: [string, () => unknown, unknown][] = [
    [
      'sharpe: (0.001 - 0) / 0.02 per day, times sqrt(365) per year',
      () => sharpeRatio(r, 0, DAILY, ANNUAL_365),
      { value: 0.05 * Math.sqrt(365), interval: 'annual_365' },
    ],
    [
      'sharpe: risk-free per period subtracted, per day',
      () => sharpeRatio(r, 0.0005, DAILY, DAILY),
      { value: 0.025, interval: 'daily' },
    ],
    [
      'sharpe: one return is not enough',
      () => sharpeRatio({ mean: 0.01, stdDev: Number.NaN, count: 1 }, 0, DAILY, DAILY),
      { value: null, interval: 'daily', reason: 'needs at least 2 returns, found 1' },
    ],
    [
      'sharpe: constant returns have no deviation',
      () => sharpeRatio({ mean: 0.01, stdDev: 0, count: 10 }, 0, DAILY, DAILY),
      { value: null, interval: 'daily', reason: 'the returns do not vary (zero standard deviation)' },
    ],
    [
      'sortino: (0.001 - 0) / 0.01 times sqrt(252)',
      () => sortinoRatio(r, 0.01, 0, DAILY, ANNUAL_252),
      { value: 0.1 * Math.sqrt(252), interval: 'annual_252' },
    ],
    [
      'sortino: no return below the target',
      () => sortinoRatio(r, 0, 0, DAILY, ANNUAL_252),
      { value: null, interval: 'annual_252', reason: 'no return below the target (zero downside deviation)' },
    ],
    [
      'calmar: (0.30 - 0.05) / 0.25',
      () => calmarRatio(0.3, 0.05, 0.25, ANNUAL_365),
      { value: 1, interval: 'annual_365' },
    ],
    [
      'calmar: no drawdown',
      () => calmarRatio(0.3, 0, 0, ANNUAL_365),
      { value: null, interval: 'annual_365', reason: 'no drawdown (maximum drawdown is 0)' },
    ],
    [
      'rate of return: linear, 0.001 a day is 0.252 a trading year',
      () => rateOfReturn(0.001, DAILY, ANNUAL_252),
      { value: 0.001 * 252, interval: 'annual_252' },
    ],
    [
      'cagr: 100 to 121 in two years is 10% a year',
      () => cagr(100, 121, 730 * 86_400_000_000, ANNUAL_365),
      { value: (121 / 100) ** 0.5 - 1, interval: 'annual_365' },
    ],
    [
      'cagr: everything lost is -100%',
      () => cagr(100, 0, 86_400_000_000, ANNUAL_365),
      { value: -1, interval: 'annual_365' },
    ],
    [
      'cagr: a run with no length',
      () => cagr(100, 100, 0, ANNUAL_365),
      { value: null, interval: 'annual_365', reason: 'the run has no length in time' },
    ],
    ['win rate: 3 of 4', () => winRate(3, 4), { value: 0.75 }],
    ['win rate: no positions', () => winRate(0, 0), { value: null, reason: 'no closed positions' }],
    ['profit factor: 300 / 100', () => profitFactor(300, 100, 4), { value: 3 }],
    ['profit factor: all losses is 0', () => profitFactor(0, 100, 2), { value: 0 }],
    [
      'profit factor: all wins',
      () => profitFactor(300, 0, 3),
      { value: null, reason: 'no losing positions (gross loss is 0)' },
    ],
    [
      'profit factor: no positions',
      () => profitFactor(0, 0, 0),
      { value: null, reason: 'no closed positions' },
    ],
  ];
  it.each(cases)('%s', (_, f, expected) => {
    const got = f() as { value: number | null };
    const want = expected as { value: number | null };
    expect({ ...got, value: null }).toEqual({ ...want, value: null });
    if (want.value === null) expect(got.value).toBeNull();
    else expectRel(got.value, want.value);
  });
  it('convertRate: 5% a year is (1.05)^(1/365) - 1 a day, and back', () => {
    const daily = convertRate(0.05, ANNUAL_365, DAILY);
    expectRel(daily, 1.05 ** (1 / 365) - 1);
    expectRel(convertRate(daily, DAILY, ANNUAL_365), 0.05);
  });
  it('downside deviation counts returns above the target as zeros', () => {
    const d = new DownsideDeviation(0.01);
    const xs = [0.03, -0.02, 0.01, 0.005, -0.04];
    for (const x of xs) d.update(x);
    const ref = Math.sqrt(xs.reduce((s, x) => s + Math.min(0, x - 0.01) ** 2, 0) / xs.length);
    expectRel(d.value, ref);
    expectRel(d.value, Math.sqrt((0.03 ** 2 + 0.005 ** 2 + 0.05 ** 2) / 5));
  });
});

/** Brute force: every peak-to-recovery period, recomputing the running peak at every point. */
function bruteDrawdowns(
  xs: readonly number[],
): { depth: number; start: number; trough: number; end: number; recovered: boolean }[] {
  const out: { depth: number; start: number; trough: number; end: number; recovered: boolean }[] = [];
  let i = 0;
  while (i < xs.length) {
    // i is a peak when no later point dips below it before it is regained; walk to the first dip.
    let j = i + 1;
    while (j < xs.length && xs[j]! >= xs[i]!) {
      i = j;
      j++;
    }
    if (j >= xs.length) break;
    let k = j;
    while (k < xs.length && xs[k]! < xs[i]!) k++;
    const under = xs.slice(j, k);
    const low = Math.min(...under);
    out.push({
      depth: (xs[i]! - low) / xs[i]!,
      start: i,
      trough: j + under.indexOf(low),
      end: k < xs.length ? k : xs.length - 1,
      recovered: k < xs.length,
    });
    i = k;
  }
  return out;
}

describe('drawdown', () => {
  it('the worked example: 100, 110, 90, 115 has one drawdown of (110 - 90) / 110 from day 2 to day 4', () => {
    const periods = drawdownPeriods([100, 110, 90, 115], [1, 2, 3, 4]);
    expect(periods).toHaveLength(1);
    expect(periods[0]).toMatchObject({
      peak: 110,
      trough: 90,
      timeStart: 2,
      timeTrough: 3,
      timeEnd: 4,
      recovered: true,
    });
    expectRel(periods[0]!.value, 20 / 110);
    expectRel(maxDrawdown([100, 110, 90, 115]), 0.18181818181818182);
    expectRel(meanDrawdown([100, 110, 90, 115]), 0.18181818181818182);
  });

  const rnd = lcg(42);
  const walk = (n: number) => {
    let v = 100;
    return Array.from({ length: n }, () => (v *= 1 + (rnd() - 0.49) * 0.04));
  };
  const cases: [string, number[]][] = [
    ['empty', []],
    ['a single point', [100]],
    ['rising only', [1, 2, 3, 4]],
    ['constant', [5, 5, 5, 5]],
    ['equal to the peak recovers', [10, 8, 10, 9, 11]],
    ['ends under water', [10, 12, 9, 11]],
    ['two periods', [100, 110, 90, 115, 92, 120]],
    ['a random walk of 5000 points', walk(5000)],
  ];
  it.each(cases)('%s: periods, series, maximum and mean agree with brute force', (_, xs) => {
    const ref = bruteDrawdowns(xs);
    const got = drawdownPeriods(xs);
    expect(got.map((p) => [p.timeStart, p.timeTrough, p.timeEnd, p.recovered])).toEqual(
      ref.map((p) => [p.start, p.trough, p.end, p.recovered]),
    );
    got.forEach((p, i) => {
      expectRel(p.value, ref[i]!.depth);
    });
    const series = drawdownSeries(xs);
    xs.forEach((x, i) => {
      const peak = Math.max(...xs.slice(0, i + 1));
      expectRel(series[i], (peak - x) / peak);
    });
    expectRel(
      maxDrawdown(xs),
      ref.reduce((m, p) => Math.max(m, p.depth), 0),
    );
    const mean = meanDrawdown(xs);
    if (ref.length === 0) expect(mean).toBeUndefined();
    else expectRel(mean, ref.reduce((s, p) => s + p.depth, 0) / ref.length);
  });

  it('absolute mode measures in units, and a non-positive peak is flagged in relative mode', () => {
    const abs = new DrawdownTracker(true);
    for (const [v, t] of [
      [0, 1],
      [50, 2],
      [-20, 3],
      [60, 4],
    ] as const)
      abs.update(v, t);
    expect(abs.nonPositivePeak).toBe(false);
    const rel = new DrawdownTracker();
    rel.update(0, 1);
    rel.update(-5, 2);
    expect(rel.nonPositivePeak).toBe(true);
    const t = new DrawdownTracker(true);
    const done = [0, 50, -20, 60].map((v, i) => t.update(v, i)).filter((p) => p !== undefined);
    expect(done).toEqual([
      { value: 70, peak: 50, trough: -20, timeStart: 1, timeTrough: 2, timeEnd: 3, recovered: true },
    ]);
  });
});
