/**
 * tickpipe sweep in process: the space (ranges, lists, configuration keys, spec files), the --where
 * language, the plan (max runs, shards), figures equal to what `backtest | summarize` gives for the
 * same run, a failing run, and usage errors with their place.
 */

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunsProgress } from '../src/commands/sweep.js';
import { DEFAULT_CONFIG } from '../src/core/backtest/config.js';
import { prepareData } from '../src/core/engine/data.js';
import type { WireRecord } from '../src/core/records/record.js';
import { columnarRunData, columnsOf, toColumns } from '../src/core/sweep/columns.js';
import { FIGURES } from '../src/core/sweep/figures.js';
import { parseShard, planGrid, shardJobs } from '../src/core/sweep/plan.js';
import { planRandom } from '../src/core/sweep/random.js';
import {
  applyConfig,
  expandGrid,
  gridValues,
  parseDimension,
  parseSpecFile,
} from '../src/core/sweep/space.js';
import { Where } from '../src/core/sweep/where.js';
import { parseLines, runInProcess } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-sweep-'));
let candles = '';

beforeAll(async () => {
  const r = await runInProcess(['generate', 'candles', '--count', '3000', '--seed', '7']);
  expect(r.code).toBe(0);
  candles = r.stdout;
});

const BASE = ['--strategy', 'sma-cross', '--sizing', 'percent-equity:0.5', '-j', '1'];

describe('sweep: the space', () => {
  it.each([
    ['fast=5..50:5', [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]],
    ['k=0.1..0.3:0.1', [0.1, 0.2, 0.3]],
    ['k=1..10:4', [1, 5, 9]],
    ['k=-1..1:0.5', [-1, -0.5, 0, 0.5, 1]],
    ['slow=20,50,100', [20, 50, 100]],
    ['flag=true,false', [true, false]],
    ['execution.fill_at=next-open,close', ['next-open', 'close']],
    ['sizing=percent-equity:0.1,percent-equity:0.5', ['percent-equity:0.1', 'percent-equity:0.5']],
  ])('%s takes %j', (text, values) => {
    expect(gridValues(parseDimension(text))).toEqual(values);
  });

  it.each([
    ['fast', /expected KEY=a\.\.b:step/],
    ['fast=', /no values for "fast"/],
    ['fast=5..x:5', /expected numbers in the range/],
    ['fast=50..5:5', /ends before it starts/],
    ['fast=5..50:0', /a step above 0/],
    ['fast=5..50:-5', /a step above 0/],
    ['fast=1,,2', /an empty value/],
    ['9x=1,2', /not a parameter name/],
  ])('%s is a usage error: %s', (text, message) => {
    expect(() => parseDimension(text)).toThrow(message);
  });

  it('a range without a step is for random search only', () => {
    expect(() => gridValues(parseDimension('k=0.001..1:log'))).toThrow(/random search/);
  });

  it('the grid runs in flag order, the first dimension slowest', () => {
    const dims = [parseDimension('a=1,2'), parseDimension('b=x,y,z')];
    expect([...expandGrid(dims)].map((p) => p.map(([, v]) => v).join(''))).toEqual([
      '1x',
      '1y',
      '1z',
      '2x',
      '2y',
      '2z',
    ]);
  });

  it('a spec file gives the same dimensions and its constraint', () => {
    const spec = parseSpecFile(
      { parameters: { fast: '5..15:5', slow: [20, 40] }, where: 'fast < slow' },
      's.json',
    );
    expect(spec.dims.map((d) => gridValues(d))).toEqual([
      [5, 10, 15],
      [20, 40],
    ]);
    expect(spec.where).toBe('fast < slow');
    expect(() => parseSpecFile({ parameters: { fast: [] } }, 's.json')).toThrow(
      /s\.json: parameters\.fast: an empty list/,
    );
    expect(() => parseSpecFile({ grid: {} }, 's.json')).toThrow(/unknown key "grid"/);
  });

  it('configuration keys are set as the configuration file would set them, and checked', () => {
    const c = structuredClone(DEFAULT_CONFIG);
    applyConfig(c, 'execution.slippage_bps', 5);
    applyConfig(c, 'execution.fees.taker_bps', 10);
    applyConfig(c, 'sizing', 'percent-equity:0.25');
    applyConfig(c, 'sizing.value', 0.5);
    applyConfig(c, 'risk.max_leverage', 2);
    applyConfig(c, 'equity_every_ms', 1000);
    expect(c.execution.slippage_bps).toBe(5);
    expect(c.execution.fees).toEqual({ maker_bps: 0, taker_bps: 10 });
    expect(c.sizing.mode).toBe('percent-equity');
    expect(c.sizing.value).toBe(0.5);
    expect(c.risk.max_leverage).toBe(2);
    expect(c.equity_every_us).toBe(1_000_000);
    expect(() => applyConfig(c, 'execution.slippage_bps', -1, '--grid execution.slippage_bps=-1')).toThrow(
      /--grid execution\.slippage_bps=-1/,
    );
  });
});

describe('sweep: --where', () => {
  const env = new Map<string, number | string | boolean>([
    ['fast', 5],
    ['slow', 20],
    ['sizing', 'percent-equity:0.5'],
    ['execution.slippage_bps', 10],
  ]);
  const names = [...env.keys()];
  it.each([
    ['fast < slow', true],
    ['fast >= slow', false],
    ['slow - fast >= 15 and fast % 5 == 0', true],
    ['slow - fast > 15 && fast % 5 == 0', false],
    ['not (fast < slow) or fast == 5', true],
    ['!(fast < slow) || fast != 5', false],
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3 == 9', true],
    ['-fast < 0', true],
    ['slow / fast == 4', true],
    ["sizing == 'percent-equity:0.5'", true],
    ['execution.slippage_bps * 2 == slow', true],
    ['fast < slow and slow < 10 or fast == 5', true],
  ])('%s is %s', (src, expected) => {
    expect(Where.parse(src, names).test(env)).toBe(expected);
  });

  it.each([
    ['fast <', /column 7: the expression ends too early/],
    ['fst < slow', /column 1: unknown parameter "fst"/],
    ['fast < slow)', /column 12: unexpected "\)"/],
    ['fast = slow', /column 6: unexpected "="/],
    ['(fast < slow', /expected "\)"/],
    ["sizing == 'x", /a text without its closing quote/],
  ])('%s is a usage error at its column', (src, message) => {
    expect(() => Where.parse(src, names)).toThrow(message);
  });
});

describe('sweep: the plan', () => {
  const dims = [parseDimension('fast=5..50:5'), parseDimension('slow=20,50,100,200')];

  it('numbers the runs 1, 2, ... after the constraint', () => {
    const jobs = planGrid(dims, Where.parse('fast < slow', ['fast', 'slow']), 1000);
    // fast 5..15 with every slow (3 x 4), fast 20..45 with 50, 100, 200 (6 x 3), fast 50 with 100, 200.
    expect(jobs.length).toBe(12 + 18 + 2);
    expect(jobs.map((j) => j.run)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(jobs[12]!.params).toEqual([
      ['fast', 20],
      ['slow', 50],
    ]);
  });

  it('refuses a grid beyond --max-runs, an empty space, a constraint that leaves nothing', () => {
    expect(() => planGrid(dims, undefined, 39)).toThrow(/the grid has 40 runs, more than --max-runs 39/);
    expect(() => planGrid([], undefined, 10)).toThrow(/an empty search space/);
    expect(() => planGrid(dims, Where.parse('fast > slow * 10', ['fast', 'slow']), 100)).toThrow(
      /leaves no run of the 40/,
    );
    expect(() => planGrid([parseDimension('trades=1,2')], undefined, 100)).toThrow(
      /a column of sweep_run records/,
    );
  });

  it('shards take every N-th run and together take each run once', () => {
    const jobs = planGrid(dims, undefined, 1000);
    const parts = [1, 2, 3].map((k) => shardJobs(jobs, parseShard(`${k}/3`, {})).map((j) => j.run));
    expect(parts[0]!.slice(0, 3)).toEqual([1, 4, 7]);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(jobs.map((j) => j.run));
  });

  it.each([
    ['2/3', {}, undefined, { index: 1, count: 3 }],
    ['auto', { JOB_COMPLETION_INDEX: '0' }, 4, { index: 0, count: 4 }],
    [
      'auto',
      { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' },
      undefined,
      { index: 2, count: 3 },
    ],
    ['auto', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' }, undefined, { index: 0, count: 2 }],
  ])('--shard %s with %j is %j', (text, env, count, expected) => {
    expect(parseShard(text, env, count)).toEqual(expected);
  });

  it.each([
    ['4/3', {}, undefined, /out of range \(shards 1 to 3\)/],
    ['0/3', {}, undefined, /out of range/],
    ['1-3', {}, undefined, /expected K\/N/],
    ['auto', {}, undefined, /neither JOB_COMPLETION_INDEX/],
    ['auto', { JOB_COMPLETION_INDEX: '1' }, undefined, /--shard-count/],
    ['auto', { JOB_COMPLETION_INDEX: '4' }, 4, /JOB_COMPLETION_INDEX=4: the shard is out of range/],
  ])('--shard %s with %j is a usage error', (text, env, count, message) => {
    expect(() => parseShard(text, env, count)).toThrow(message);
  });
});

describe('sweep: random search', () => {
  const values = (jobs: ReturnType<typeof planRandom>, k: number) =>
    jobs.map((j) => j.params[k]![1] as number);

  it('uniform, log-uniform, whole-number and list dimensions have their distributions', () => {
    const dims = ['u=10..20', 'l=0.001..1000:log', 'i=1..6', 'c=a,b,c', 's=0..1:0.5'].map((t) =>
      parseDimension(t),
    );
    const jobs = planRandom(dims, undefined, 20_000, 11);
    const u = values(jobs, 0);
    const l = values(jobs, 1);
    const i = values(jobs, 2);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Uniform on [10, 20]: mean 15, sd 10/sqrt(12) = 2.89; the mean of 20,000 is within 0.1 (5 sigma).
    expect(Math.min(...u)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...u)).toBeLessThanOrEqual(20);
    expect(Math.abs(mean(u) - 15)).toBeLessThan(0.1);
    // Log-uniform on [1e-3, 1e3]: ln x uniform on [-6.91, 6.91], so half of them below 1 and a sixth per decade.
    expect(Math.abs(mean(l.map(Math.log)))).toBeLessThan(0.15);
    expect(Math.abs(l.filter((x) => x < 1).length / l.length - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(l.filter((x) => x >= 10 && x < 100).length / l.length - 1 / 6)).toBeLessThan(0.02);
    // Whole numbers 1..6 each about a sixth, both ends included.
    for (let k = 1; k <= 6; k++)
      expect(Math.abs(i.filter((x) => x === k).length / i.length - 1 / 6)).toBeLessThan(0.02);
    expect(i.every(Number.isInteger)).toBe(true);
    expect(new Set(jobs.map((j) => j.params[3]![1]))).toEqual(new Set(['a', 'b', 'c']));
    expect(new Set(values(jobs, 4))).toEqual(new Set([0, 0.5, 1]));
  });

  it('the same seed draws the same runs, another seed others; --where is honoured', () => {
    const dims = [parseDimension('fast=2..50'), parseDimension('slow=10..200')];
    const where = Where.parse('fast < slow / 2', ['fast', 'slow']);
    const a = planRandom(dims, where, 200, 1);
    expect(planRandom(dims, where, 200, 1)).toEqual(a);
    expect(planRandom(dims, where, 200, 2)).not.toEqual(a);
    expect(a.every((j) => (j.params[0]![1] as number) < (j.params[1]![1] as number) / 2)).toBe(true);
    expect(a.map((j) => j.run)).toEqual(Array.from({ length: 200 }, (_, k) => k + 1));
    expect(() => planRandom(dims, Where.parse('fast > 1000', ['fast', 'slow']), 5, 1)).toThrow(
      /only 0 of 5 samples kept/,
    );
  });
});

describe('sweep: successive halving', () => {
  it('each round keeps the best third of an independent sweep over the same slice; the last runs on all', async () => {
    const gen = await runInProcess(['generate', 'candles', '--count', '6000', '--seed', '5']);
    const lines = gen.stdout.trimEnd().split('\n');
    const args = [...BASE, '--param', 'slow=30', '--grid', 'fast=2..20:2', '--period', '1h'];
    const r = await runInProcess(['sweep', ...args, '--halving', '3'], gen.stdout);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = parseLines(r.stdout);
    const rounds = out.filter((x) => x.type === 'sweep_round');
    // 10 runs, factor 3: two halving rounds (1/9, 1/3 of the data), then all of it.
    expect(rounds.map((x) => [x.records, x.runs])).toEqual([
      [667, 10],
      [2000, 4],
      [6000, 2],
    ]);
    let alive = Array.from({ length: 10 }, (_, k) => k + 1);
    for (const round of rounds.slice(0, 2)) {
      const slice = `${lines.slice(0, round.records as number).join('\n')}\n`;
      const plain = parseLines((await runInProcess(['sweep', ...args], slice)).stdout).filter(
        (x) => x.type === 'sweep_run' && alive.includes(x.run as number),
      );
      const best = plain
        .sort(
          (a, b) =>
            (b.sharpe_ratio as number) - (a.sharpe_ratio as number) || (a.run as number) - (b.run as number),
        )
        .slice(0, Math.ceil(alive.length / 3))
        .map((x) => x.run as number)
        .sort((a, b) => a - b);
      expect(round.kept).toEqual(best);
      alive = best;
    }
    const whole = parseLines((await runInProcess(['sweep', ...args], gen.stdout)).stdout);
    const final = out.filter((x) => x.type === 'sweep_run');
    expect(final).toEqual(whole.filter((x) => x.type === 'sweep_run' && alive.includes(x.run as number)));
    expect(out.at(-1)).toMatchObject({ type: 'sweep_summary', runs: 2 });
  });
});

describe('sweep: the shared columns workers read', () => {
  it('rebuild every record as it was read: same keys in the same order, same values, same times', async () => {
    const records = [
      { type: 'instrument', exchange: 'binance_spot', symbol: 'BTCUSDT', rules: { tick_size: 0.01 } },
      ...parseLines(candles).slice(0, 50),
      {
        type: 'trade',
        time: '2024-01-01T00:00:00.123456Z',
        exchange: 'x',
        symbol: 'Y',
        id: 'a-1',
        price: 1.5,
        amount: 2,
        side: 'buy',
      },
      {
        type: 'trade',
        time: 1704067200000,
        exchange: 'x',
        symbol: 'Y',
        id: 7,
        price: 1,
        amount: 1,
        side: 'sell',
        maker: true,
      },
      { type: 'quote', time: '2024-01-01T00:00:01Z', exchange: 'x', symbol: 'Y', bid: 1, ask: null },
      {
        type: 'book',
        time: '2024-01-01T00:00:02.000Z',
        exchange: 'x',
        symbol: 'Y',
        bids: [[1, 2]],
        asks: [],
      },
      { type: 'candle', open: 1, time: '2024-01-01T00:03:00.000Z', exchange: 'x', symbol: 'Y' },
      // The same instant in both precisions, one after the other: the rebuilt texts differ.
      { type: 'trade', time: '2024-01-01T00:03:00.000000Z', exchange: 'x', symbol: 'Y', price: 1, amount: 1 },
      { type: 'trade', time: '2024-01-01T00:03:00.000Z', exchange: 'x', symbol: 'Y', price: 1, amount: 1 },
      // A key the object literal of the rebuilt record must keep as an own key, as JSON.parse does.
      JSON.parse('{"type":"trade","time":"2024-01-01T00:03:01.000Z","__proto__":3,"price":1}'),
      // Received times: the clock is the local_time, then stays on it for a record without one.
      {
        type: 'trade',
        time: '2024-01-01T00:03:01.000Z',
        local_time: '2024-01-01T00:03:02.000Z',
        exchange: 'x',
        symbol: 'Y',
        price: 1,
        amount: 1,
      },
      { type: 'trade', time: '2024-01-01T00:03:01.500Z', exchange: 'x', symbol: 'Y', price: 1, amount: 1 },
    ] as unknown as WireRecord[];
    const prepared = prepareData(records);
    // The columns made from the records held, and read straight from a stream in small batches.
    const streamed = await columnsOf(
      (async function* () {
        for (let i = 0; i < records.length; i += 7) yield records.slice(i, i + 7);
      })(),
    );
    for (const columns of [toColumns(prepared), streamed]) {
      const data = columnarRunData(columns);
      const seen: unknown[] = [];
      data.each(0, records.length, (rec, us, text, precision) =>
        seen.push([JSON.stringify(rec), us, text, precision]),
      );
      expect(seen).toEqual(
        records.map((r, i) => [JSON.stringify(r), prepared.us[i], prepared.text[i], prepared.precision[i]]),
      );
      expect(data.isTimed(0)).toBe(false);
      expect(data.isTimed(1)).toBe(true);
      // Each canonical time text is held once (the two precisions of one instant are two texts),
      // and only texts the records hold are in the table.
      const table = JSON.parse(columns.timeTexts) as string[];
      const values = new Set(records.flatMap((r) => Object.values(r)));
      expect(new Set(table).size).toBe(table.length);
      expect(table.filter((t) => !values.has(t))).toEqual([]);
      expect(table).toContain('2024-01-01T00:03:00.000000Z');
      expect(table).toContain('2024-01-01T00:03:00.000Z');
    }
    expect(prepared.text.at(-1)).toBe('2024-01-01T00:03:02.000Z');
  });

  it('a timed record without a time is refused where it is, as backtest refuses it', async () => {
    const bad = { type: 'trade', time: 'soon', exchange: 'x', symbol: 'Y', price: 1, amount: 1 };
    await expect(
      columnsOf(
        (async function* () {
          yield [bad as unknown as WireRecord];
        })(),
        'in.ndjson',
      ),
    ).rejects.toThrow(/expected a time for "time", found "soon"/);
  });
});

describe('sweep: runs and figures', () => {
  it('every figure is what backtest | summarize gives for that run', async () => {
    const r = await runInProcess(
      [
        'sweep',
        ...BASE,
        '--grid',
        'fast=5,12',
        '--grid',
        'slow=30',
        '--grid',
        'execution.slippage_bps=0,10',
        '--fees',
        'maker=2,taker=5',
      ],
      candles,
    );
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(out.map((x) => x.type)).toEqual([
      'sweep_run',
      'sweep_run',
      'sweep_run',
      'sweep_run',
      'sweep_summary',
    ]);
    for (const run of out.slice(0, 4)) {
      const bt = await runInProcess(
        [
          'backtest',
          ...BASE.slice(0, 4),
          '--param',
          `fast=${run.fast}`,
          '--param',
          'slow=30',
          '--slippage-bps',
          String(run['execution.slippage_bps']),
          '--fees',
          'maker=2,taker=5',
          '-q',
        ],
        candles,
      );
      const s = parseLines((await runInProcess(['summarize'], bt.stdout)).stdout)[0]!;
      const p = s.portfolio as Record<string, { value: number | null }>;
      const i = Object.values(
        s.instruments as Record<string, Record<string, { value: number | null } | number>>,
      )[0]!;
      expect(run).toEqual({
        type: 'sweep_run',
        run: run.run,
        fast: run.fast,
        slow: 30,
        'execution.slippage_bps': run['execution.slippage_bps'],
        total_return: p.total_return!.value,
        annualised_return: p.annualised_return!.value,
        sharpe_ratio: p.sharpe_ratio!.value,
        sortino_ratio: p.sortino_ratio!.value,
        calmar_ratio: p.calmar_ratio!.value,
        max_drawdown: p.max_drawdown!.value,
        trades: i.trades,
        win_rate: (i.win_rate as { value: number }).value,
        profit_factor: (i.profit_factor as { value: number }).value,
        fees: i.fees,
      });
      expect(run.trades).toBeGreaterThan(10);
      expect(run.fees).toBeGreaterThan(0);
    }
    // Slippage costs: each fast with 10 bps returns less than with none.
    expect(out[1]!.total_return as number).toBeLessThan(out[0]!.total_return as number);
    expect(out[3]!.total_return as number).toBeLessThan(out[2]!.total_return as number);
  });

  it('the summary ranks by the objective, ties and nulls handled, --min-trades honoured', async () => {
    const r = await runInProcess(
      [
        'sweep',
        ...BASE,
        '--param',
        'slow=40',
        '--grid',
        'fast=5..35:10',
        '--minimize',
        'max_drawdown',
        '--top',
        '3',
      ],
      candles,
    );
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    const runs = out.filter((x) => x.type === 'sweep_run');
    const summary = out.at(-1)!;
    const expected = [...runs]
      .sort((a, b) => (a.max_drawdown as number) - (b.max_drawdown as number))
      .slice(0, 3);
    expect(summary).toMatchObject({
      type: 'sweep_summary',
      objective: 'max_drawdown',
      direction: 'minimize',
      runs: 4,
      failed: 0,
      ranked: 4,
    });
    expect(summary.best).toEqual(
      expected.map((x, k) => ({ rank: k + 1, run: x.run, max_drawdown: x.max_drawdown, fast: x.fast })),
    );
    const most = Math.max(...runs.map((x) => x.trades as number));
    const few = await runInProcess(
      ['sweep', ...BASE, '--param', 'slow=40', '--grid', 'fast=5..35:10', '--min-trades', String(most)],
      candles,
    );
    const s2 = parseLines(few.stdout).at(-1)!;
    expect(s2.ranked).toBe(runs.filter((x) => x.trades === most).length);
  });

  it('a failing run is a record with its error; the others run; exit 1', async () => {
    const strategy = join(dir, 'boom.mjs');
    writeFileSync(
      strategy,
      `export const defaults = { boom: 0 };
export function create(p) {
  let n = 0;
  return { onRecord() { if (p.boom === 1 && ++n === 100) throw new Error('boom at the 100th record'); return undefined; } };
}
`,
    );
    const r = await runInProcess(
      ['sweep', '--strategy', strategy, '-j', '1', '--grid', 'boom=0,1,2'],
      candles,
    );
    expect(r.code).toBe(1);
    const out = parseLines(r.stdout);
    expect(out.map((x) => [x.run, x.error === undefined])).toEqual([
      [1, true],
      [2, false],
      [3, true],
      [undefined, true],
    ]);
    expect(out[1]!.error).toMatch(/boom at the 100th record/);
    expect(out[1]!.sharpe_ratio).toBeUndefined();
    expect(out[3]).toMatchObject({ runs: 3, failed: 1, ranked: 0 });
    expect(r.stderr).toMatch(/1 run failed/);
  });

  it.each([
    [['--grid', 'fsat=5,10'], /strategy sma-cross: unknown parameter fsat/],
    [['--grid', 'execution.slipage_bps=1'], /--grid execution\.slipage_bps: unknown configuration key/],
    [['--grid', 'execution.slippage_bps=-1,2'], /--grid execution\.slippage_bps=-1/],
    [['--grid', 'fast=5..x:1'], /--grid fast=5\.\.x:1: expected numbers/],
    [['--grid', 'fast=1..400:1', '--grid', 'slow=1..300:1'], /120,000 runs, more than --max-runs 100,000/],
    [['--grid', 'fast=1,2', '--shard', '3/2'], /out of range/],
    [['--grid', 'fast=1,2', '--maximize', 'happiness'], /--maximize happiness: not a figure/],
    [['--grid', 'fast=1,2', '--where', 'fast < slow'], /unknown parameter "slow"/],
    [[], /an empty search space/],
  ])('%j is a usage error (exit 2) naming the place', async (args, message) => {
    const r = await runInProcess(['sweep', ...BASE, ...args], candles);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('the figures are fixed columns in a fixed order, so a table tool reads them', async () => {
    const r = await runInProcess(['sweep', ...BASE, '--grid', 'fast=5,10', '--param', 'slow=30'], candles);
    const first = r.stdout.split('\n')[0]!;
    expect(Object.keys(JSON.parse(first))).toEqual(['type', 'run', 'fast', ...FIGURES]);
  });

  it('--keep N writes the best runs in full, byte for byte what backtest writes for them', async () => {
    const keepDir = join(dir, 'kept');
    const r = await runInProcess(
      [
        'sweep',
        ...BASE,
        '--param',
        'slow=30',
        '--grid',
        'fast=5,10,15',
        '--keep',
        '2',
        '--keep-dir',
        keepDir,
      ],
      candles,
    );
    expect(r.code).toBe(0);
    const best = parseLines(r.stdout).at(-1)!.best as { run: number; fast: number }[];
    expect(r.stderr).toMatch(/the best 2 runs in full/);
    for (const b of best.slice(0, 2)) {
      const bt = await runInProcess(
        ['backtest', ...BASE.slice(0, 4), '--param', `fast=${b.fast}`, '--param', 'slow=30', '-q'],
        candles,
      );
      expect(readFileSync(join(keepDir, `run-${b.run}.ndjson`), 'utf8')).toBe(bt.stdout);
    }
    expect(existsSync(join(keepDir, `run-${best[2]!.run}.ndjson`))).toBe(false);
  });

  it('--timings adds wall_ms and nothing else', async () => {
    const args = ['sweep', ...BASE, '--param', 'slow=30', '--grid', 'fast=5,10'];
    const plain = parseLines((await runInProcess(args, candles)).stdout);
    const timed = parseLines((await runInProcess([...args, '--timings'], candles)).stdout);
    for (let i = 0; i < 2; i++) {
      const { wall_ms, ...rest } = timed[i]!;
      expect(wall_ms).toBeGreaterThan(0);
      expect(rest).toEqual(plain[i]);
    }
    expect(plain[0]).not.toHaveProperty('wall_ms');
  });
});

describe('sweep: market data validated as backtest validates it', () => {
  // One bad candle among good ones: line 57's close is a text.
  const bad = (): string => {
    const lines = candles.trimEnd().split('\n').slice(0, 200);
    lines[56] = lines[56]!.replace(/"close":[0-9.]+/, '"close":"abc"');
    expect(lines[56]).toContain('"close":"abc"');
    return `${lines.join('\n')}\n`;
  };
  const errorLine = (stderr: string): string =>
    stderr
      .split('\n')
      .find((l) => l.includes('stdin:57'))!
      .replace(/^tickpipe \w+: /, '');

  it('refuses the same bad record with the same message and exit code (--on-error fail)', async () => {
    const input = bad();
    const back = await runInProcess(
      ['backtest', '--strategy', 'sma-cross', '--sizing', 'percent-equity:0.5'],
      input,
    );
    const sw = await runInProcess(['sweep', ...BASE, '--grid', 'fast=5,10', '--grid', 'slow=30'], input);
    expect(back.code).toBe(1);
    expect(sw.code).toBe(back.code);
    expect(errorLine(back.stderr)).toMatch(
      /^error: stdin:57: expected a positive number .*"close", found "abc"$/,
    );
    expect(errorLine(sw.stderr)).toBe(errorLine(back.stderr));
    // Refused before any run: no sweep_run records.
    expect(sw.stdout).toBe('');
  });

  it('--on-error warn leaves the record out of every run, as backtest does, and exits 1', async () => {
    const input = bad();
    const args = ['--strategy', 'sma-cross', '--sizing', 'percent-equity:0.5', '--on-error', 'warn'];
    const back = await runInProcess(['backtest', ...args, '--param', 'fast=5', '--param', 'slow=30'], input);
    const sw = await runInProcess(
      ['sweep', ...args, '-j', '1', '--grid', 'fast=5', '--grid', 'slow=30'],
      input,
    );
    expect(back.code).toBe(1);
    expect(sw.code).toBe(1);
    expect(errorLine(sw.stderr)).toBe(errorLine(back.stderr));
    expect(errorLine(sw.stderr)).toMatch(/^warning: stdin:57: /);
    // The run's figures are those of backtest | summarize over the same input, bad record left out.
    const summary = parseLines((await runInProcess(['summarize'], back.stdout)).stdout).find(
      (r) => r.type === 'summary',
    )!;
    const run = parseLines(sw.stdout).find((r) => r.type === 'sweep_run')!;
    const portfolio = summary.portfolio as Record<string, { value: number }>;
    expect(run.total_return).toBe(portfolio.total_return!.value);
    expect(run.sharpe_ratio).toBe(portfolio.sharpe_ratio!.value);
  });
});

describe('sweep: the progress line', () => {
  it('counts the runs and gives an ETA from the mean time between results since the first', () => {
    let now = 0;
    const p = new RunsProgress(() => now);
    expect(p.text()).toBe('no run finished yet');
    now = 5_000; // parse and start-up: not a run's time
    p.update(1, 10);
    expect(p.text()).toBe('1/10 runs');
    now = 9_000;
    p.update(3, 10); // 2 runs in 4 s since the first result: 7 left at 2 s each
    expect(p.text()).toBe('3/10 runs, ETA 0:14');
    now = 27_000;
    p.update(10, 10);
    expect(p.text()).toBe('10/10 runs');
  });

  it('keeps runs resumed from a file out of the mean', () => {
    let now = 1_000;
    const p = new RunsProgress(() => now);
    p.update(41, 50); // 40 resumed, then the first run of this process
    now = 61_000;
    p.update(43, 50); // 2 runs in 60 s: 7 left at 30 s each
    expect(p.text()).toBe('43/50 runs, ETA 3:30');
  });
});
