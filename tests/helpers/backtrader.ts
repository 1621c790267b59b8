/**
 * backtrader's semantics written out, as independent references for the agreement tests, and the
 * way to run real backtrader (../shared/peers/backtrader, by a Python script in tests/reference/).
 * Each written-out reference follows the named backtrader source: what it computes and in which
 * order, not its code.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from './cli.js';

export interface Bar {
  readonly date: string;
  readonly open: number;
  readonly close: number;
  /** The close as written in the file (a decimal), for exact arithmetic. */
  readonly closeText: string;
}

/** backtrader's package folder (../shared/peers/backtrader), or undefined where absent. */
export function backtraderPath(): string | undefined {
  const dir = resolve(ROOT, '..', 'shared', 'peers', 'backtrader');
  return existsSync(join(dir, 'backtrader', '__init__.py')) ? dir : undefined;
}

/** Why real backtrader cannot run here (no peers folder, no python3), or undefined when it can. */
export function backtraderUnavailable(): string | undefined {
  if (backtraderPath() === undefined) return '../shared/peers/backtrader not found';
  const v = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return v.status === 0 ? undefined : 'python3 not found';
}

/** Runs tests/reference/<script> under python3 with backtrader on PYTHONPATH; its stdout as JSON. */
export function runBacktraderScript<T>(script: string, arg: unknown): T {
  const r = spawnSync('python3', [join(ROOT, 'tests', 'reference', script), JSON.stringify(arg)], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: backtraderPath() ?? '' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A decimal's text as an integer count of 10^-places units ("3.2314" at 6 places: 3231400n). */
export function decimalUnits(text: string, places: number): bigint {
  const neg = text.startsWith('-');
  const [int = '0', frac = ''] = (neg ? text.slice(1) : text).split('.');
  if (frac.length > places) throw new Error(`${text} has more than ${places} decimal places`);
  const units = BigInt(int + frac.padEnd(places, '0'));
  return neg ? -units : units;
}

/** tickpipe backtest flags for the run smaCrossRun describes (next-open fills are the default). */
export const SMA_CROSS_ARGS = [
  'backtest',
  '--strategy',
  'sma-cross',
  '--param',
  'fast=10',
  '--param',
  'slow=30',
  '--sizing',
  'fixed-amount:10',
  '--fees',
  'maker=10,taker=10',
  '--no-close-at-end',
  '--quiet',
];

/** The rows of one of backtrader's sample CSVs (Date,Open,High,Low,Close,Adj Close,Volume). */
export function readBars(file: string): Bar[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .map((r) => ({ date: r[0]!, open: Number(r[1]), close: Number(r[4]), closeText: r[4]! }));
}

/**
 * A long-only SMA(fast)/SMA(slow) CrossOver strategy with buy(size), market orders at the next open
 * and setcommission(commission=0.001), cash 10000: the fills, and the broker value (cash + position x
 * close) at every bar, as backtrader's Cerebro run computes them, with one difference on purpose: the
 * two averages are compared exactly, in decimal (window sums of the closes' text in integer units,
 * cross-multiplied by the periods), so a tie is a tie. backtrader compares `math.fsum(window) /
 * period` doubles, which agree with this everywhere except where its rounding splits a decimal tie
 * (tests/backtrader-sma.test.ts runs real backtrader and finds those).
 */
export function smaCrossRun(
  rows: readonly Bar[],
  { fast = 10, slow = 30, size = 10 }: { fast?: number; slow?: number; size?: number } = {},
): {
  fills: [string, number][];
  values: number[];
  value: number;
} {
  let cash = 10_000;
  let pos = 0;
  let pending = 0;
  let nzd = 0;
  const fills: [string, number][] = [];
  const values: number[] = [];
  const places = Math.max(...rows.map((r) => r.closeText.split('.')[1]?.length ?? 0));
  const units = rows.map((r) => decimalUnits(r.closeText, places));
  const sum = (i: number, n: number) => units.slice(i - n + 1, i + 1).reduce((s, u) => s + u, 0n);
  rows.forEach((r, i) => {
    if (pending !== 0) {
      cash -= pending * r.open + Math.abs(pending * r.open) * 0.001;
      pos += pending;
      fills.push([r.date, r.open]);
      pending = 0;
    }
    values.push(cash + pos * r.close);
    if (i < slow - 1) return;
    // sign(sum_fast / fast - sum_slow / slow), exactly
    const diff = sum(i, fast) * BigInt(slow) - sum(i, slow) * BigInt(fast);
    const d = diff > 0n ? 1 : diff < 0n ? -1 : 0;
    const cross = nzd < 0 && d > 0 ? 1 : nzd > 0 && d < 0 ? -1 : 0;
    if (d !== 0) nzd = d;
    if (pos === 0 && cross > 0) pending = size;
    else if (pos !== 0 && cross < 0) pending = -pos;
  });
  return { fills, values, value: values.at(-1)! };
}

/**
 * backtrader's analyzers.SharpeRatio with timeframe=Days: TimeReturn gives one return per day (the
 * value at the day's end over the previous day's end, the first over the starting cash); the annual
 * riskfreerate is converted to a daily one as (1 + rate)^(1/factor) - 1 (convertrate, factor 252);
 * ratio = mean(r - rate) / standard deviation (Bessel-corrected with stddev_sample=True), times
 * sqrt(factor) with annualize=True.
 */
export function sharpeRatioDays(
  startValue: number,
  dailyValues: readonly number[],
  opts: { riskfreerate: number; factor: number; stddevSample: boolean; annualize: boolean },
): number | null {
  const returns = dailyValues.map((v, i) => v / (i === 0 ? startValue : dailyValues[i - 1]!) - 1);
  const rate = (1 + opts.riskfreerate) ** (1 / opts.factor) - 1;
  const n = returns.length - (opts.stddevSample ? 1 : 0);
  if (n <= 0) return null;
  const free = returns.map((r) => r - rate);
  const avg = free.reduce((s, x) => s + x, 0) / free.length;
  const dev = Math.sqrt(free.reduce((s, x) => s + (x - avg) ** 2, 0) / n);
  if (dev === 0) return null;
  return (avg / dev) * (opts.annualize ? Math.sqrt(opts.factor) : 1);
}

/**
 * backtrader's analyzers.DrawDown: at every bar, maxvalue = max(maxvalue, value); drawdown =
 * 100 * (maxvalue - value) / maxvalue; max.drawdown is the largest, len the bars since the last bar
 * not in drawdown, max.len the longest.
 */
export function drawDown(values: readonly number[]): { maxDrawdown: number; maxLen: number } {
  let maxValue = Number.NEGATIVE_INFINITY;
  let maxDrawdown = 0;
  let len = 0;
  let maxLen = 0;
  for (const v of values) {
    maxValue = Math.max(maxValue, v);
    const dd = (100 * (maxValue - v)) / maxValue;
    len = dd > 0 ? len + 1 : 0;
    maxDrawdown = Math.max(maxDrawdown, dd);
    maxLen = Math.max(maxLen, len);
  }
  return { maxDrawdown, maxLen };
}
