/**
 * `--strategy exec:COMMAND` (docs/strategy-protocol.md): the Python sma-cross client against the
 * built-in, byte for byte; what the child is told (hello, wants, ctx); determinism; sweep and config
 * files. The failure modes are in strategy-exec-failures.test.ts.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseLines, ROOT, runCli, runInProcess } from './helpers/cli.js';
import { describeWith, JQ, PYTHON } from './helpers/programs.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';

const SMA_PY = `exec:python3 ${join(ROOT, 'examples', 'strategies', 'sma_cross.py')}`;
const CLIENT = join(ROOT, 'tests', 'strategy-exec-client.py');
const describePython = describeWith(PYTHON, 'python3');

let dir = '';
let candles = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickpipe-exec-test-'));
  candles = (await runCli(['generate', 'candles', '--count', '3000', '--seed', '11'])).stdout;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The lines a logging client read (its --log file), parsed. */
function logged(file: string): Record<string, unknown>[] {
  return parseLines(readFileSync(file, 'utf8'));
}

describeShared(
  'exec: sma_cross.py agrees with the built-in sma-cross (shared backtrader/orcl-1995-2014.txt)',
  () => {
    describePython('byte for byte', () => {
      it('gives byte-identical backtest output, long-only and long_short, default and other windows', async () => {
        const orcl = await runInProcess(['fetch', sharedFile('backtrader', 'orcl-1995-2014.txt'), '--quiet']);
        expect(orcl.code).toBe(0);
        for (const extra of [[], ['--param', 'fast=5,slow=20,long_short=true', '--allow-short']]) {
          const builtin = await runInProcess(
            ['backtest', '--strategy', 'sma-cross', ...extra, '-q'],
            orcl.stdout,
          );
          const piped = await runInProcess(['backtest', '--strategy', SMA_PY, ...extra, '-q'], orcl.stdout);
          expect(builtin.code).toBe(0);
          expect(piped.code, piped.stderr).toBe(0);
          expect(parseLines(builtin.stdout).filter((r) => r.type === 'fill').length).toBeGreaterThan(100);
          expect(piped.stdout === builtin.stdout).toBe(true);
        }
      }, 120_000);
    });
  },
);

describePython('exec: strategies', () => {
  it('sends hello with the parameters and instruments, then only the records the strategy wants', async () => {
    const log = join(dir, 'wants.ndjson');
    // Candles with trades between them: a client that wants candles sees candles only.
    const trades = parseLines(candles)
      .slice(0, 200)
      .flatMap((c, i) => [
        c,
        {
          type: 'trade',
          time: c.time,
          exchange: c.exchange,
          symbol: c.symbol,
          id: i + 1,
          price: c.close,
          amount: 0.1,
          side: 'buy',
        },
      ]);
    const input = `${trades.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const cfg = join(dir, 'inst.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        instruments: [
          { exchange: 'binance_spot', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', tick_size: 0.01 },
        ],
      }),
    );
    const run = (wants: string) =>
      runInProcess(
        [
          'backtest',
          '--config',
          cfg,
          '--strategy',
          `exec:python3 ${CLIENT} ok --wants ${wants} --log ${log}`,
          '--param',
          'k=1',
          '-q',
        ],
        input,
      );
    let r = await run('candle');
    expect(r.code, r.stderr).toBe(0);
    let events = logged(log);
    expect(events[0]).toMatchObject({ type: 'hello', protocol: 1, params: { k: 1 } });
    expect((events[0]!.instruments as Record<string, unknown>[])[0]).toMatchObject({
      symbol: 'BTCUSDT',
      tick_size: 0.01,
    });
    expect(events.at(-1)).toEqual({ event: 'end' });
    const body = events.slice(1, -1);
    expect(body).toHaveLength(200);
    expect(body.every((e) => e.event === 'record' && (e.record as { type: string }).type === 'candle')).toBe(
      true,
    );
    // The context, as docs/strategy-protocol.md defines it, on the first candle.
    expect(body[0]!.ctx).toEqual({
      time: (body[0]!.record as { time: string }).time,
      position: { amount: 0, entry_price: null },
      balances: { btc: { total: 0, free: 0 }, usdt: { total: 10_000, free: 10_000 } },
      open_orders: [],
      price: (body[0]!.record as { close: number }).close,
      equity: 10_000,
      size: expect.any(Number),
    });
    // The client bought on the first candle: the second sees the position it got at the next open.
    const fills = parseLines(r.stdout).filter((x) => x.type === 'fill');
    expect(fills).toHaveLength(2); // its buy, and the close at the end of input
    expect((body[1]!.ctx as { position: { amount: number } }).position.amount).toBe(fills[0]!.amount);

    r = await run('candle,trade,fill');
    expect(r.code, r.stderr).toBe(0);
    events = logged(log).slice(1, -1);
    expect(events.filter((e) => e.event === 'record')).toHaveLength(400);
    expect(events.filter((e) => e.event === 'fill')).toHaveLength(
      parseLines(r.stdout).filter((x) => x.type === 'fill').length,
    );
    expect((events.find((e) => e.event === 'fill')!.record as { type: string }).type).toBe('fill');
  });

  it('is deterministic: two runs give the same bytes', async () => {
    const a = await runInProcess(['backtest', '--strategy', SMA_PY, '--param', 'fast=5', '-q'], candles);
    const b = await runInProcess(['backtest', '--strategy', SMA_PY, '--param', 'fast=5', '-q'], candles);
    expect(a.code, a.stderr).toBe(0);
    expect(parseLines(a.stdout).filter((r) => r.type === 'fill').length).toBeGreaterThan(10);
    expect(a.stdout === b.stdout).toBe(true);
  });

  it('runs from a config file (strategy.name exec:..., params, timeout_s)', async () => {
    const cfg = join(dir, 'exec.json');
    writeFileSync(
      cfg,
      JSON.stringify({ strategy: { name: SMA_PY, params: { fast: 5, slow: 20 }, timeout_s: 5 } }),
    );
    const viaConfig = await runInProcess(['backtest', '--config', cfg, '-q'], candles);
    const builtin = await runInProcess(
      ['backtest', '--strategy', 'sma-cross', '--param', 'fast=5,slow=20', '-q'],
      candles,
    );
    expect(viaConfig.code, viaConfig.stderr).toBe(0);
    expect(viaConfig.stdout === builtin.stdout).toBe(true);
  });

  it('sweep: a 2x1 grid, each run its own process with the grid parameters in hello, same figures as the built-in', async () => {
    const grid = ['--grid', 'fast=5,10', '--grid', 'slow=30'];
    for (const j of ['1', '2']) {
      const piped = await runInProcess(['sweep', '--strategy', SMA_PY, ...grid, '-j', j], candles);
      const builtin = await runInProcess(['sweep', '--strategy', 'sma-cross', ...grid, '-j', j], candles);
      expect(piped.code, piped.stderr).toBe(0);
      const runs = parseLines(piped.stdout).filter((r) => r.type === 'sweep_run');
      expect(runs.map((r) => [r.fast, r.slow])).toEqual([
        [5, 30],
        [10, 30],
      ]);
      const strip = (t: string) => parseLines(t).map(({ wall_ms: _w, ...rest }) => rest);
      expect(strip(piped.stdout)).toEqual(strip(builtin.stdout));
    }
  }, 60_000);

  it('sweep --walk-forward: each fold optimises and tests through the pipe, same folds and stitched run as the built-in', async () => {
    const args = [
      ...['--grid', 'fast=5,10', '--grid', 'slow=30,60'],
      ...['--walk-forward', 'train=20h,test=10h', '--maximize', 'total_return', '-j', '2'],
    ];
    const piped = await runInProcess(['sweep', '--strategy', SMA_PY, ...args], candles);
    const builtin = await runInProcess(['sweep', '--strategy', 'sma-cross', ...args], candles);
    expect(piped.code, piped.stderr).toBe(0);
    expect(builtin.code, builtin.stderr).toBe(0);
    const folds = parseLines(piped.stdout).filter((r) => r.type === 'sweep_fold');
    expect(folds).toHaveLength(3);
    for (const fold of folds) {
      expect(fold.error).toBeUndefined();
      expect(fold.runs).toBe(4);
    }
    // The stitched out-of-sample run: ordinary fills and equity records, as summarize reads them.
    expect(parseLines(piped.stdout).filter((r) => r.type === 'fill').length).toBeGreaterThan(10);
    const strip = (t: string) => parseLines(t).map(({ wall_ms: _w, ...rest }) => rest);
    expect(strip(piped.stdout)).toEqual(strip(builtin.stdout));
  }, 120_000);

  it('a strategy that refuses its parameters (hello type error) is a usage error, exit 2', async () => {
    const r = await runCli(['backtest', '--strategy', SMA_PY, '--param', 'fsat=5', '-q'], candles);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the strategy refused to start: unknown parameters: fsat');
    expect(r.stdout).toBe('');
  });
});

describeWith(JQ, 'jq')('exec: the jq client', () => {
  it('buy_and_hold.jq gives the built-in buy-and-hold, but for the strategy name', async () => {
    const jq = `exec:jq -c --unbuffered -f ${join(ROOT, 'examples', 'strategies', 'buy_and_hold.jq')}`;
    const piped = await runInProcess(['backtest', '--strategy', jq, '-q'], candles);
    const builtin = await runInProcess(['backtest', '--strategy', 'buy-and-hold', '-q'], candles);
    expect(piped.code, piped.stderr).toBe(0);
    expect(parseLines(piped.stdout).filter((r) => r.type === 'fill')).toHaveLength(2);
    expect(piped.stdout).toBe(
      builtin.stdout.replaceAll('"strategy":"buy-and-hold"', '"strategy":"buy-and-hold-jq"'),
    );
  });
});
