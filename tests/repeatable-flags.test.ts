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
});
