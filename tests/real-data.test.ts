/**
 * sanitize on real exchange data from ../shared/data (PROVENANCE.md there says where each file
 * came from). Rows are mapped to records here as the venue wrote them: epoch numbers in the unit
 * of the file and prices as decimal strings, which is exactly what sanitize must normalise.
 */

import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseLines, runInProcess } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';
import { firstZipEntry } from './helpers/zip.js';

/** A Binance kline CSV row (no header) as a candle record, times in the file's own unit. */
function klineRecord(row: string, interval: string, unit: number): string {
  const f = row.split(',');
  return JSON.stringify({
    type: 'candle',
    time: Number(f[6]) + unit, // close_time is the last unit of the candle
    exchange: 'binance_spot',
    symbol: 'BTCUSDT',
    interval,
    open_time: Number(f[0]),
    open: f[1],
    high: f[2],
    low: f[3],
    close: f[4],
    volume: f[5],
    quote_volume: f[7],
    trades: Number(f[8]),
    taker_buy_volume: f[9],
  });
}

function rows(text: string): string[] {
  return text.split('\n').filter((l) => l.trim().length > 0 && !l.startsWith('open_time'));
}

describeShared('sanitize on real Binance archives', () => {
  it('three millisecond-era daily 1m files come out as 4320 contiguous candles with no problem', async () => {
    const days = ['2020-01-01', '2020-01-02', '2020-01-03'];
    const input = days.flatMap((d) =>
      rows(firstZipEntry(sharedFile('binance_datatool', `BTCUSDT-1m-${d}.zip`))).map((r) =>
        klineRecord(r, '1m', 1),
      ),
    );
    expect(input).toHaveLength(4320);
    const r = await runInProcess(['sanitize', '--strict', '--no-quiet'], `${input.join('\n')}\n`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'tickpipe sanitize: 4,320 records read from stdin, 4,320 written; no problems found\n',
    );
    const out = parseLines(r.stdout);
    expect(out[0]).toMatchObject({
      open_time: '2020-01-01T00:00:00.000Z',
      time: '2020-01-01T00:01:00.000Z',
      open: 7195.24,
      close: 7186.68,
      trades: 493,
    });
    expect(out.at(-1)).toMatchObject({
      open_time: '2020-01-03T23:59:00.000Z',
      time: '2020-01-04T00:00:00.000Z',
    });
    for (let i = 1; i < out.length; i++)
      expect(Date.parse(out[i]!.open_time as string) - Date.parse(out[i - 1]!.open_time as string)).toBe(
        60_000,
      );
  });

  it('microsecond-era 1h files keep microsecond precision and correct times', async () => {
    const input = ['2026-05-08', '2026-05-09'].flatMap((d) =>
      rows(firstZipEntry(sharedFile('binance_datatool_tommy-ca', `BTCUSDT-1h-${d}.zip`))).map((r) =>
        klineRecord(r, '1h', 1),
      ),
    );
    const r = await runInProcess(['sanitize', '--strict'], `${input.join('\n')}\n`);
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(out).toHaveLength(48);
    expect(out[0]).toMatchObject({
      open_time: '2026-05-08T00:00:00.000000Z',
      time: '2026-05-08T01:00:00.000000Z',
      open: 80006,
      close: 79831.99,
    });
    expect(out.at(-1)!.time).toBe('2026-05-10T00:00:00.000000Z');
  });

  it('a spot 1m excerpt in microseconds and one in milliseconds, in one stream, are both read right', async () => {
    const us = rows(
      readFileSync(sharedFile('bbgo', 'binancecsv', 'spot', 'BTCUSDT-1m-2026-09-15.csv'), 'utf8'),
    ).map((r) => klineRecord(r, '1m', 1));
    const ms = rows(firstZipEntry(sharedFile('binance_datatool', 'BTCUSDT-1m-2020-01-01.zip')))
      .slice(0, 2)
      .map((r) => klineRecord(r, '1m', 1));
    const r = await runInProcess(['sanitize'], `${[...ms, ...us].join('\n')}\n`);
    expect(r.code).toBe(0);
    // Six years apart in one series: a gap far beyond --max-fill, reported and never filled.
    expect(r.stderr).toMatch(/gap\s+1\s+kept/);
    expect(r.stderr).toMatch(
      /more than 100000 1m candles missing from 2020-01-01T00:02:00.000000Z before 2026-09-15T00:00:00.000000Z/,
    );
    const out = parseLines(r.stdout);
    expect(out.map((c) => c.open_time)).toEqual([
      '2020-01-01T00:00:00.000Z',
      '2020-01-01T00:01:00.000Z',
      '2026-09-15T00:00:00.000000Z',
      '2026-09-15T00:01:00.000000Z',
      '2026-09-15T00:02:00.000000Z',
      '2026-09-15T00:03:00.000000Z',
    ]);
  });

  it('spreadsheet-mangled timestamps (1.70027E+12) collapse into duplicates and conflicts, and are reported', async () => {
    const text = readFileSync(sharedFile('bbgo', 'csvsource', 'BTCUSDT-1h-2023-11-18.csv'), 'utf8');
    const input = rows(text).map((row) => klineRecord(row, '1h', 1));
    const r = await runInProcess(['sanitize', '--policy', 'candle_time=keep'], `${input.join('\n')}\n`);
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(out.length).toBeLessThan(input.length);
    expect(r.stderr).toMatch(/duplicate\s+1\s+dropped/);
    expect(r.stderr).toMatch(/conflict\s+\d+\s+dropped/);
    expect(r.stderr).toMatch(
      /stdin:2: repeats binance_spot BTCUSDT 1h candle open_time 2023-11-18T01:13:20.000Z \(line 1\)/,
    );
  });
});
