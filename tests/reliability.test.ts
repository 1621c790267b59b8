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

/** A generic-venue book: a snapshot, then deltas with sequences 1..n (each moves the best bid). */
function books(n: number, corrupt?: { at: number; sequence: string }): string[] {
  const t = (i: number) => `2024-01-01T00:00:${String(i).padStart(2, '0')}.000Z`;
  const out = [
    `{"type":"book","time":"${t(0)}","exchange":"x","symbol":"S","snapshot":true,"bids":[[100,1]],"asks":[[200,1]],"sequence":0}`,
  ];
  for (let i = 1; i <= n; i++) {
    const seq = corrupt?.at === i ? corrupt.sequence : String(i);
    out.push(
      `{"type":"book","time":"${t(i)}","exchange":"x","symbol":"S","snapshot":false,"bids":[[${100 + i},1]],"asks":[],"sequence":${seq}}`,
    );
  }
  return out;
}
const text = (lines: string[]) => `${lines.join('\n')}\n`;

describe('orderbook refuses sequences that are not safe integers (#20 item 6)', () => {
  it('a delta with sequence 1e20 is refused with its place and exit 1, even with --quiet', async () => {
    const r = await runInProcess(['orderbook', '--quiet'], text(books(29, { at: 10, sequence: '1e20' })));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'stdin:11: expected a whole number (0 to 2^53-1) for "sequence", found 100000000000000000000',
    );
  });

  it.each(['100000000000000000000', '1e20', '-1', '1.5', '"abc"', 'true'])(
    'with --on-error skip, sequence %s is left out and the later deltas are applied: the output is that of the input without it',
    async (bad) => {
      const lines = books(29, { at: 10, sequence: bad });
      const skipped = await runInProcess(['orderbook', '--quiet', '--on-error', 'skip'], text(lines));
      const without = await runInProcess(['orderbook', '--quiet'], text(lines.filter((_, i) => i !== 10)));
      expect(skipped.stdout).toBe(without.stdout);
      // Every delta but the refused one moved the best bid: 28 quotes after the snapshot's.
      expect(parseLines(skipped.stdout)).toHaveLength(29);
      expect(skipped.code).toBe(1);
      expect(skipped.stderr).toMatch(/1 bad line skipped \(first: stdin:11: /);
    },
  );

  it('a sequence given as a string of digits is read exactly', async () => {
    const r = await runInProcess(['orderbook', '--quiet'], text(books(3, { at: 2, sequence: '"2"' })));
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout).map((q) => q.sequence)).toEqual([0, 1, 2, 3]);
  });
});

describe('sanitize: one corrupt time or sequence costs that record only (#20 item 6)', () => {
  const trades = (n: number) =>
    Array.from(
      { length: n },
      (_, i) =>
        `{"type":"trade","time":"2024-01-01T00:00:${String(i).padStart(2, '0')}.000Z","exchange":"x","symbol":"S","id":${i + 1},"price":${100 + (i % 3)},"amount":1,"side":"buy"}`,
    );

  it.each([
    ['a far-future time', '"2286-11-20T17:46:40.000Z"'],
    ['an epoch time in 2286', '10000000000000000'],
  ])('%s is a schema problem: 28 of 29 written, and the report says which line', async (_n, time) => {
    const lines = trades(29);
    lines[5] = lines[5]!.replace(/"time":"[^"]+"/, `"time":${time}`);
    const r = await runInProcess(['sanitize'], text(lines));
    expect(parseLines(r.stdout)).toHaveLength(28);
    expect(r.stdout).toBe(text(lines.filter((_, i) => i !== 5)));
    expect(r.stderr).toMatch(
      /29 records read from stdin, 28 written; problems found:\n {2}schema +1 +dropped\n +stdin:6: expected a time from 1970-01-01 to before 2100-01-01/,
    );
    const strict = await runInProcess(['sanitize', '--strict', '--quiet'], text(lines));
    expect(strict.code).toBe(1);
  });

  it('a book delta with sequence 1e20 is a schema problem; the deltas after it are kept', async () => {
    const lines = books(28, { at: 9, sequence: '1e20' });
    const r = await runInProcess(['sanitize'], text(lines));
    expect(r.stdout).toBe(text(lines.filter((_, i) => i !== 9)));
    expect(r.stderr).toMatch(/stdin:10: expected a whole number \(0 to 2\^53-1\) for "sequence"/);
  });
});

describe('text from input is escaped before it reaches stderr or the report (#20 item 10)', () => {
  const ESC = '\u001b';
  const evil = `BTC${ESC}]0;pwned\u0007\n  schema  99  dropped\u009b2J\u202e`;
  const escaped = 'BTC\\x1b]0;pwned\\x07\\x0a  schema  99  dropped\\u{009b}2J\\u{202e}';
  const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

  it('sanitize: a symbol with escapes and a newline is one escaped line in the report and the JSON report', async () => {
    const trade = (id: number, price: string) =>
      `{"type":"trade","time":"2024-01-01T00:00:0${id}.000Z","exchange":"x","symbol":${JSON.stringify(evil)},"id":1,"price":${price},"amount":1,"side":"buy"}`;
    const r = await runInProcess(['sanitize'], `${trade(1, '1')}\n${trade(2, '2')}\n`);
    expect(r.stderr).not.toMatch(unsafe);
    expect(r.stderr).toContain(`x ${escaped} trade id 1 was already seen (line 1) with other values`);
    // The report has exactly its own lines: the head, the class, the example.
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(3);
  });

  it('a bad line quoting control characters: the located error is escaped (--on-error warn and fail)', async () => {
    // V8's message quotes the line.
    const line = `${ESC}]0;pwned\u0007`;
    for (const mode of ['warn', 'fail']) {
      const r = await runInProcess(['sanitize', '--on-error', mode], `${line}\n`);
      expect(r.stderr).toMatch(/stdin:1: invalid JSON: /);
      expect(r.stderr).toContain('\\x1b]0;pwned\\x07');
      expect(r.stderr).not.toMatch(unsafe);
      expect(r.code).toBe(1);
    }
  });

  it('orderbook: a gap in a book whose symbol carries escapes reports it escaped, also under --strict', async () => {
    const book = (seq: number, snapshot: boolean) =>
      `{"type":"book","time":"2024-01-01T00:00:0${seq}.000Z","exchange":"x","symbol":${JSON.stringify(evil)},"snapshot":${snapshot},"bids":[[1,1]],"asks":[[2,1]],"sequence":${seq},"prev_sequence":${seq - 1}}`;
    const input = `${book(1, true)}\n${book(3, false)}\n`;
    const r = await runInProcess(['orderbook'], input);
    expect(r.stderr).toContain(`first gap: stdin:2: x ${escaped} book sequence gap: expected 1, found 2`);
    expect(r.stderr).not.toMatch(unsafe);
    const strict = await runInProcess(['orderbook', '--strict'], input);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`stdin:2: x ${escaped} book sequence gap`);
    expect(strict.stderr).not.toMatch(unsafe);
  });
});

describe('a number out of range is named as read, not as JSON.stringify writes it', () => {
  // JSON.parse reads 1e400 as Infinity, which JSON.stringify writes as null: a message quoting it so
  // said "found null" of a line that holds a number.
  const equity = (i: number, value: string): string =>
    `{"type":"equity","time":"2024-01-01T00:${String(i).padStart(2, '0')}:00.000Z","asset":"usdt","equity":${value},"cash":1000,"exposure":0,"strategy":"x"}`;
  const input = `${[equity(1, '1000'), equity(2, '1e400'), equity(3, '1001')].join('\n')}\n`;

  it.each([[['summarize']], [['drawdown']], [['report', '-o', '-', '--quiet']]])(
    '%j: stdin:2: ... found Infinity, exit 1',
    async (argv) => {
      const r = await runInProcess(argv, input);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('stdin:2: expected a number for "equity", found Infinity');
    },
  );

  it('features --on-error skip: the refused candle is left out, the others get their columns, exit 1', async () => {
    const lines = candles(3);
    const r = await runInProcess(
      ['features', '--add', 'sma:1', '--on-error', 'skip'],
      withClose(lines, 1, '1e400'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1 bad line skipped (first: stdin:2: expected a positive number for "close"');
    const out = parseLines(r.stdout);
    expect(out.map((c) => c.open_time)).toEqual([
      JSON.parse(lines[0]!).open_time,
      JSON.parse(lines[2]!).open_time,
    ]);
    expect(out.map((c) => c.sma_1)).toEqual([JSON.parse(lines[0]!).close, JSON.parse(lines[2]!).close]);
  });

  it('features: a close of 1e400, found Infinity', async () => {
    const lines = candles(3);
    const r = await runInProcess(['features', '--add', 'sma:2'], withClose(lines, 1, '1e400'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('stdin:2: expected a positive number for "close", found Infinity');
  });
});
