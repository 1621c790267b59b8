/**
 * `store read` of several series whose reader goes away (`store read DIR | head -1`): the merge
 * ends each series' read, so the process exits (0, as on EPIPE everywhere: docs/cli.md). It used
 * to hang in most runs: the merged series were never returned, and the slice each read ahead kept
 * DuckDB's connection busy. `backtest --store` of one series the same way: a read ended while a
 * DuckDB call is under way must not end the process with it (docs/performance.md, "2026-12-04").
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-store-gone-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Two series of more than one slice each (read.ts SLICE_ROWS is 131,072 rows).
beforeAll(async () => {
  let input = '';
  for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
    const g = await runCli(['generate', 'candles', '--count', '140000', '--symbol', symbol]);
    expect(g.code).toBe(0);
    input += g.stdout;
  }
  const w = await runCli(['store', 'write', join(dir, 'store')], input);
  expect(w.code).toBe(0);
}, 120_000);

/** Runs the command until its first line, then closes the pipe; resolves with the exit code and stderr. */
function readFirstLineThenClose(
  argv: string[] = ['store', 'read', join(dir, 'store'), '--kind', 'candles'],
): Promise<{ code: number | null; first: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let first = '';
    child.stdout.on('data', (d: Buffer) => {
      if (first === '') {
        first = d.toString().split('\n')[0]!;
        child.stdout.destroy();
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, first, stderr }));
  });
}

describe('store read | head -1 over two series', () => {
  it('exits 0 each time, after the first line', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await readFirstLineThenClose();
      expect(JSON.parse(r.first)).toMatchObject({ type: 'candle', symbol: 'BTCUSDT' });
      expect(r.code).toBe(0);
    }
  }, 60_000);
});

describe('backtest --store whose reader goes away', () => {
  it('| head -1: exits 0 each time, nothing on stderr', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await readFirstLineThenClose([
        'backtest',
        `--store=${join(dir, 'store')}`,
        '--symbol',
        'BTCUSDT',
        '--strategy',
        'sma-cross',
        '--quiet',
      ]);
      expect(JSON.parse(r.first)).toMatchObject({ type: 'balance' });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  }, 60_000);
});
