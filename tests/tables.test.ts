/**
 * `--format csv|tsv` and `summarize --flat --round N`: records as rows a CSV reader (csv-parse, as
 * mlr or a spreadsheet would) reads back to the same values, and summaries of runs on different
 * symbols under one header.
 */

import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { flatten, TableFormatter } from '../src/core/io/table.js';
import type { WireRecord } from '../src/core/records/record.js';
import { COLUMNS } from '../src/core/stats/flat.js';
import { parseLines, runInProcess } from './helpers/cli.js';

const rec = (o: object): WireRecord => o as WireRecord;
const csv = (text: string, delimiter = ','): Record<string, string>[] =>
  parse(text, { columns: true, delimiter, relax_quotes: false }) as Record<string, string>[];

describe('TableFormatter', () => {
  it('flattens nested objects with dots and arrays by 1-based position, empty ones as {} and []', () => {
    expect([
      ...flatten({ type: 'x', a: { b: 1, c: { d: null } }, bids: [[1, 2]], e: {}, f: [] }).entries(),
    ]).toEqual([
      ['type', 'x'],
      ['a.b', 1],
      ['a.c.d', null],
      ['bids.1.1', 1],
      ['bids.1.2', 2],
      ['e', '{}'],
      ['f', '[]'],
    ]);
  });

  it('CSV: quotes what needs it, and csv-parse reads the values back', () => {
    const records = [
      rec({ type: 'note', text: 'a, "quoted" word', n: 1.5, ok: true, none: null }),
      rec({ type: 'note', text: 'two\nlines', n: -2, ok: false, none: null }),
      rec({ type: 'note', text: ' padded ', n: 0 }),
    ];
    const text = new TableFormatter('csv').format(records);
    expect(text.split('\n')[0]).toBe('type,text,n,ok,none');
    expect(csv(text)).toEqual([
      { type: 'note', text: 'a, "quoted" word', n: '1.5', ok: 'true', none: '' },
      { type: 'note', text: 'two\nlines', n: '-2', ok: 'false', none: '' },
      { type: 'note', text: ' padded ', n: '0', ok: '', none: '' },
    ]);
  });

  it('TSV: tabs, newlines and backslashes escaped as miller writes them', () => {
    const text = new TableFormatter('tsv').format([rec({ type: 't', s: 'a\tb\nc\\d' })]);
    expect(text).toBe('type\ts\nt\ta\\tb\\nc\\\\d\n');
  });

  it('a record with a column the header lacks starts a new block (empty line, header); nothing is dropped', () => {
    const f = new TableFormatter('csv');
    const text =
      f.format([rec({ type: 'a', x: 1, y: 2 }), rec({ type: 'a', x: 3 })]) +
      f.format([rec({ type: 'b', x: 4, z: 5 }), rec({ type: 'b', z: 6 })]);
    expect(text).toBe('type,x,y\na,1,2\na,3,\n\ntype,x,z\nb,4,5\nb,,6\n');
  });
});

describe('--format on commands', () => {
  it("generate candles --format csv: the header is the first record's keys, the rows its values", async () => {
    const nd = await runInProcess(['generate', 'candles', '--count', '50']);
    const r = await runInProcess(['generate', 'candles', '--count', '50', '--format', 'csv']);
    expect(r.code).toBe(0);
    const records = parseLines(nd.stdout);
    expect(r.stdout.split('\n')[0]).toBe(Object.keys(records[0]!).join(','));
    expect(csv(r.stdout)).toEqual(
      records.map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, String(v)]))),
    );
  });

  it('backtest --format tsv: every record in one of the blocks, in order', async () => {
    const candles = (await runInProcess(['generate', 'candles', '--count', '2000'])).stdout;
    const nd = parseLines((await runInProcess(['backtest', '-q'], candles)).stdout);
    const r = await runInProcess(['backtest', '-q', '--format', 'tsv'], candles);
    const blocks = r.stdout.trimEnd().split('\n\n');
    const rows = blocks.flatMap((b) => csv(`${b}\n`, '\t'));
    expect(rows).toHaveLength(nd.length);
    expect(rows.map((x) => x.type)).toEqual(nd.map((x) => x.type));
    expect(rows.map((x) => x.time)).toEqual(nd.map((x) => x.time));
  });

  it('orderbook (a byte path) writes the same rows as its records give', async () => {
    const book = (await runInProcess(['generate', 'book', '--count', '300', '--levels', '3'])).stdout;
    const nd = parseLines((await runInProcess(['orderbook', '-q'], book)).stdout);
    const r = await runInProcess(['orderbook', '-q', '--format', 'csv'], book);
    const rows = r.stdout
      .trimEnd()
      .split('\n\n')
      .flatMap((b) => csv(`${b}\n`));
    expect(rows.map((x) => x.bid_price)).toEqual(nd.map((x) => String(x.bid_price)));
  });
});

const run = async (symbol: string, seed: string): Promise<string> => {
  const candles = await runInProcess([
    'generate',
    'candles',
    '--count',
    '6000',
    '--symbol',
    symbol,
    '--seed',
    seed,
  ]);
  return (await runInProcess(['backtest', '-q'], candles.stdout)).stdout;
};
const btc = await run('BTCUSDT', '1');
const eth = await run('ETHUSDT', '2');

describe('summarize --flat', () => {
  it('runs on different symbols give the same fixed header; instruments are rows with an instrument column', async () => {
    const a = await runInProcess(['summarize', '--flat', '--round', '4', '--format', 'csv'], btc);
    const b = await runInProcess(['summarize', '--flat', '--round', '4', '--format', 'csv'], eth);
    expect(a.code).toBe(0);
    const header = a.stdout.split('\n')[0]!;
    expect(header).toBe(COLUMNS.join(','));
    expect(b.stdout.split('\n')[0]).toBe(header);
    const rows = [...csv(a.stdout), ...csv(b.stdout)];
    expect(rows.map((r) => [r.scope, r.exchange, r.instrument])).toEqual([
      ['portfolio', '', ''],
      ['instrument', 'binance_spot', 'BTCUSDT'],
      ['portfolio', '', ''],
      ['instrument', 'binance_spot', 'ETHUSDT'],
    ]);
  });

  it("the figures are the nested summary's, rounded to --round places", async () => {
    const nested = parseLines((await runInProcess(['summarize'], btc)).stdout)[0]!;
    const flat = csv(
      (await runInProcess(['summarize', '--flat', '--round', '3', '--format', 'csv'], btc)).stdout,
    );
    const portfolio = nested.portfolio as Record<string, { value: number } | number>;
    const inst = (nested.instruments as Record<string, Record<string, { value: number } | number>>)[
      'binance_spot:BTCUSDT'
    ]!;
    const close = (cell: string | undefined, exact: number): void => {
      expect(Math.abs(Number(cell) - exact)).toBeLessThanOrEqual(0.0005 + 1e-12);
      expect(cell!.split('.')[1]?.length ?? 0).toBeLessThanOrEqual(3);
    };
    close(flat[0]!.sharpe_ratio, (portfolio.sharpe_ratio as { value: number }).value);
    close(flat[0]!.max_drawdown, (portfolio.max_drawdown as { value: number }).value);
    close(flat[0]!.equity_end, portfolio.equity_end as number);
    close(flat[1]!.sharpe_ratio, (inst.sharpe_ratio as { value: number }).value);
    close(flat[1]!.pnl, inst.pnl as number);
    close(flat[1]!.win_rate, (inst.win_rate as { value: number }).value);
    expect(flat[1]!.trades).toBe(String(inst.trades));
    expect(flat[0]!.pnl).toBe('');
    expect(flat[1]!.equity_end).toBe('');
  });

  it('--round without --flat rounds the nested record; --flat with --pretty is a usage error', async () => {
    const r = parseLines((await runInProcess(['summarize', '--round', '2'], btc)).stdout)[0]!;
    const v = ((r.portfolio as Record<string, { value: number }>).sharpe_ratio as { value: number }).value;
    expect(Number(v.toFixed(2))).toBe(v);
    const bad = await runInProcess(['summarize', '--flat', '--pretty'], btc);
    expect(bad.code).toBe(2);
  });
});
