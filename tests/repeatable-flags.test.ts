/**
 * Repeatable flags take one value each (`--policy a --policy b`, or a comma list), so a positional
 * after one is the FILE, as the examples write it: `sanitize --policy spike=drop trades.ndjson.gz`.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLines, runInProcess } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-flags-'));
const file = join(dir, 'candles.ndjson');
const candles = (await runInProcess(['generate', 'candles', '--count', '300'])).stdout;
writeFileSync(file, candles);

describe('repeatable flags before a FILE', () => {
  it.each([
    [['sanitize', '--spike', '12', '--policy', 'spike=drop', file, '-q']],
    [['sanitize', '--policy', 'spike=drop', '--policy', 'duplicate=fail', file, '-q']],
    [['backtest', '--param', 'fast=5', file, '-q']],
    [['backtest', '--balance', 'binance_spot:usdt=20000', file, '-q']],
    [['fetch', '--file', file, '-q']],
  ])('%j reads the FILE', async (argv) => {
    const r = await runInProcess(argv);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout).length).toBeGreaterThan(0);
  });

  it('two values after one flag: the second is an argument, refused as a usage error', async () => {
    const r = await runInProcess(['sanitize', '--policy', 'spike=drop', 'duplicate=fail', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unexpected argument/);
  });

  it.each([
    [
      ['--param', 'fast=5', '--param', 'slow=20'],
      ['--param', 'fast=5,slow=20'],
    ],
    [
      ['--balance', 'binance_spot:usdt=5000', '--balance', 'binance_spot:btc=0.1'],
      ['--balance', 'binance_spot:usdt=5000,binance_spot:btc=0.1'],
    ],
  ])('backtest %j and its comma list give the same run', async (repeated, commas) => {
    const a = await runInProcess(['backtest', file, '-q', ...repeated]);
    const b = await runInProcess(['backtest', file, '-q', ...commas]);
    expect(a.code).toBe(0);
    expect(parseLines(a.stdout).some((r) => r.type === 'fill')).toBe(true);
    expect(b.stdout).toBe(a.stdout);
  });

  it('a strategy parameter value may hold a comma (only ",KEY=" starts a new one)', async () => {
    // "5,6" reaches the strategy whole (and is no window length); split, "6" would be refused as no KEY=VALUE.
    const r = await runInProcess(['backtest', file, '-q', '--param', 'fast=5,6']);
    expect(r.stderr).not.toMatch(/expected KEY=VALUE/);
    expect(r.stderr).toMatch(/an indicator window must be a whole number >= 1, found NaN/);
  });
});
