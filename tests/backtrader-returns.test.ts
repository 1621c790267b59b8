/**
 * The annualised return against real backtrader's `Returns` analyzer (../shared/peers/backtrader, run
 * by tests/reference/backtrader_returns.py) on daily stock data, and barter's `risk_free_return`.
 *
 * `annual_252` means 252 return periods a year: on daily data the annualised return is
 * expm1(ln(end / start) / n * 252) with n the number of daily periods, as backtrader's `rnorm`, not
 * growth per 252 calendar days (which gave -31% against backtrader on ORCL before).
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/core/backtest/config.js';
import { ANNUAL_252, ANNUAL_365, DAILY } from '../src/core/stats/interval.js';
import { annualisedReturn } from '../src/core/stats/metrics.js';
import { backtraderUnavailable, runBacktraderScript } from './helpers/backtrader.js';
import { parseLines, runInProcess } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';

interface Returns {
  file: string;
  strategy: string;
  size: number;
  rnorm: number;
  rtot: number;
  n: number;
  value_start: number;
  value_end: number;
}

describe('annualisedReturn: periods per year, hand-worked', () => {
  it.each([
    // 21% over 504 daily periods is 10% a year of 252 periods
    ['two trading years', 100, 121, 504, ANNUAL_252, 0.1],
    // the same growth over 730 days of a 365-period year
    ['two calendar years', 100, 121, 730, ANNUAL_365, 0.1],
    // half a trading year: 10% compounds to 21%
    ['half a year', 100, 110, 126, ANNUAL_252, 0.21],
    ['everything lost', 100, 0, 10, ANNUAL_252, -1],
  ])('%s', (_name, start, end, n, iv, expected) => {
    const r = annualisedReturn(start, end, n, DAILY, iv);
    expect(r.interval).toBe(iv.name);
    expect(r.value).toBeCloseTo(expected, 12);
  });

  it('hourly periods: 24 x 365 of them in annual_365', () => {
    const hour = { name: '1h', us: 3_600_000_000 };
    expect(annualisedReturn(100, 121, 2 * 8760, hour, ANNUAL_365).value).toBeCloseTo(0.1, 12);
  });

  it('no periods or no starting value: null with a reason', () => {
    expect(annualisedReturn(100, 110, 0, DAILY, ANNUAL_252)).toMatchObject({ value: null });
    expect(annualisedReturn(0, 110, 5, DAILY, ANNUAL_252).reason).toMatch(/not positive/);
  });
});

const unavailable = backtraderUnavailable();

describeShared('annualised return agrees with backtrader Returns (shared backtrader daily CSVs)', () => {
  const runs = [
    { file: sharedFile('backtrader', 'orcl-1995-2014.txt'), strategy: 'sma-cross', size: 10 },
    { file: sharedFile('backtrader', 'orcl-1995-2014.txt'), strategy: 'buy-and-hold', size: 300 },
    { file: sharedFile('backtrader', 'nvda-1999-2014.txt'), strategy: 'buy-and-hold', size: 300 },
  ];

  it.skipIf(unavailable !== undefined)(
    `ORCL and NVDA, annual_252 over daily periods: within 0.1% of rnorm${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`,
    async () => {
      const bt = runBacktraderScript<Returns[]>('backtrader_returns.py', runs);
      for (const [i, run] of runs.entries()) {
        const ref = bt[i]!;
        const candles = await runInProcess(['fetch', '--file', run.file, '--quiet']);
        const r = await runInProcess(
          [
            'backtest',
            '--strategy',
            run.strategy,
            ...(run.strategy === 'sma-cross' ? ['--param', 'fast=10', '--param', 'slow=30'] : []),
            '--sizing',
            `fixed-amount:${run.size}`,
            '--fees',
            'maker=10,taker=10',
            '--no-close-at-end',
            '--quiet',
            '--summary',
            '--summary-interval',
            'annual_252',
          ],
          candles.stdout,
        );
        expect(r.code, r.stderr).toBe(0);
        const p = parseLines(r.stdout).at(-1)!.portfolio as {
          annualised_return: { value: number };
          periods: number;
          equity_start: number;
          equity_end: number;
        };
        expect(p.equity_start).toBe(ref.value_start);
        expect(p.equity_end).toBeCloseTo(ref.value_end, 6);
        // backtrader counts one period per bar; tickpipe one per UTC day with an equity point: the same
        expect(p.periods).toBe(ref.n);
        const a = p.annualised_return.value;
        // the brief asks for 0.1%; the formulas are the same, so they agree to rounding
        expect(
          Math.abs(a - ref.rnorm) / Math.abs(ref.rnorm),
          `${run.strategy} ${a} vs ${ref.rnorm}`,
        ).toBeLessThan(1e-9);
      }
    },
    180_000,
  );
});

describeShared("barter's risk_free_return (shared barter-rs/system_config.json)", () => {
  it('is read from the config and used by backtest --summary; --risk-free overrides it', async () => {
    const path = sharedFile('barter-rs', 'system_config.json');
    const json = JSON.parse(readFileSync(path, 'utf8')) as { risk_free_return: number };
    expect(json.risk_free_return).toBe(0.05);
    expect(parseConfig(json, path).risk_free_return).toBe(0.05);
    const candles = await runInProcess(['generate', 'candles', '--count', '3000', '--interval', '1h']);
    const args = ['backtest', '--config', path, '--strategy', 'buy-and-hold', '--quiet', '--summary'];
    const summary = async (extra: string[]) => {
      const r = await runInProcess([...args, ...extra], candles.stdout);
      expect(r.code, r.stderr).toBe(0);
      return parseLines(r.stdout).at(-1)!;
    };
    const withConfig = await summary([]);
    const overridden = await summary(['--risk-free', '0']);
    expect(withConfig.risk_free_return).toBe(0.05);
    expect(overridden.risk_free_return).toBe(0);
    // Calmar subtracts the risk-free return per interval from the annualised return
    type Sheet = Record<
      'annualised_return' | 'calmar_ratio' | 'max_drawdown' | 'sharpe_ratio',
      { value: number }
    >;
    const c = withConfig.portfolio as Sheet;
    const o = overridden.portfolio as Sheet;
    expect(c.annualised_return.value).toBe(o.annualised_return.value);
    expect(c.calmar_ratio.value).toBeCloseTo((c.annualised_return.value - 0.05) / c.max_drawdown.value, 12);
    expect(c.sharpe_ratio.value).toBeLessThan(o.sharpe_ratio.value);
  });
});
