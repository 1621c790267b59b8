/**
 * Regression tests for issue #20's record-stream items: validation at the boundary (backtest's
 * intake, orderbook's and sanitize's sequences and times), each failing before its fix.
 */

import { describe, expect, it } from 'vitest';
import { parseLines, runInProcess } from './helpers/cli.js';

const candles = (n: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const open = `2024-01-01T00:${String(i).padStart(2, '0')}:00.000Z`;
    const time = `2024-01-01T00:${String(i + 1).padStart(2, '0')}:00.000Z`;
    const close = 100 + (i % 7) - (i % 3);
    out.push(
      `{"type":"candle","time":"${time}","exchange":"binance_spot","symbol":"BTCUSDT","interval":"1m","open_time":"${open}","open":${close},"high":${close + 1},"low":${close - 1},"close":${close},"volume":1}`,
    );
  }
  return out;
};

/** Line `at` (0-based) of `lines` with its close replaced by the JSON text `value`. */
function withClose(lines: string[], at: number, value: string): string {
  const copy = [...lines];
  copy[at] = copy[at]!.replace(/"close":[^,]+/, `"close":${value}`);
  return `${copy.join('\n')}\n`;
}

describe('backtest validates market records before the engine sees them (#20 item 5)', () => {
  const lines = candles(30);
  const hostile: [string, string][] = [
    ['true', 'true'],
    ['a hex string', '"0x10"'],
    ['a string with a leading space', '" 4200"'],
    ['an array', '[4200]'],
    ['"Infinity"', '"Infinity"'],
    ['a 400-digit integer', '1'.repeat(400)],
    ['1e400', '1e400'],
    ['a negative price', '-5'],
    ['1e300 (beyond the documented 1e18)', '1e300'],
  ];

  it.each(hostile)('a close of %s is refused with file:line and exit 1', async (_name, value) => {
    const r = await runInProcess(
      ['backtest', '--quiet', '--strategy', 'buy-and-hold'],
      withClose(lines, 2, value),
    );
    expect(r.code).toBe(1);
    const expected = value === '1e300' ? 'a positive number from 1e-18 to 1e18' : 'a positive number';
    expect(r.stderr).toContain(`tickpipe backtest: error: stdin:3: expected ${expected} for "close", found `);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('with --on-error skip, a bad close is left out: the output is that of the input without it, no NaN, exit 1', async () => {
    const bad = withClose(lines, 5, '1e400');
    const skipped = await runInProcess(
      ['backtest', '--quiet', '--strategy', 'buy-and-hold', '--on-error', 'skip'],
      bad,
    );
    const without = await runInProcess(
      ['backtest', '--quiet', '--strategy', 'buy-and-hold'],
      `${lines.filter((_, i) => i !== 5).join('\n')}\n`,
    );
    expect(skipped.stdout).not.toMatch(/NaN|null,"cash"/);
    expect(skipped.stdout).toBe(without.stdout);
    expect(skipped.code).toBe(1);
    expect(skipped.stderr).toMatch(/1 bad line skipped \(first: stdin:6: expected a positive number/);
    for (const r of parseLines(skipped.stdout))
      if (r.type === 'equity') expect(Number.isFinite(r.equity)).toBe(true);
  });

  it('true as the last close with a position open: a located refusal, not a DecimalError stack', async () => {
    const r = await runInProcess(
      ['backtest', '--quiet', '--strategy', 'buy-and-hold'],
      withClose(lines, 29, 'true'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stdin:30: expected a positive number/);
    expect(r.stderr).not.toMatch(/DecimalError|internal error/);
  });

  it('a decimal-string close is accepted and read as the number it says', async () => {
    const asString = withClose(lines, 3, `"${JSON.parse(lines[3]!).close}"`);
    const a = await runInProcess(['backtest', '--quiet', '--strategy', 'buy-and-hold'], asString);
    const b = await runInProcess(
      ['backtest', '--quiet', '--strategy', 'buy-and-hold'],
      `${lines.join('\n')}\n`,
    );
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });
});
