/**
 * A command that finds none of the records it needs says so and exits 1 (docs/cli.md); empty input
 * is still no error (the contract suite).
 */

import { describe, expect, it } from 'vitest';
import { parseLines, runInProcess } from './helpers/cli.js';

const candles = (await runInProcess(['generate', 'candles', '--count', '200'])).stdout;
const trades = (await runInProcess(['generate', 'trades', '--count', '200'])).stdout;

describe('nothing found is said', () => {
  it.each([
    [
      ['summarize'],
      "stdin: no equity or balance records in the input (found 200 records (200 candle)): summarize reads a backtest's output (tickpipe backtest ... | tickpipe summarize)",
    ],
    [['summarize', '--pretty'], 'stdin: no equity or balance records in the input'],
    [
      ['drawdown'],
      "stdin: no equity records in the input (found 200 records (200 candle)): drawdown reads a backtest's output",
    ],
    [
      ['drawdown', '--asset', 'usdt', '--exchange', 'binance_spot'],
      'stdin: no balance records of usdt on binance_spot',
    ],
    [['drawdown', '--field', 'pnl'], 'stdin: no records with a "pnl" field'],
    [
      ['backtest', '--fill-model', 'trade'],
      'stdin: --fill-model trade: no trade records in the input (found 200 records (200 candle)): nothing could fill an order',
    ],
    [['backtest', '--fill-model', 'book'], 'stdin: --fill-model book: no book or quote records in the input'],
  ])('%j on candles: a message and exit 1', async (argv, message) => {
    const r = await runInProcess(argv, candles);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${message}`);
  });

  it('backtest on records of an account (no market data) says so and exits 1', async () => {
    const run = await runInProcess(['backtest'], candles);
    const r = await runInProcess(['backtest'], run.stdout);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /no candle or trade or quote or book records in the input \(found \d+ records \(\d+ equity/,
    );
  });

  it('the data each needs: exit 0 and no message', async () => {
    const run = await runInProcess(
      ['backtest', '--fill-model', 'trade', '--strategy', 'buy-and-hold'],
      trades,
    );
    expect(run.code).toBe(0);
    expect(parseLines(run.stdout).some((x) => x.type === 'fill')).toBe(true);
    for (const argv of [['summarize'], ['drawdown'], ['drawdown', '--asset', 'usdt']]) {
      const r = await runInProcess(argv, run.stdout);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
    }
  });
});
