/**
 * `report` without a browser: the reductions for drawing, the series it derives (period returns,
 * monthly returns, the distribution, rolling figures) cross-checked against summarize's own record,
 * the sweep views on hand-written sweep records, the page's self-containment, and bad input.
 * tests/report-browser.test.ts opens the page in Chromium.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import type { WireRecord } from '../src/core/records/record.js';
import { parseTime } from '../src/core/records/time.js';
import { distribution, monthlyReturns, periodReturns, probit, rolling } from '../src/core/report/analysis.js';
import { bucketOf, mergeCandles, minMaxBuckets } from '../src/core/report/downsample.js';
import { buildSweep } from '../src/core/report/sweep.js';
import { DAILY, parseStatInterval } from '../src/core/stats/interval.js';
import { parseLines, runCli } from './helpers/cli.js';
import { at, backtestFiles, cli, leafCount } from './helpers/report.js';

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-report-unit-'));
const us = (iso: string) => parseTime(iso)!.us;

/** The tear sheet cells of a page: the path into the summary record and the exact value. */
function cells(html: string): Array<{ path: string[]; value: unknown }> {
  const unentity = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
  return [...html.matchAll(/<td data-path="([^"]*)" data-value="([^"]*)"/g)].map((m) => ({
    path: JSON.parse(unentity(m[1]!)) as string[],
    value: JSON.parse(unentity(m[2]!)) as unknown,
  }));
}

describe('min/max per bucket', () => {
  it('keeps each bucket’s lowest and highest point in time order, and both ends', () => {
    expect(minMaxBuckets([1, 2, 3, 4, 5, 6], [5, 1, 9, 2, 8, 3], 1)).toEqual({
      t: [1, 2, 3, 6],
      v: [5, 1, 9, 3],
    });
    expect(minMaxBuckets([1, 2, 3, 4, 5, 6, 7, 8], [4, 9, 1, 5, 5, 0, 7, 6], 2)).toEqual({
      t: [1, 2, 3, 6, 7, 8],
      v: [4, 9, 1, 0, 7, 6],
    });
  });

  it('returns a series within the budget unchanged', () => {
    expect(minMaxBuckets([1, 2, 3], [3, 2, 1], 2)).toEqual({ t: [1, 2, 3], v: [3, 2, 1] });
  });

  it('never loses the global extremes and stays within 2 x buckets + 2 points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 1, max: 200 }),
        (v, buckets) => {
          const t = v.map((_, i) => i);
          const out = minMaxBuckets(t, v, buckets);
          expect(out.t.length).toBeLessThanOrEqual(
            Math.max(v.length <= 2 * buckets ? v.length : 0, 2 * buckets + 2),
          );
          expect(Math.min(...out.v)).toBe(Math.min(...v));
          expect(Math.max(...out.v)).toBe(Math.max(...v));
          for (let i = 1; i < out.t.length; i++) expect(out.t[i]!).toBeGreaterThan(out.t[i - 1]!);
          for (let i = 0; i < out.t.length; i++) expect(out.v[i]).toBe(v[out.t[i]!]);
        },
      ),
    );
  });
});

describe('candles merged per bucket', () => {
  it('first open, highest high, lowest low, last close, first time', () => {
    const m = mergeCandles(
      [0, 1, 2, 3],
      [10, 11, 12, 13],
      [12, 15, 13, 14],
      [9, 10, 8, 12],
      [11, 12, 13, 14],
      4,
      2,
    );
    expect(m).toEqual({ t: [0, 2], open: [10, 12], high: [15, 14], low: [9, 8], close: [12, 14] });
  });

  it('finds the bar a time falls in', () => {
    expect([0, 5, 10, 15, 99].map((x) => bucketOf([0, 10, 20], x))).toEqual([0, 0, 1, 1, 2]);
  });
});

describe('monthly returns', () => {
  it('the last equity of each month over the last of the month before (the first over the first point)', () => {
    const t = ['2024-01-02', '2024-01-31', '2024-02-15', '2024-03-31', '2025-01-10'].map((d) =>
      us(`${d}T00:00:00Z`),
    );
    const v = [100, 110, 121, 108.9, 130.68];
    const { rows } = monthlyReturns(t, v, 5);
    expect(rows.map((r) => r.year)).toEqual([2024, 2025]);
    expect(rows[0]!.months[0]).toBeCloseTo(0.1, 12);
    expect(rows[0]!.months[1]).toBeCloseTo(0.1, 12);
    expect(rows[0]!.months[2]).toBeCloseTo(-0.1, 12);
    expect(rows[0]!.months.slice(3)).toEqual(new Array(9).fill(null));
    expect(rows[0]!.total).toBeCloseTo(108.9 / 100 - 1, 12);
    expect(rows[1]!.months[0]).toBeCloseTo(0.2, 12);
    expect(rows[1]!.total).toBeCloseTo(0.2, 12);
  });
});

describe('the returns distribution', () => {
  it('probit matches the standard normal quantiles', () => {
    expect(probit(0.5)).toBeCloseTo(0, 12);
    expect(probit(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(probit(0.001)).toBeCloseTo(-3.090232306167813, 8);
    expect(probit(0.9999)).toBeCloseTo(3.719016485455709, 7);
  });

  it('counts every return once, and the normal overlay has the same mass', () => {
    // Normal returns (Box-Muller over a fixed LCG): the overlay should hold nearly all the mass.
    let seed = 12345;
    const u = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed + 0.5) / 2 ** 31;
    };
    const r = Array.from(
      { length: 2500 },
      () => 0.001 + 0.02 * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
    );
    const d = distribution(r)!;
    expect(d.counts.reduce((a, b) => a + b, 0)).toBe(2500);
    expect(d.counts).toHaveLength(50);
    const mass = d.normal.reduce((a, b) => a + b, 0);
    expect(mass / 2500).toBeGreaterThan(0.97);
    expect(mass / 2500).toBeLessThan(1.01);
    expect(d.mean).toBeCloseTo(0.001, 2);
    expect(d.stdDev).toBeCloseTo(0.02, 2);
    expect(d.qqX).toHaveLength(1000);
    expect(d.qqY[0]).toBe(Math.min(...r));
  });
});

describe('series cross-checked against summarize', () => {
  let run: string;
  let summary: Record<string, unknown>;
  let equity: { t: number[]; v: number[] };
  beforeAll(async () => {
    const candles = await cli([
      'generate',
      'candles',
      '--count',
      '20000',
      '--interval',
      '15m',
      '--seed',
      '4',
    ]);
    run = (await backtestFiles(dir, 'x', candles)).run;
    summary = parseLines(await cli(['summarize', run, '--interval', 'annual_365', '--period', '1d']))[0]!;
    const eq = parseLines(readFileSync(run, 'utf8')).filter((r) => r.type === 'equity');
    equity = { t: eq.map((r) => us(r.time as string)), v: eq.map((r) => r.equity as number) };
  }, 60_000);

  it('takes the same returns per period: their count and volatility are summarize’s', () => {
    const ret = periodReturns(equity.t, equity.v, equity.t.length, DAILY);
    const p = summary.portfolio as Record<string, { value: number } | number>;
    expect(ret.r.length).toBe(p.periods);
    const mean = ret.r.reduce((a, b) => a + b, 0) / ret.r.length;
    const sd = Math.sqrt(ret.r.reduce((a, b) => a + (b - mean) ** 2, 0) / (ret.r.length - 1));
    expect(sd * Math.sqrt(365)).toBeCloseTo((p.volatility as { value: number }).value, 12);
  });

  it('a rolling window over every return gives summarize’s Sharpe ratio', () => {
    const ret = periodReturns(equity.t, equity.v, equity.t.length, DAILY);
    const roll = rolling(ret, ret.r.length, 0, DAILY, parseStatInterval('annual_365'));
    const p = summary.portfolio as Record<string, { value: number }>;
    expect(roll.sharpe).toHaveLength(1);
    expect(roll.sharpe[0]).toBeCloseTo(p.sharpe_ratio!.value, 10);
  });

  it('the page holds every figure summarize gives, with its exact value, and references nothing remote', async () => {
    const html = await cli(['report', run, '--interval', 'annual_252', '--risk-free', '0.03', '--quiet']);
    const s = parseLines(
      await cli(['summarize', run, '--interval', 'annual_252', '--risk-free', '0.03']),
    )[0]!;
    const cs = cells(html);
    expect(cs.length).toBe(leafCount(s));
    for (const c of cs) expect(c.value, c.path.join('.')).toEqual(at(s, c.path));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/url\(\s*['"]?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?https?:/i);
    expect(html).toContain(
      'window.LightweightCharts'.slice(7) === 'LightweightCharts' ? 'LightweightCharts' : '',
    );
    expect(html).toContain('uPlot');
  });

  it('uses a summary record in the input as it is, and says so', async () => {
    const withSummary = `${readFileSync(run, 'utf8')}${(await cli(['summarize', run, '--interval', 'annual_252'])).trim()}\n`;
    const r = await runCli(['report'], withSummary);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/the tear sheet is the input's own summary record \(ratios per annual_252/);
    const s = parseLines(await cli(['summarize', run, '--interval', 'annual_252']))[0]!;
    for (const c of cells(r.stdout)) expect(c.value, c.path.join('.')).toEqual(at(s, c.path));
  });
});

describe('closed trades', () => {
  /** The data the page draws from, out of its inlined JSON. */
  const pageData = (html: string) =>
    JSON.parse(html.match(/<script id="report-data" type="application\/json">(.*?)<\/script>/s)![1]!) as {
      model: { instruments: Array<{ trades: Record<string, unknown[]>; tradesFromFills: boolean }> };
    };

  it('without position records, rebuilds them from the fills as backtest does (fees and flips included)', async () => {
    const candles = await cli(['generate', 'candles', '--count', '8000', '--seed', '21']);
    const { run } = await backtestFiles(dir, 'fees', candles, [
      '--strategy',
      'sma-cross',
      '--param',
      'long_short=true',
      '--sizing',
      'percent-equity:0.5',
      '--fees',
      'maker=10,taker=10',
      '--allow-short',
    ]);
    const records = readFileSync(run, 'utf8').trimEnd().split('\n');
    const closed = parseLines(
      records.filter((l) => l.includes('"status":"closed"') && l.includes('"type":"position"')).join('\n'),
    );
    expect(closed.length).toBeGreaterThan(20);
    expect(closed.some((p) => p.side === 'short')).toBe(true);
    const withPositions = pageData(await cli(['report', run, '--quiet'])).model.instruments[0]!;
    expect(withPositions.tradesFromFills).toBe(false);
    const r = await runCli(
      ['report'],
      `${records.filter((l) => !l.includes('"type":"position"')).join('\n')}\n`,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no position records, so the closed trades are rebuilt from the fills/);
    const rebuilt = pageData(r.stdout).model.instruments[0]!;
    expect(rebuilt.tradesFromFills).toBe(true);
    const sec = (t: unknown) => parseTime(t)!.us / 1e6;
    expect(rebuilt.trades.side).toEqual(closed.map((p) => p.side));
    expect(rebuilt.trades.amount).toEqual(closed.map((p) => p.amount));
    expect(rebuilt.trades.entryTime).toEqual(closed.map((p) => sec(p.time_open)));
    expect(rebuilt.trades.exitTime).toEqual(closed.map((p) => sec(p.time_close)));
    expect(rebuilt.trades.entryPrice).toEqual(closed.map((p) => p.entry_price));
    expect(rebuilt.trades.exitPrice).toEqual(closed.map((p) => p.exit_price));
    // Fees and PnL to 1e-9 relative: the written fees are the engine's exact ones rounded to doubles.
    for (const field of ['fees', 'pnl'] as const)
      closed.forEach((p, i) => {
        const want = p[field] as number;
        expect(Math.abs((rebuilt.trades[field]![i] as number) - want), `${field} ${i}`).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(want)),
        );
      });
    expect(withPositions.trades.pnl).toEqual(closed.map((p) => p.pnl));
  }, 60_000);
});

describe('bad input', () => {
  it('a file of candles (no account records): a clear error, exit 1, no page', async () => {
    const candles = await cli(['generate', 'candles', '--count', '50']);
    const r = await runCli(['report'], candles);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /stdin: no account records .* or sweep records in the input \(found 50 records \(50 candle\)\): report draws what backtest writes/,
    );
  });

  it('empty input: no page, exit 0', async () => {
    const r = await runCli(['report'], '');
    expect(r).toMatchObject({ code: 0, stdout: '' });
  });

  it('a malformed account record: a located error, exit 1', async () => {
    const r = await runCli(
      ['report'],
      '{"type":"equity","time":"2024-01-01T00:00:00Z","asset":"usdt","equity":"lots"}\n',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stdin:1: expected a number for "equity", found "lots"/);
  });

  it('--market and the input both on stdin: a usage error', async () => {
    const r = await runCli(['report', '--market', '-'], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--market and the input cannot both be standard input/);
  });
});

const sweepRecords = (): WireRecord[] => {
  const runs: WireRecord[] = [];
  let id = 0;
  for (const slow of [20, 50])
    for (const fast of [5, 10, 15])
      runs.push({
        type: 'sweep_run',
        id: id++,
        parameters: { fast, slow },
        total_return: fast / 100,
        sharpe_ratio: fast / 10 - slow / 100,
        max_drawdown: slow / 1000,
        trades: fast + slow,
      });
  runs.push({
    type: 'sweep_run',
    id: id++,
    parameters: { fast: 20, slow: 20 },
    error: 'fast must be below slow',
  });
  return [
    ...runs,
    {
      type: 'sweep_fold',
      fold: 1,
      train_start: '2024-01-01T00:00:00.000Z',
      train_end: '2024-06-29T00:00:00.000Z',
      test_start: '2024-06-29T00:00:00.000Z',
      test_end: '2024-07-29T00:00:00.000Z',
      parameters: { fast: 10, slow: 50 },
      in_sample: { sharpe_ratio: 1.25, total_return: 0.2 },
      out_of_sample: { sharpe_ratio: -0.4, total_return: -0.01 },
    },
    { type: 'sweep_summary', objective: 'sharpe_ratio', direction: 'maximize', runs: 7, failed: 1 },
  ];
};

describe('sweep views on the records tickpipe sweep writes (flat rows, in_/out_ fold figures)', () => {
  it("maps a real 2 x 2 grid: each cell is its run's objective, the ranking is the sweep_summary's", async () => {
    const candles = await runCli(['generate', 'candles', '--count', '3000', '--seed', '3']);
    const args = ['--strategy', 'sma-cross', '--sizing', 'percent-equity:0.5', '-j', '1'];
    const swept = await runCli(
      ['sweep', ...args, '--grid', 'fast=5,10', '--grid', 'slow=20,40'],
      candles.stdout,
    );
    expect(swept.code, swept.stderr).toBe(0);
    const recs = parseLines(swept.stdout) as WireRecord[];
    const runs = recs.filter((r) => r.type === 'sweep_run');
    const summary = recs.find((r) => r.type === 'sweep_summary')!;
    const s = buildSweep(runs, summary, [], { x: 'fast', y: 'slow' });
    expect(s.parameters).toEqual(['fast', 'slow']);
    expect(s.heatmap!.xs).toEqual([5, 10]);
    expect(s.heatmap!.ys).toEqual([20, 40]);
    for (const r of runs)
      expect(s.heatmap!.cells[[20, 40].indexOf(r.slow as number)]![[5, 10].indexOf(r.fast as number)]).toBe(
        r.sharpe_ratio,
      );
    const best = summary.best as { run: number }[];
    expect(s.ranked.map((r) => r.id)).toEqual(best.map((b) => b.run));
  });

  it('reads a walk-forward fold: its parameters and its in- and out-of-sample figures', () => {
    const fold = {
      type: 'sweep_fold',
      fold: 1,
      train_start: '2024-01-01T00:00:00.000Z',
      train_end: '2024-01-31T00:00:00.000Z',
      test_start: '2024-01-31T00:00:00.000Z',
      test_end: '2024-02-07T00:00:00.000Z',
      runs: 4,
      run: 2,
      fast: 5,
      slow: 40,
      in_sharpe_ratio: 1.5,
      out_sharpe_ratio: -0.25,
    } as WireRecord;
    const s = buildSweep([], undefined, [fold], {});
    expect(s.folds[0]!.parameters).toEqual({ fast: 5, slow: 40 });
    expect(s.folds[0]!.in_sample).toEqual({ sharpe_ratio: 1.5 });
    expect(s.folds[0]!.out_of_sample).toEqual({ sharpe_ratio: -0.25 });
  });
});

describe('sweep views (on hand-written sweep records: the shapes of issue #17)', () => {
  it('maps the objective over two parameters, ranks the runs and puts the failed one last', () => {
    const recs = sweepRecords();
    const s = buildSweep(
      recs.filter((r) => r.type === 'sweep_run'),
      recs.find((r) => r.type === 'sweep_summary'),
      recs.filter((r) => r.type === 'sweep_fold'),
      {},
    );
    expect(s.objective).toBe('sharpe_ratio');
    expect(s.heatmap!.xs).toEqual([5, 10, 15, 20]);
    expect(s.heatmap!.ys).toEqual([20, 50]);
    const c = s.heatmap!.cells.map((row) => row.map((v) => (v === null ? null : Number(v.toFixed(6)))));
    expect(c).toEqual([
      [0.3, 0.8, 1.3, null],
      [0, 0.5, 1, null],
    ]);
    expect(s.ranked.map((r) => r.id)).toEqual([2, 5, 1, 4, 0, 3, 6]);
    expect(s.ranked[6]!.error).toBe('fast must be below slow');
    expect(s.folds).toHaveLength(1);
  });

  it('--minimize and --x/--y swap the order and the axes; an unknown parameter is a usage error', () => {
    const runs = sweepRecords().filter((r) => r.type === 'sweep_run');
    const s = buildSweep(runs, undefined, [], {
      objective: 'max_drawdown',
      minimize: true,
      x: 'slow',
      y: 'fast',
    });
    expect(s.heatmap!.xs).toEqual([20, 50]);
    expect(s.ranked.slice(0, 3).map((r) => r.parameters.slow)).toEqual([20, 20, 20]);
    expect(() => buildSweep(runs, undefined, [], { x: 'window' })).toThrow(UsageError);
    expect(() => buildSweep(runs, undefined, [], { x: 'window' })).toThrow(
      /--x: the sweep has no parameter "window" \(it has: fast, slow\)/,
    );
  });

  it('writes the heat map, the ranking and the folds into the page', async () => {
    const text = `${sweepRecords()
      .map((r) => JSON.stringify(r))
      .join('\n')}\n`;
    const r = await runCli(['report', '--quiet'], text);
    expect(r.code).toBe(0);
    const html = r.stdout;
    const heat = html.slice(
      html.indexOf('<table id="heatmap"'),
      html.indexOf('</table>', html.indexOf('<table id="heatmap"')),
    );
    expect(
      [...heat.matchAll(/<td data-value="([^"]+)"/g)].map((m) => Number(Number(m[1]).toFixed(6))),
    ).toEqual([0.3, 0.8, 1.3, 0, 0.5, 1]);
    const ranking = html.slice(
      html.indexOf('<table id="ranking"'),
      html.indexOf('</table>', html.indexOf('<table id="ranking"')),
    );
    expect(ranking.match(/<tr>/g)).toHaveLength(8); // the header and 7 runs
    expect(ranking).toContain('failed: fast must be below slow');
    const folds = html.slice(
      html.indexOf('<table id="folds"'),
      html.indexOf('</table>', html.indexOf('<table id="folds"')),
    );
    expect(folds).toContain('2024-01-01 → 2024-06-29');
    expect(folds).toContain('<td data-value="1.25">1.250</td><td data-value="-0.4">-0.400</td>');
    const bad = await runCli(['report', '--x', 'nope'], text);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--x: the sweep has no parameter "nope"/);
  });
});

describe('the help examples', () => {
  it('each one works as written (the --png one where a browser can be had)', async () => {
    const { default: Report } = await import('../src/commands/report.js');
    const { BIN } = await import('./helpers/cli.js');
    const { browserUnavailable } = await import('../src/core/report/browser.js');
    const { execFileSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const work = mkdtempSync(join(tmpdir(), 'tickpipe-report-examples-'));
    writeFileSync(
      join(work, 'candles.ndjson'),
      await cli(['generate', 'candles', '--count', '2000', '--seed', '9']),
    );
    writeFileSync(
      join(work, 'run.ndjson'),
      await cli(['backtest', join(work, 'candles.ndjson'), '--strategy', 'sma-cross', '--quiet']),
    );
    writeFileSync(
      join(work, 'sweep.ndjson'),
      `${sweepRecords()
        .map((r) => JSON.stringify(r))
        .join('\n')}\n`,
    );
    const noBrowser = await browserUnavailable();
    const examples = Report.examples as Array<{ command: string }>;
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const e of examples) {
      if (e.command.includes('--png') && noBrowser !== undefined) continue;
      const command = e.command
        .replaceAll('<%= config.bin %>', `"${process.execPath}" "${BIN}"`)
        .replaceAll('<%= command.id %>', 'report');
      execFileSync('bash', ['-o', 'pipefail', '-c', command], { cwd: work, stdio: 'pipe' });
      for (const out of command.match(/\S+\.(html|png)\b/g) ?? [])
        expect(existsSync(join(work, out)), out).toBe(true);
    }
    expect(readFileSync(join(work, 'sweep.html'), 'utf8')).toContain('<table id="heatmap"');
  }, 120_000);
});
