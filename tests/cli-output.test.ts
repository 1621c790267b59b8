/**
 * What a command says on stderr besides errors: its run summary (quiet off a terminal unless it
 * reports a problem) and the progress line (input bytes, share and ETA; drawn by the head of a
 * pipeline only, never in CI).
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDuration,
  Progress,
  type ProgressFacts,
  progressWanted,
} from '../src/cli/progress.js';
import { readLocalFiles } from '../src/core/fetch/index.js';
import type { Input } from '../src/core/io/input.js';
import { ErrorPolicy } from '../src/core/io/lines.js';
import { collect } from '../src/core/io/stream.js';
import { BIN, ROOT, runCli } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'tickpipe-output-'));
const node = process.execPath;

/** Runs a shell line under a pseudo-terminal (so stderr is a TTY); returns what the terminal showed. */
function underTty(line: string, env: Record<string, string | undefined> = {}): string {
  return spawnSync('script', ['-qc', line, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, CI: undefined, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).stdout;
}

describe('run summaries', () => {
  const trade = (id: number) =>
    JSON.stringify({
      type: 'trade',
      time: `2024-01-01T00:00:0${id}Z`,
      exchange: 'x',
      symbol: 'A',
      id,
      price: 1,
      amount: 1,
      side: 'buy',
    });
  const clean = `${trade(1)}\n${trade(2)}\n`;
  const dirty = `${trade(1)}\n${trade(1)}\n${trade(2)}\n`; // the first trade twice: a duplicate

  it('off a terminal: nothing for a clean run, the report when it found a problem; -q and --no-quiet decide outright', async () => {
    expect((await runCli(['sanitize'], clean)).stderr).toBe('');
    expect((await runCli(['sanitize', '--no-quiet'], clean)).stderr).toBe(
      'tickpipe sanitize: 2 records read from stdin, 2 written; no problems found\n',
    );
    const problem = await runCli(['sanitize'], dirty);
    expect(problem.code).toBe(0);
    expect(problem.stderr).toMatch(/^tickpipe sanitize: 3 records read from stdin, 2 written/);
    expect(problem.stderr).toMatch(/duplicate\s+1\s+dropped/);
    expect((await runCli(['sanitize', '-q'], dirty)).stderr).toBe('');
  });

  it('backtest: quiet off a terminal unless orders were rejected', async () => {
    const candles = (await runCli(['generate', 'candles', '--count', '100', '--seed', '2'])).stdout;
    const fits = await runCli(
      ['backtest', '--strategy', 'buy-and-hold', '--sizing', 'fixed-notional:100'],
      candles,
    );
    expect(fits.code).toBe(0);
    expect(fits.stderr).toBe('');
    const rejected = await runCli(
      ['backtest', '--strategy', 'buy-and-hold', '--sizing', 'fixed-amount:1000'],
      candles,
    );
    expect(rejected.stderr).toMatch(/buy-and-hold: 100 records, 1 orders \(1 rejected\), 0 fills/);
  });

  it.runIf(hasScript)('on a terminal: the summary of a clean run shows', () => {
    writeFileSync(join(dir, 'clean.ndjson'), clean);
    const shown = underTty(`${node} ${BIN} sanitize ${join(dir, 'clean.ndjson')} > /dev/null`);
    expect(shown).toContain('tickpipe sanitize: 2 records read from');
    expect(underTty(`${node} ${BIN} sanitize -q ${join(dir, 'clean.ndjson')} > /dev/null`)).toBe('');
  });
});

describe('progress: which stage draws', () => {
  const base: ProgressFacts = {
    flag: undefined,
    stderrIsTTY: true,
    ci: undefined,
    stdin: 'other',
    readsFile: false,
    readsStdin: false,
  };
  it.each([
    ['reads a FILE on a terminal', {}, true],
    ['reads a FILE, stderr not a terminal', { stderrIsTTY: false }, false],
    ['in CI', { ci: 'true' }, false],
    ['CI=false is not CI', { ci: 'false' }, true],
    ['--progress in CI', { ci: '1', flag: true }, true],
    ['--no-progress', { flag: false }, false],
  ] as const)('%s: %s', (_name, facts, wanted) => {
    expect(progressWanted({ ...base, readsFile: true, ...facts })).toBe(wanted);
  });
  it.each([
    ['reads stdin from a pipe (a later stage)', { readsStdin: true, stdin: 'pipe' }, false],
    ['reads stdin redirected from a file', { readsStdin: true, stdin: 'file' }, true],
    ['no input, stdin a terminal (generate, fetch, connect at the head)', { stdin: 'other' }, true],
    ['no input, stdin a pipe', { stdin: 'pipe' }, false],
    ['reads a FILE, stdin a pipe', { readsFile: true, stdin: 'pipe' }, true],
  ] as const)('%s: %s', (_name, facts, wanted) => {
    expect(progressWanted({ ...base, ...facts })).toBe(wanted);
  });
});

describe('progress: the line', () => {
  const input = (read: number, size: number | undefined): Input =>
    ({ name: 'big.ndjson', size, bytesRead: () => read, chunks: [], close() {} }) as unknown as Input;
  it('a FILE: share, bytes, rate and ETA, from the bytes read', () => {
    let now = 1_000;
    const p = new Progress(
      process.stderr,
      'sanitize',
      { input: input(40 * 2 ** 20, 100 * 2 ** 20), now: () => now },
      false,
    );
    now += 4_000; // 40 MiB in 4 s: 10 MiB/s, 60 MiB to go: 6 s
    p.count(123_456); // records written do not enter a line about input
    expect(p.line()).toBe('sanitize: 40% of big.ndjson (40.0 MiB of 100.0 MiB), 10.0 MiB/s, ETA 0:06');
  });
  it('stdin: bytes and rate, no share', () => {
    let now = 0;
    const p = new Progress(
      process.stderr,
      'summarize',
      { input: input(3 * 2 ** 20, undefined), now: () => now },
      false,
    );
    now = 2_000;
    expect(p.line()).toBe('summarize: 3.0 MiB read from big.ndjson, 1.5 MiB/s');
  });
  it('no input with a known total: records, rate, share and ETA', () => {
    let now = 0;
    const p = new Progress(process.stderr, 'generate', { total: 1_000_000, now: () => now }, false);
    p.count(250_000);
    now = 5_000; // 50,000/s, 750,000 to go: 15 s
    expect(p.line()).toBe('generate: 250,000 records, 50,000/s, 25% of 1,000,000, ETA 0:15');
  });
  it.each([
    [0, '0:00'],
    [7.4, '0:07'],
    [750, '12:30'],
    [3723, '1:02:03'],
  ])('%d s is %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
  it.each([
    [17, '17 B'],
    [812 * 1024, '812 KiB'],
    [1.5 * 2 ** 20, '1.5 MiB'],
  ])('%d bytes is %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('progress: in real pipelines', () => {
  const file = join(dir, 'candles.ndjson');
  const made = spawnSync(node, [BIN, 'generate', 'candles', '--count', '300000', '--seed', '9'], {
    encoding: 'utf8',
    maxBuffer: 2 ** 30,
  });
  writeFileSync(file, made.stdout);

  it('--progress on a FILE shows its share read, and the output is unchanged', async () => {
    const plain = await runCli(['sanitize', file, '-q']);
    const r = await runCli(['sanitize', file, '-q', '--progress']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `\\r\\x1b\\[Ksanitize: \\d+% of ${file.replaceAll('/', '\\/')} \\([\\d.]+ (MiB|KiB) of [\\d.]+ MiB\\), [\\d.]+ (MiB|KiB)/s`,
      ),
    );
    expect(r.stdout).toBe(plain.stdout);
  });

  it('summarize FILE --progress shows the share of its input read, never "0 records, 0/s"', async () => {
    const equity = join(dir, 'run.ndjson');
    const run = spawnSync(node, [BIN, 'backtest', file, '--strategy', 'buy-and-hold', '-q'], {
      encoding: 'utf8',
      maxBuffer: 2 ** 30,
    });
    writeFileSync(equity, run.stdout);
    const r = await runCli(['summarize', equity, '--progress']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\r\x1b\[Ksummarize: \d+% of .*run\.ndjson/);
    expect(r.stderr).not.toMatch(/records, 0\/s/);
  });

  it('fetch FILE --progress shows the share of the file read', async () => {
    const r = await runCli(['fetch', file, '-q', '--progress']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\r\x1b\[Kfetch: \d+% of .*candles\.ndjson \([\d.]+ (MiB|KiB) of [\d.]+ MiB\)/);
  });

  it.runIf(hasScript)('on a terminal, only the head of the pipeline draws; with CI set, none does', () => {
    const line = `${node} ${BIN} sanitize ${file} -q | ${node} ${BIN} backtest --strategy buy-and-hold -q | ${node} ${BIN} summarize > /dev/null`;
    const shown = underTty(line);
    expect(shown).toMatch(/sanitize: \d+% of /);
    expect(shown).not.toMatch(/backtest: |summarize: /);
    expect(underTty(line, { CI: 'true' })).not.toMatch(/sanitize: \d+%/);
  });
});

describeShared('progress: the bytes fetch FILE counts (shared binance_datatool zips)', () => {
  it('a whole zip counts as its entries compressed bytes: all of the file but its headers', async () => {
    const zip = sharedFile('binance_datatool', 'BTCUSDT-1m-2020-01-01.zip');
    let counted = 0;
    const records = await collect(
      readLocalFiles([zip], {
        exchange: 'binance_spot',
        policy: new ErrorPolicy('fail'),
        onBytes: (n) => (counted += n),
      }),
    );
    expect(records.flat()).toHaveLength(1440);
    const size = statSync(zip).size;
    expect(counted).toBeLessThanOrEqual(size);
    expect(counted).toBeGreaterThan(size - 512); // local and central headers, the end record
  });
});
