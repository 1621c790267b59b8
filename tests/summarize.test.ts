/**
 * summarize and drawdown end to end: a synthetic account stream whose every statistic is recomputed
 * here by the straightforward two-pass formulas of docs/statistics.md; the degenerate cases by name;
 * the worked drawdown example; agreement with backtrader's SharpeRatio and DrawDown analyzers.
 */

import { describe, expect, it } from 'vitest';
import { collect, fromRecords } from '../src/core/io/stream.js';
import type { WireRecord } from '../src/core/records/record.js';
import { Summarizer, summarize } from '../src/core/stats/summary.js';
import { drawDown, readBars, SMA_CROSS_ARGS, sharpeRatioDays, smaCrossRun } from './helpers/backtrader.js';
import { parseLines, runInProcess } from './helpers/cli.js';
import { expectRel } from './helpers/expect.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';

// biome-ignore lint/suspicious/noExplicitAny: summaries are JSON documents, inspected by path in assertions
type Doc = any;

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const ndjson = (records: readonly object[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Closed {
  symbol: string;
  pnl: number;
  amount: number;
  entry: number;
  open: number;
  close: number;
  fees: number;
}

/** 40 days of equity every 4 hours, 30 closed positions on two instruments, fills, orders, balances. */
function account(seed = 1) {
  const rnd = lcg(seed);
  const records: (WireRecord & { time: string })[] = [];
  const equity: [number, number][] = [];
  let v = 10_000;
  for (let t = T0 + 4 * 3_600_000; t <= T0 + 40 * DAY; t += 4 * 3_600_000) {
    v *= 1 + (rnd() - 0.48) * 0.02;
    equity.push([t, v]);
    records.push({
      type: 'equity',
      time: iso(t),
      asset: 'usdt',
      equity: v,
      cash: v,
      exposure: 0,
      strategy: 's',
    });
  }
  const closed: Closed[] = [];
  let t = T0 + 3 * 3_600_000;
  for (let i = 0; i < 30; i++) {
    const symbol = i % 3 === 0 ? 'ETHUSDT' : 'BTCUSDT';
    const open = t + Math.floor(rnd() * 6) * 3_600_000 + 60_000;
    const close = open + (1 + Math.floor(rnd() * 20)) * 3_600_000;
    t = close;
    const entry = symbol === 'BTCUSDT' ? 40_000 + rnd() * 2000 : 2000 + rnd() * 100;
    const amount = symbol === 'BTCUSDT' ? 0.1 : 2;
    const pnl = (rnd() - 0.45) * 200;
    const fees = entry * amount * 0.002;
    closed.push({ symbol, pnl, amount, entry, open, close, fees });
    const common = { exchange: 'binance_spot', symbol, strategy: 's' };
    records.push(
      { type: 'order', time: iso(open), ...common, id: 2 * i + 1, status: 'new' },
      { type: 'order', time: iso(open), ...common, id: 2 * i + 1, status: 'filled' },
      {
        type: 'fill',
        time: iso(open),
        ...common,
        order_id: 2 * i + 1,
        side: 'buy',
        price: entry,
        amount,
        fee: fees / 2,
      },
      {
        type: 'position',
        time: iso(open),
        ...common,
        status: 'open',
        side: 'long',
        amount,
        entry_price: entry,
        exit_price: null,
        pnl: -fees / 2,
        fees: fees / 2,
        time_open: iso(open),
        time_close: null,
      },
      {
        type: 'balance',
        time: iso(open),
        exchange: 'binance_spot',
        asset: 'usdt',
        total: 10_000 + i,
        free: 5000 - i,
      },
      { type: 'order', time: iso(close), ...common, id: 2 * i + 2, status: 'new' },
      {
        type: 'fill',
        time: iso(close),
        ...common,
        order_id: 2 * i + 2,
        side: 'sell',
        price: entry + pnl / amount,
        amount,
        fee: fees / 2,
      },
      {
        type: 'position',
        time: iso(close),
        ...common,
        status: 'closed',
        side: 'long',
        amount,
        entry_price: entry,
        exit_price: entry + pnl / amount,
        pnl,
        fees,
        time_open: iso(open),
        time_close: iso(close),
      },
      {
        type: 'balance',
        time: iso(close),
        exchange: 'binance_spot',
        asset: 'usdt',
        total: 10_000 + i + pnl,
        free: 10_000 + i + pnl,
      },
    );
    if (i === 7)
      records.push({ type: 'order', time: iso(close), ...common, id: 1000, status: 'rejected', reason: 'x' });
  }
  records.push({ type: 'my_note', time: iso(T0 + DAY) } as WireRecord & { time: string });
  records.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return { records, equity, closed };
}

/** Two-pass statistics of a return series. */
function stats(xs: readonly number[], target = 0) {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const down = Math.sqrt(xs.reduce((s, x) => s + Math.min(0, x - target) ** 2, 0) / n);
  return { n, mean, sd, down };
}

function maxDd(xs: readonly number[]): number {
  let worst = 0;
  xs.forEach((x, i) => {
    const peak = Math.max(...xs.slice(0, i + 1));
    worst = Math.max(worst, (peak - x) / peak);
  });
  return worst;
}

/** Walks a summary: every number finite, every null `value` explained. */
function expectWellFormed(x: unknown, path = 'summary'): void {
  if (typeof x === 'number') expect(Number.isFinite(x), path).toBe(true);
  if (x === null || typeof x !== 'object') return;
  const o = x as Record<string, unknown>;
  if ('value' in o && o.value === null) expect(typeof o.reason, `${path}.reason`).toBe('string');
  for (const [k, v] of Object.entries(o)) expectWellFormed(v, `${path}.${k}`);
}

async function summaryOf(records: readonly WireRecord[], options = {}): Promise<Doc> {
  const s = new Summarizer(options);
  const out = await collect(summarize(fromRecords(records), s));
  expect(out).toHaveLength(1);
  expectWellFormed(out[0]);
  return out[0] as Doc;
}

describe('summarize: every statistic against a two-pass reference', () => {
  const { records, equity, closed } = account();
  const rf = 0.03;
  const I = 252 * DAY;
  let s: Doc;

  it('runs as a command', async () => {
    const r = await runInProcess(
      ['summarize', '--interval', 'Annual-252', '--risk-free', String(rf), '--period', '1d'],
      ndjson(records),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(out.map((x) => x.type)).toEqual(['summary']);
    s = out[0] as Doc;
    expectWellFormed(s);
    expect(s).toMatchObject({
      time: records.at(-1)!.time,
      time_start: records[0]!.time,
      time_end: records.at(-1)!.time,
      interval: 'annual_252',
      period: 'daily',
      risk_free_return: rf,
      strategy: 's',
    });
  });

  it('portfolio: returns per UTC day, Sharpe, Sortino, volatility, annualised return per period count, Calmar, drawdown, best and worst', () => {
    // Daily closes: the last equity at or before each midnight; the first return against the first point.
    const closes = new Map<number, number>();
    for (const [t, v] of equity) closes.set(Math.ceil(t / DAY), v);
    const vals = [...closes.values()];
    const rets = vals.map((x, i) => x / (i === 0 ? equity[0]![1] : vals[i - 1]!) - 1);
    const rfp = (1 + rf) ** (1 / 252) - 1;
    const st = stats(rets, rfp);
    const p = s.portfolio;
    expect(p.periods).toBe(rets.length);
    expect(p.equity_start).toBe(equity[0]![1]);
    expect(p.equity_end).toBe(equity.at(-1)![1]);
    expectRel(p.total_return.value, equity.at(-1)![1] / equity[0]![1] - 1);
    expectRel(p.sharpe_ratio.value, ((st.mean - rfp) / st.sd) * Math.sqrt(252));
    expectRel(p.sortino_ratio.value, ((st.mean - rfp) / st.down) * Math.sqrt(252));
    expectRel(p.volatility.value, st.sd * Math.sqrt(252));
    // annual_252: 252 daily periods a year, counted (backtrader's Returns.rnorm), not calendar time
    const growth = (equity.at(-1)![1] / equity[0]![1]) ** (I / DAY / rets.length) - 1;
    expectRel(p.annualised_return.value, growth);
    const dd = maxDd(equity.map((e) => e[1]));
    expectRel(p.max_drawdown.value, dd);
    expectRel(p.calmar_ratio.value, (growth - rf) / dd);
    expectRel(p.best_period.value, Math.max(...rets));
    expectRel(p.worst_period.value, Math.min(...rets));
    const bestDay = [...closes.keys()][rets.indexOf(Math.max(...rets))]!;
    expect(p.best_period.time).toBe(iso(bestDay * DAY));
    expect(p.sharpe_ratio.interval).toBe('annual_252');
  });

  it('instruments: per-position returns, ratios per positions per interval, trade statistics', () => {
    const span = Date.parse(records.at(-1)!.time) - Date.parse(records[0]!.time);
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const mine = closed.filter((c) => c.symbol === symbol);
      const t = s.instruments[`binance_spot:${symbol}`];
      const n = mine.length;
      const r = mine.map((c) => c.pnl / (c.amount * c.entry));
      const e = mine.map((c, i) => r[i]! - ((1 + rf) ** ((c.close - c.open) / I) - 1));
      const perPos = span / n;
      const scale = I / perPos;
      const st = stats(e);
      expect(t.trades).toBe(n);
      expectRel(
        t.pnl,
        mine.reduce((a, c) => a + c.pnl, 0),
      );
      expectRel(t.pnl_return.value, (r.reduce((a, x) => a + x, 0) / n) * scale);
      expectRel(t.sharpe_ratio.value, (st.mean / st.sd) * Math.sqrt(scale));
      expectRel(t.sortino_ratio.value, (st.mean / st.down) * Math.sqrt(scale));
      const wealth = [1];
      for (const x of r) wealth.push(wealth.at(-1)! * (1 + x));
      expectRel(t.pnl_drawdown_max.value, maxDd(wealth));
      expectRel(t.calmar_ratio.value, (t.pnl_return.value - rf) / maxDd(wealth));
      const wins = mine.filter((c) => c.pnl > 0);
      const losses = mine.filter((c) => c.pnl < 0);
      expect([t.wins, t.losses]).toEqual([wins.length, losses.length]);
      expectRel(t.win_rate.value, wins.length / n);
      const gp = wins.reduce((a, c) => a + c.pnl, 0);
      const gl = -losses.reduce((a, c) => a + c.pnl, 0);
      expectRel(t.profit_factor.value, gp / gl);
      expectRel(t.avg_win.value, gp / wins.length);
      expectRel(t.avg_loss.value, -gl / losses.length);
      expectRel(t.largest_win.value, Math.max(...wins.map((c) => c.pnl)));
      expectRel(t.largest_loss.value, Math.min(...losses.map((c) => c.pnl)));
      expectRel(t.expectancy.value, mine.reduce((a, c) => a + c.pnl, 0) / n);
      expectRel(t.avg_holding_ms.value, mine.reduce((a, c) => a + c.close - c.open, 0) / n);
      expectRel(
        t.fees,
        mine.reduce((a, c) => a + c.fees, 0),
      );
      expectRel(
        t.volume,
        mine.reduce((a, c) => a + c.entry * c.amount + (c.entry + c.pnl / c.amount) * c.amount, 0),
      );
      expectRel(t.time_in_market.value, mine.reduce((a, c) => a + c.close - c.open, 0) / span);
      expect(t.fills).toBe(2 * n);
      expect(t.orders).toBe(2 * n);
      expect(t.orders_rejected).toBe(symbol === 'BTCUSDT' ? 1 : 0);
      expect(t.position_open).toBe(false);
    }
  });

  it('assets: first and last balance, drawdown of the total', () => {
    const a = s.assets['binance_spot:usdt'];
    const totals = records.filter((r) => r.type === 'balance').map((r) => r.total as number);
    expect(a.balance_start).toEqual({ total: 10_000, free: 5000 });
    expect(a.balance_end.total).toBe(totals.at(-1));
    expectRel(a.drawdown_max.value, maxDd(totals));
  });

  it('--every 1d: a cumulative summary at each day end equal to the summary of the input so far', async () => {
    const r = await runInProcess(['summarize', '--every', '1d'], ndjson(records));
    const out = parseLines(r.stdout) as Doc[];
    const days = new Set(records.map((x) => Math.ceil(Date.parse(x.time) / DAY)));
    expect(out).toHaveLength(days.size);
    const third = out[2]!;
    const boundary = Date.parse(third.time);
    expect(boundary % DAY).toBe(0);
    const prefix = await summaryOf(records.filter((x) => Date.parse(x.time) <= boundary));
    expect({ ...third, time: null }).toEqual({ ...prefix, time: null });
    // The last is the end-of-input summary, the same as without --every.
    const plain = await runInProcess(['summarize'], ndjson(records));
    expect(out.at(-1)).toEqual(parseLines(plain.stdout)[0]);
  });
});

describe('summarize: degenerate cases are null with a reason', () => {
  const e = (day: number, equity: number) => ({
    type: 'equity',
    time: iso(T0 + day * DAY),
    asset: 'usdt',
    equity,
  });
  const pos = (day: number, pnl: number) => ({
    type: 'position',
    time: iso(T0 + day * DAY),
    exchange: 'x',
    symbol: 'S',
    status: 'closed',
    side: 'long',
    amount: 1,
    entry_price: 100,
    exit_price: 100 + pnl,
    pnl,
    fees: 0,
    time_open: iso(T0 + (day - 0.5) * DAY),
    time_close: iso(T0 + day * DAY),
  });
  it('no equity records: every portfolio metric null', async () => {
    const s = await summaryOf([pos(1, 5)]);
    expect(s.portfolio).toMatchObject({
      equity_start: null,
      periods: 0,
      sharpe_ratio: { value: null, reason: 'no equity records' },
      max_drawdown: { value: null, reason: 'no equity records' },
    });
  });
  it('a single equity point: one period, too few for ratios, no length for CAGR', async () => {
    const s = await summaryOf([e(1, 100)]);
    expect(s.portfolio).toMatchObject({
      periods: 1,
      total_return: { value: 0 },
      sharpe_ratio: { value: null, reason: 'needs at least 3 returns, found 1 (--min-periods)' },
      annualised_return: { value: null, reason: 'the run has no length in time' },
      max_drawdown: { value: 0 },
      best_period: { value: 0 },
    });
  });
  it('constant equity: zero deviation, zero drawdown, no Calmar', async () => {
    const s = await summaryOf([1, 2, 3, 4, 5].map((d) => e(d, 100)));
    expect(s.portfolio).toMatchObject({
      periods: 5,
      volatility: { value: 0 },
      sharpe_ratio: { value: null, reason: 'the returns do not vary (zero standard deviation)' },
      sortino_ratio: { value: null, reason: 'no return below the target (zero downside deviation)' },
      calmar_ratio: { value: null, reason: 'no drawdown (maximum drawdown is 0)' },
      max_drawdown: { value: 0 },
      time_under_water_ms: 0,
    });
  });
  it('one trade: rates and counts, but no ratios', async () => {
    const s = await summaryOf([pos(1, 5)]);
    expect(s.instruments['x:S']).toMatchObject({
      trades: 1,
      wins: 1,
      win_rate: { value: 1 },
      profit_factor: { value: null, reason: 'no losing positions (gross loss is 0)' },
      sharpe_ratio: { value: null, reason: 'needs at least 3 returns, found 1 (--min-periods)' },
      avg_loss: { value: null, reason: 'no losing positions' },
      expectancy: { value: 5 },
      pnl_drawdown_mean: { value: null, reason: 'no drawdown period' },
    });
  });
  it('all wins: no profit factor, no Sortino, no PnL drawdown', async () => {
    const s = await summaryOf([1, 2, 3, 4].map((d) => pos(d, d)));
    const t = s.instruments['x:S'];
    expect(t).toMatchObject({
      win_rate: { value: 1 },
      profit_factor: { value: null, reason: 'no losing positions (gross loss is 0)' },
      sortino_ratio: { value: null, reason: 'no return below the target (zero downside deviation)' },
      calmar_ratio: { value: null, reason: 'no drawdown (maximum drawdown is 0)' },
      pnl_drawdown_max: { value: 0 },
      largest_loss: { value: null, reason: 'no losing positions' },
    });
    expect(t.sharpe_ratio.value).toBeGreaterThan(0);
  });
  it('all losses: win rate 0, profit factor 0, no average win', async () => {
    const s = await summaryOf([1, 2, 3, 4].map((d) => pos(d, -d)));
    const t = s.instruments['x:S'];
    expect(t).toMatchObject({
      win_rate: { value: 0 },
      profit_factor: { value: 0 },
      avg_win: { value: null, reason: 'no winning positions' },
    });
    // The compounded per-position curve: 0.99 * 0.98 * 0.97 * 0.96 of its start.
    expectRel(t.pnl_drawdown_max.value, 1 - 0.99 * 0.98 * 0.97 * 0.96);
    expect(t.pnl_drawdown_max.recovered).toBe(false);
  });
  it('empty input: no summary at all (and exit 0)', async () => {
    const r = await runInProcess(['summarize'], '');
    expect(r).toMatchObject({ stdout: '', code: 0 });
  });
});

describe('summarize: usage, bad input, --pretty, backtest --summary', () => {
  it.each([
    [['--interval', 'yearly'], /--interval: expected daily, annual_252, annual_365 or a duration/],
    [['--period', 'soon'], /--period: expected/],
    [['--risk-free', 'abc'], /--risk-free: expected a rate such as 0.04, found "abc"/],
    [['--risk-free', '-1'], /--risk-free/],
  ])('%j exits 2', async (args, message) => {
    const r = await runInProcess(['summarize', ...args], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
  it.each([
    [
      'a non-numeric equity',
      [
        '{"type":"equity","time":"2024-01-01T00:00:00.000Z","asset":"usdt","equity":1}',
        '{"type":"equity","time":"2024-01-02T00:00:00.000Z","asset":"usdt","equity":"abc"}',
      ],
      'stdin:2: expected a number for "equity", found "abc"',
    ],
    [
      'records out of time order',
      [
        '{"type":"equity","time":"2024-01-02T00:00:00.000Z","asset":"usdt","equity":1}',
        '{"type":"equity","time":"2024-01-01T00:00:00.000Z","asset":"usdt","equity":2}',
      ],
      'stdin:2: record at 2024-01-01T00:00:00.000Z is older than the one before (2024-01-02T00:00:00.000Z); sort the input first (tickpipe sanitize --reorder-window N)',
    ],
    [
      'two accounts in one stream',
      [
        '{"type":"equity","time":"2024-01-01T00:00:00.000Z","asset":"usdt","equity":1}',
        '{"type":"equity","time":"2024-01-02T00:00:00.000Z","asset":"btc","equity":2}',
      ],
      'stdin:2: equity in "btc" after equity in "usdt": summarize one account at a time',
    ],
    [
      'a position without a status',
      ['{"type":"position","time":"2024-01-01T00:00:00.000Z","exchange":"x","symbol":"S","pnl":1}'],
      'stdin:1: expected "status" "open" or "closed" in a position record, found undefined',
    ],
  ])('%s: a located error, exit 1, no summary', async (_, lines, message) => {
    const r = await runInProcess(['summarize'], `${lines.join('\n')}\n`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`tickpipe summarize: error: ${message}\n`);
  });

  it('--pretty: a table with the sparkline, no colour codes off a terminal', async () => {
    const { records } = account(3);
    const r = await runInProcess(['summarize', '--pretty'], ndjson(records));
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.stdout).toMatch(/^tickpipe summary s: 2024-01-01T/);
    expect(r.stdout).toMatch(/ {2}sharpe ratio {10}-?\d+\.\d{3} per annual_365\n/);
    expect(r.stdout).toMatch(/equity {16}[\d,]+\.\d\d → [\d,]+\.\d\d {3}[▁▂▃▄▅▆▇█]{40,}/);
    expect(r.stdout).toMatch(/binance_spot:BTCUSDT\n {4}pnl/);
  });

  it('backtest --summary ends with the record summarize writes of the same output', async () => {
    const gen = await runInProcess(['generate', 'candles', '--count', '5000', '--seed', '9']);
    const args = ['backtest', '--strategy', 'sma-cross', '--sizing', 'percent-equity:0.5', '--quiet'];
    const plain = await runInProcess(args, gen.stdout);
    const withSummary = await runInProcess([...args, '--summary', '--summary-interval', 'daily'], gen.stdout);
    expect(withSummary.code).toBe(0);
    expect(withSummary.stdout.startsWith(plain.stdout)).toBe(true);
    const tail = parseLines(withSummary.stdout.slice(plain.stdout.length));
    const alone = await runInProcess(['summarize', '--interval', 'daily'], plain.stdout);
    expect(tail).toEqual(parseLines(alone.stdout));
    expect(tail[0]!.instruments).toHaveProperty('binance_spot:BTCUSDT');
  });
});

describe('drawdown', () => {
  const days = (values: number[]) =>
    ndjson(
      values.map((equity, i) => ({ type: 'equity', time: iso(T0 + (i + 1) * DAY), asset: 'usdt', equity })),
    );

  it('the worked example: 100, 110, 90, 115 on four days', async () => {
    const r = await runInProcess(['drawdown'], days([100, 110, 90, 115]));
    expect(r.code).toBe(0);
    const [period, summary] = parseLines(r.stdout) as Doc[];
    expect(period).toMatchObject({
      type: 'drawdown',
      kind: 'period',
      peak: 110,
      trough: 90,
      time_start: iso(T0 + 2 * DAY),
      time_trough: iso(T0 + 3 * DAY),
      time_end: iso(T0 + 4 * DAY),
      duration_ms: 2 * DAY,
      recovered: true,
    });
    expectRel(period!.value, 20 / 110);
    expect(summary).toMatchObject({
      type: 'drawdown_summary',
      count: 1,
      current: 0,
      mean_duration_ms: 2 * DAY,
    });
    expectRel(summary!.max, 20 / 110);
    expectRel(summary!.mean, 20 / 110);
  });

  it('the current period at the end, counted once in the mean', async () => {
    const r = await runInProcess(['drawdown'], days([100, 110, 90, 115, 92, 100]));
    const out = parseLines(r.stdout) as Doc[];
    expect(out.map((o) => [o.type, o.recovered])).toEqual([
      ['drawdown', true],
      ['drawdown', false],
      ['drawdown_summary', undefined],
    ]);
    expectRel(out[1]!.value, 23 / 115);
    expect(out[1]).toMatchObject({ time_start: iso(T0 + 4 * DAY), time_end: iso(T0 + 6 * DAY) });
    expectRel(out[2]!.mean, (20 / 110 + 23 / 115) / 2);
    expect(out[2]!.mean_duration_ms).toBe(2 * DAY);
    expectRel(out[2]!.current, 15 / 115);
  });

  it('--series: one point per input point, (running peak - value) / running peak', async () => {
    const values = [100, 120, 90, 60, 130, 125];
    const r = await runInProcess(['drawdown', '--series'], days(values));
    const points = parseLines(r.stdout).filter((o) => o.kind === 'point') as Doc[];
    expect(points).toHaveLength(values.length);
    points.forEach((p, i) => {
      const peak = Math.max(...values.slice(0, i + 1));
      expect(p.peak).toBe(peak);
      expect(p.level).toBe(values[i]);
      expectRel(p.value, (peak - values[i]!) / peak);
    });
  });

  it('--asset: the balance total of one asset, per exchange', async () => {
    const b = (d: number, exchange: string, total: number) => ({
      type: 'balance',
      time: iso(T0 + d * DAY),
      exchange,
      asset: 'usdt',
      total,
    });
    const input = ndjson([b(1, 'a', 10), b(1, 'b', 50), b(2, 'a', 5), b(2, 'b', 40), b(3, 'a', 12)]);
    const both = parseLines((await runInProcess(['drawdown', '--asset', 'usdt'], input)).stdout);
    expect(both.filter((o) => o.type === 'drawdown').map((o) => [o.exchange, o.value])).toEqual([
      ['a', 0.5],
      ['b', 0.2],
    ]);
    const one = parseLines(
      (await runInProcess(['drawdown', '--asset', 'usdt', '--exchange', 'b'], input)).stdout,
    );
    expect(one.map((o) => o.exchange)).toEqual(['b', 'b']);
  });

  it('--field with --absolute follows PnL in its units; without --absolute a zero peak is an error', async () => {
    const input = ndjson(
      [0, 50, -20, 60].map((pnl, i) => ({ type: 'pnl_point', time: iso(T0 + i * DAY), pnl })),
    );
    const abs = parseLines((await runInProcess(['drawdown', '--field', 'pnl', '--absolute'], input)).stdout);
    expect(abs[0]).toMatchObject({ value: 70, peak: 50, trough: -20, recovered: true });
    const rel = await runInProcess(['drawdown', '--field', 'pnl'], input);
    expect(rel.code).toBe(1);
    expect(rel.stderr).toMatch(
      /stdin:1: a peak-relative drawdown needs values > 0, found a peak of 0 in "pnl"; use --absolute/,
    );
  });

  it('--pass-through keeps the input, each drawdown record after the point that ended it', async () => {
    const input = days([100, 110, 90, 115]);
    const out = parseLines((await runInProcess(['drawdown', '--pass-through'], input)).stdout);
    expect(out.map((o) => o.type)).toEqual([
      'equity',
      'equity',
      'equity',
      'equity',
      'drawdown',
      'drawdown_summary',
    ]);
  });

  it('bad input: a located error', async () => {
    const r = await runInProcess(
      ['drawdown'],
      `${days([100])}{"type":"equity","time":"2024-01-03T00:00:00.000Z","equity":null}\n`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tickpipe drawdown: error: stdin:2: expected a number for "equity", found null\n');
  });
});

describeShared(
  'summarize agrees with backtrader SharpeRatio and DrawDown (shared backtrader/orcl-1995-2014.txt)',
  () => {
    it('the SMA(10)/SMA(30) run: annualised Sharpe over daily returns, 1% risk-free, and the maximum drawdown', async () => {
      // backtrader: SharpeRatio(timeframe=Days, riskfreerate=0.01, annualize=True, stddev_sample=True)
      // (factor 252, rate converted as (1.01)^(1/252) - 1) and DrawDown, on the run of backtest.test.ts.
      // tickpipe: --interval annual_252 --period 1d --risk-free 0.01: the same conventions.
      const file = sharedFile('backtrader', 'orcl-1995-2014.txt');
      const ref = smaCrossRun(readBars(file));
      const candles = await runInProcess(['fetch', '--file', file, '--quiet']);
      const bt = await runInProcess(SMA_CROSS_ARGS, candles.stdout);
      const r = await runInProcess(
        ['summarize', '--interval', 'annual_252', '--period', '1d', '--risk-free', '0.01'],
        bt.stdout,
      );
      const p = (parseLines(r.stdout)[0] as Doc).portfolio;
      const sharpe = sharpeRatioDays(10_000, ref.values, {
        riskfreerate: 0.01,
        factor: 252,
        stddevSample: true,
        annualize: true,
      });
      expect(p.periods).toBe(ref.values.length);
      // Equity records carry money to 1e-8, so agreement is to that precision, not to the last bit.
      expectRel(p.sharpe_ratio.value, sharpe!, 1e-9);
      expectRel(p.max_drawdown.value, drawDown(ref.values).maxDrawdown / 100, 1e-9);
      expect(p.sharpe_ratio.value).toBeCloseTo(sharpe!, 9);
    });
  },
);
