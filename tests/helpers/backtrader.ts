/**
 * backtrader's semantics written out, as independent references for the agreement tests (we cannot
 * run backtrader here: PyPI is out of reach). Each follows the named backtrader source: what it
 * computes and in which order, not its code.
 */

import { readFileSync } from 'node:fs';

export interface Bar {
  readonly date: string;
  readonly open: number;
  readonly close: number;
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
    .map((r) => ({ date: r[0]!, open: Number(r[1]), close: Number(r[4]) }));
}

/**
 * A long-only SMA(10)/SMA(30) CrossOver strategy with buy(size=10), market orders at the next open and
 * setcommission(commission=0.001), cash 10000: the fills, and the broker value (cash + position x
 * close) at every bar, as backtrader's Cerebro run computes them.
 */
export function smaCrossRun(rows: readonly Bar[]): {
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
  const sma = (i: number, n: number) => rows.slice(i - n + 1, i + 1).reduce((s, r) => s + r.close, 0) / n;
  rows.forEach((r, i) => {
    if (pending !== 0) {
      cash -= pending * r.open + Math.abs(pending * r.open) * 0.001;
      pos += pending;
      fills.push([r.date, r.open]);
      pending = 0;
    }
    values.push(cash + pos * r.close);
    if (i < 29) return;
    const d = sma(i, 10) - sma(i, 30);
    const cross = nzd < 0 && d > 0 ? 1 : nzd > 0 && d < 0 ? -1 : 0;
    if (d !== 0) nzd = d;
    if (pos === 0 && cross > 0) pending = 10;
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
