/**
 * The hostile-input corpus (tests/corpus/cases.ts, generated at test time) run against every
 * command. For each case and command:
 * - the exit code is one of the documented 0, 1, 2, and there is no stack trace or internal error;
 * - stdout is NDJSON: every line a JSON object, no market record with a price that is not a number;
 * - a refusal (exit 1) is located: `file:line: ...` (or a corrupt gzip stream naming the file);
 * - sanitize and fetch --file never exit 0 with fewer or changed records without saying so on stderr.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Case, corpus } from './corpus/cases.js';
import { type Result, runInProcess } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tickpipe-corpus-'));
const cases = corpus();
const MAX_LINE = ['--max-line-bytes', '65536'];

/** Every command that reads records, with the arguments it is run with on a case's file. */
const COMMANDS: Record<string, (file: string) => string[]> = {
  // --no-quiet: the run summaries the checks read are shown off a terminal too.
  sanitize: (f) => ['sanitize', f, '--no-quiet', ...MAX_LINE],
  backtest: (f) => ['backtest', f, '--strategy', 'buy-and-hold', '--no-quiet', ...MAX_LINE],
  summarize: (f) => ['summarize', f, ...MAX_LINE],
  drawdown: (f) => ['drawdown', f, '--type', 'candle', '--field', 'close', ...MAX_LINE],
  orderbook: (f) => ['orderbook', f, '--no-quiet', ...MAX_LINE],
  'fetch --file': (f) => ['fetch', f, '--no-quiet'],
  'connect --replay': (f) => ['connect', '--replay', f, '--no-quiet'],
  resample: (f) => ['resample', f, '--interval', '1h', ...MAX_LINE],
  features: (f) => ['features', f, '--add', 'sma:2', '--add', 'rsi:2', ...MAX_LINE],
  'store write': (f) => ['store', 'write', `${f}.store`, f, ...MAX_LINE],
  sweep: (f) => [
    'sweep',
    f,
    '--strategy',
    'sma-cross',
    '--grid',
    'fast=2,3',
    '--grid',
    'slow=5',
    '--quiet',
    ...MAX_LINE,
  ],
  report: (f) => ['report', f, '-o', `${f}.html`, '--quiet', ...MAX_LINE],
};

/** The cases whose hostile record each command consumes (rather than passing through or ignoring). */
const OWNS: Record<string, RegExp> = {
  sanitize: /^n_(candle|trade|book)_/,
  backtest: /^n_(candle|trade|book)_/,
  // drawdown reads any numeric field: 0, -5 and 1e300 are numbers to it; what is not a number is refused.
  drawdown:
    /^n_candle_close_(true|false|null|hex_string|leading_space_string|array|object|infinity_string|nan_string|number_1e400|number_minus_1e400|digits_400|empty_string|text|spreadsheet_exponent)$/,
  orderbook: /^n_book_/,
  'connect --replay': /^n_/,
  resample: /^n_(candle|trade|book)_/,
  sweep: /^n_(candle|trade|book)_/,
  // features reads a candle's five numbers (not its times: they pass through as they are).
  features: /^n_candle_close_/,
  'store write': /^n_(candle|trade|book)_/,
};
const SAID = /warning|problems found|refused|bad line|not understood/;
const STACK = /^\s+at .+(?::\d+:\d+\)?|\(native\))$/m;
// A refusal names its place: FILE:LINE for a record, the file for a corrupt stream, and the input
// for a whole-input refusal (summarize or drawdown on market data, backtest on account records:
// `FILE: no equity or balance records in the input`).
const LOCATED =
  /[^\s:]+:\d+: |corrupt gzip input|[^\s:]+: (?:--fill-model \w+: )?no [^:]+ in the input \(found/;
const PRICE_FIELDS = ['price', 'open', 'high', 'low', 'close', 'bid_price', 'ask_price', 'equity'];

/** Records in a case's input: lines that parse as JSON objects with a string type. */
function inputRecords(c: Case): number {
  let n = 0;
  for (const line of c.bytes.toString('utf8').split(/\r?\n/)) {
    try {
      const v = JSON.parse(line) as { type?: unknown } | null;
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.type === 'string') n++;
    } catch {}
  }
  return n;
}

function checkRun(command: string, c: Case, r: Result): void {
  const what = `${command} on ${c.name}: exit ${r.code}\n${r.stderr.slice(0, 600)}`;
  expect([0, 1, 2], what).toContain(r.code);
  expect(r.stderr, what).not.toMatch(STACK);
  expect(r.stderr, what).not.toMatch(/internal error|Unhandled|TypeError|RangeError|DecimalError/);
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  const given = new Set(c.bytes.toString('utf8').split(/\r?\n/));
  for (const line of lines) {
    const rec = JSON.parse(line) as Record<string, unknown>;
    expect(typeof rec, what).toBe('object');
    // What a command writes itself (not an input line passed through as it was) has real numbers.
    if (given.has(line)) continue;
    for (const f of PRICE_FIELDS)
      if (f in rec && ['candle', 'trade', 'quote', 'equity'].includes(rec.type as string))
        expect(typeof rec[f] === 'number' && Number.isFinite(rec[f]), `${what}\n${line}`).toBe(true);
  }
  if (r.code === 1) expect(r.stderr, what).toMatch(LOCATED);
  // A hostile record of a kind the command acts on is never taken silently.
  const owns = OWNS[command];
  if (c.kind === 'n' && owns !== undefined && owns.test(c.name) && r.code === 0)
    expect(r.stderr, `${what}: a hostile record taken with exit 0 and nothing said`).toMatch(SAID);
  if ((command === 'sanitize' || command === 'fetch --file') && r.code === 0 && r.stderr.trim() === '')
    expect(lines.length, `${what}: records lost without a word`).toBe(inputRecords(c));
  if (command === 'sanitize' && r.code === 0) {
    // Its report says what was written; anything short of what was read is a problem it names.
    const m = /([\d,]+) records read from \S+, ([\d,]+) written/.exec(r.stderr);
    expect(m, what).not.toBeNull();
    if (m![1] !== m![2] && !/problems found/.test(r.stderr) && !/synthetic/.test(r.stderr))
      throw new Error(`${what}: fewer records written than read, and no problem named`);
  }
}

describe(`the hostile-input corpus (${cases.length} cases x ${Object.keys(COMMANDS).length} commands)`, () => {
  for (const c of cases) {
    it(`${c.name}`, async () => {
      const file = join(dir, `${c.name}.ndjson`);
      writeFileSync(file, c.bytes);
      for (const [command, argv] of Object.entries(COMMANDS))
        checkRun(command, c, await runInProcess(argv(file)));
    });
  }

  it('y_ cases pass sanitize whole: every record written, exit 0', async () => {
    for (const c of cases.filter((x) => x.kind === 'y')) {
      const file = join(dir, `${c.name}.ndjson`);
      writeFileSync(file, c.bytes);
      const r = await runInProcess(['sanitize', file, '--no-quiet']);
      expect(r.code, `${c.name}\n${r.stderr}`).toBe(0);
      expect(
        r.stdout.split('\n').filter((l) => l.length > 0),
        c.name,
      ).toHaveLength(inputRecords(c));
    }
  });

  it('n_ cases never pass sanitize silently: a problem is named, or the run exits 1 at the place', async () => {
    for (const c of cases.filter((x) => x.kind === 'n')) {
      const file = join(dir, `${c.name}.ndjson`);
      writeFileSync(file, c.bytes);
      const r = await runInProcess(['sanitize', file, '--no-quiet']);
      const said = r.code === 1 ? LOCATED.test(r.stderr) : /problems found|bad line/.test(r.stderr);
      expect(said, `${c.name}: exit ${r.code}\n${r.stderr}`).toBe(true);
    }
  });
});

describe('generate with hostile flags', () => {
  it.each([
    [['--count', '-1']],
    [['--count', 'abc']],
    [['--count', '1e400']],
    [['--seed', 'x']],
    [['--from', '2286-11-20']],
    [['--from', 'yesterday']],
    [['--price', 'NaN']],
    [['--price', '-1']],
    [['--interval', '7x']],
    [['--symbol', '\u001b]0;pwned\u0007']],
    [['--tick-size', '0']],
    [['--rate', 'Infinity']],
  ])('generate candles %j: a usage error or valid records, never a crash', async (flags) => {
    const r = await runInProcess(['generate', 'candles', '--count', '3', ...flags]);
    expect([0, 2], `${flags}: ${r.stderr}`).toContain(r.code);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).not.toMatch(/\u001b\]/);
    for (const line of r.stdout.split('\n').filter((l) => l.length > 0)) {
      const rec = JSON.parse(line) as Record<string, number>;
      for (const f of ['open', 'high', 'low', 'close']) expect(Number.isFinite(rec[f]), line).toBe(true);
    }
  });
});
