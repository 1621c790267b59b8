/**
 * The fetch parsers' fast paths against the plain way: kline decimals against `String(Number(s))`
 * and `Number(s)`, and the byte-level kline parser against the string parser, on random and
 * edge-case rows.
 */

import { describe, expect, it } from 'vitest';
import { binanceRows, klineParser } from '../../src/core/fetch/binance/csv.js';
import { alignUp, CandleGrid } from '../../src/core/fetch/coverage.js';
import { Rng } from '../../src/core/generate/random.js';
import { ErrorPolicy } from '../../src/core/io/lines.js';
import { batchBytes } from '../../src/core/io/stream.js';
import { parseInterval } from '../../src/core/records/interval.js';

function digits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(rng.uniform() * 10));
  return s;
}

function randomDecimal(rng: Rng): string {
  const int = rng.uniform() < 0.3 ? '0' : digits(rng, 1 + Math.floor(rng.uniform() * 9));
  if (rng.uniform() < 0.15) return int;
  return `${int}.${digits(rng, Math.floor(rng.uniform() * 10))}${'0'.repeat(Math.floor(rng.uniform() * 5))}`;
}

/** One kline row whose volume column is `volume`, through the byte fast path and its fallback. */
async function volumeOf(
  volume: string,
): Promise<{ text: string | undefined; value: unknown; problem: string | undefined }> {
  const policy = new ErrorPolicy('skip');
  const row = `1577836800000,1.5,2,1,1.5,${volume},1577836859999,1,3,1,1,0\n`;
  async function* chunks() {
    yield Buffer.from(row);
  }
  const labels = { exchange: 'binance_spot', symbol: 'BTCUSDT', interval: '1m' };
  for await (const b of binanceRows(chunks(), 'v.csv', 'klines', labels, policy)) {
    const line = batchBytes(b.records)!.toString();
    return { text: /"volume":([^,]+),/.exec(line)?.[1], value: b.records[0]!.volume, problem: undefined };
  }
  return { text: undefined, value: undefined, problem: policy.firstProblem };
}

describe('kline decimals: written as String(Number(s)), valued as Number(s)', () => {
  it('on 20,000 random decimals (trailing zeros, leading zeros, up to 19 digits)', async () => {
    const rng = new Rng(7);
    for (let i = 0; i < 20_000; i++) {
      const s = randomDecimal(rng);
      const { text, value } = await volumeOf(s);
      expect(text).toBe(String(Number(s)));
      expect(value).toBe(Number(s));
    }
  });

  it.each([
    ['78189.20000000', '78189.2'],
    ['0.00000000', '0'],
    ['0.00000100', '0.000001'],
    ['1440', '1440'],
    ['007.50', '7.5'],
    // Beyond the fast path (an exponent in the output, 17 digits, exponent or sign in the input).
    ['0.00000010', '1e-7'],
    ['1234567890.1234567', '1234567890.1234567'],
    ['1e5', '100000'],
    ['+1.5', '1.5'],
    ['.5', '0.5'],
  ])('%s is written %s', async (s, t) => {
    const { text, value } = await volumeOf(s);
    expect(text).toBe(t);
    expect(value).toBe(Number(s));
  });

  it.each(['', '1.2.3', '12a'])('"%s" is a located error', async (s) => {
    const { problem } = await volumeOf(s);
    expect(problem).toBe(`v.csv:1: expected a number for "volume", found "${s}"`);
  });

  it('a negative volume is a located error', async () => {
    const { problem } = await volumeOf('-1.5');
    expect(problem).toBe('v.csv:1: expected a non-negative number for "volume", found "-1.5"');
  });
});

async function collectBatches(csv: string, labels: { exchange: string; symbol: string; interval: string }) {
  const policy = new ErrorPolicy('skip');
  async function* chunks() {
    // Odd chunk sizes, so rows are cut across chunks.
    const b = Buffer.from(csv);
    for (let i = 0; i < b.length; i += 777) yield b.subarray(i, i + 777);
  }
  const out = [];
  let bytes = '';
  for await (const batch of binanceRows(chunks(), 'test.csv', 'klines', labels, policy)) {
    out.push(...batch.records);
    bytes += batchBytes(batch.records)?.toString() ?? '<no bytes>';
  }
  return { out, bytes, policy };
}

describe('kline rows: the byte fast path agrees with the string parser', () => {
  const labels = { exchange: 'binance_spot', symbol: 'BTCUSDT', interval: '1m' };

  it('on 5,000 random rows in milliseconds and microseconds, with edge cases', async () => {
    const rng = new Rng(11);
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const micro = rng.uniform() < 0.5;
      const open = 1_577_836_800_000 + i * 60_000;
      const o = micro ? open * 1000 : open;
      const c = micro ? o + 59_999_999 : o + 59_999;
      const f = Array.from({ length: 4 }, () => randomDecimal(rng)).map((x) => (Number(x) > 0 ? x : '1.5'));
      const vol = i % 50 === 0 ? '0.00000000' : i % 77 === 0 ? '123456789012.123456789' : randomDecimal(rng);
      lines.push(
        `${o},${f[0]},${f[1]},${f[2]},${f[3]},${vol},${c},${randomDecimal(rng)},${i},${randomDecimal(rng)},1.0,0`,
      );
    }
    lines.splice(100, 0, '');
    const csv = `${lines.join('\n')}\r\n`;
    const { out, bytes, policy } = await collectBatches(csv, labels);
    const slow = klineParser(labels);
    const expected = lines.filter((l) => l.length > 0).map((l) => slow.parse(l.split(',')).record);
    expect(policy.skipped).toBe(0);
    expect(JSON.stringify(out)).toBe(JSON.stringify(expected));
    // The bytes written are each record's JSON, line by line.
    expect(bytes).toBe(expected.map((r) => `${JSON.stringify(r)}\n`).join(''));
  });

  it('a header row is skipped; a bad row is reported with its line and the rest go on', async () => {
    const csv =
      'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n' +
      '1577836800000,1.0,2.0,0.5,1.5,10,1577836859999,15,3,5,7.5,0\n' +
      '1577836860000,1.0,x,0.5,1.5,10,1577836919999,15,3,5,7.5,0\n' +
      '1577836920000,1.0,2.0,0.5,1.5,10,1577836979999,15,3,5,7.5,0\n';
    const { out, policy } = await collectBatches(csv, labels);
    expect(out.map((r) => r.open_time)).toEqual(['2020-01-01T00:00:00.000Z', '2020-01-01T00:02:00.000Z']);
    expect(policy.firstProblem).toBe('test.csv:3: expected a number for "high", found "x"');
  });
});

describe('COIN-M klines', () => {
  it('volume is the base-asset column 8 whatever the header says; contracts are kept apart', async () => {
    const csv =
      'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n' +
      '1778198400000,79972.8,80000.0,79900.1,79950.5,12000,1778198459999,15.0074,321,7000,8.7543,0\n';
    const labels = { exchange: 'binance_futures_coin', symbol: 'BTCUSD_PERP', interval: '1m', inverse: true };
    const policy = new ErrorPolicy('fail');
    async function* chunks() {
      yield Buffer.from(csv);
    }
    const out = [];
    for await (const b of binanceRows(chunks(), 'cm.csv', 'klines', labels, policy)) out.push(...b.records);
    expect(JSON.stringify(out)).toBe(
      JSON.stringify([
        {
          type: 'candle',
          time: '2026-05-08T00:01:00.000Z',
          exchange: 'binance_futures_coin',
          symbol: 'BTCUSD_PERP',
          interval: '1m',
          open_time: '2026-05-08T00:00:00.000Z',
          open: 79972.8,
          high: 80000,
          low: 79900.1,
          close: 79950.5,
          volume: 15.0074,
          contracts: 12000,
          trades: 321,
          taker_buy_volume: 8.7543,
          taker_buy_contracts: 7000,
        },
      ]),
    );
  });
});

describe('CandleGrid: the open times REST owes', () => {
  const t = (s: string): number => Date.parse(s) * 1000;
  it.each([
    ['1m', '2020-01-09T00:00:30Z', '2020-01-09T00:01:00Z'],
    ['1h', '2020-01-09T00:00:00Z', '2020-01-09T00:00:00Z'],
    ['3d', '2020-01-10T00:00:00Z', '2020-01-12T00:00:00Z'],
    ['1w', '2020-01-09T00:00:00Z', '2020-01-13T00:00:00Z'],
    ['1M', '2020-01-09T00:00:00Z', '2020-02-01T00:00:00Z'],
    ['1M', '2020-02-01T00:00:00Z', '2020-02-01T00:00:00Z'],
  ])('%s aligns %s up to %s', (interval, from, expected) => {
    expect(new Date(alignUp(t(from), parseInterval(interval)!) / 1000).toISOString()).toBe(
      new Date(expected).toISOString(),
    );
  });

  it('a hole and a repeat in 1h candles over a day, with now at 06:30', () => {
    const grid = new CandleGrid(
      parseInterval('1h')!,
      { from: t('2020-01-09T00:00Z'), to: t('2020-01-10T00:00Z') },
      t('2020-01-09T06:30Z'),
    );
    const hours = [0, 1, 1, 2, 4, 5].map((h) => t(`2020-01-09T0${h}:00Z`));
    expect(hours.map((k) => grid.accept(k))).toEqual([true, true, false, true, true, true]);
    expect(grid.complete).toBe(true);
    expect(grid.finish()).toEqual([{ from: t('2020-01-09T03:00Z'), to: t('2020-01-09T04:00Z') }]);
    expect(grid.duplicates).toBe(1);
  });

  it('a first candle off the assumed grid moves the grid (no false hole); a late one is a hole', () => {
    const range = { from: t('2020-01-10T00:00Z'), to: t('2020-01-20T00:00Z') };
    const venue = new CandleGrid(parseInterval('3d')!, range, t('2020-02-01T00:00Z'));
    for (const d of ['11', '14', '17']) expect(venue.accept(t(`2020-01-${d}T00:00Z`))).toBe(true);
    expect(venue.finish()).toEqual([]);
    const late = new CandleGrid(parseInterval('1h')!, range, t('2020-02-01T00:00Z'));
    late.accept(t('2020-01-10T01:00Z'));
    expect(late.holes).toEqual([{ from: t('2020-01-10T00:00Z'), to: t('2020-01-10T01:00Z') }]);
  });

  it('a tail that never came is one hole up to the last closed candle', () => {
    const grid = new CandleGrid(
      parseInterval('1h')!,
      { from: t('2020-01-09T00:00Z'), to: t('2020-01-10T00:00Z') },
      t('2020-01-09T06:30Z'),
    );
    grid.accept(t('2020-01-09T00:00Z'));
    const [hole] = grid.finish();
    expect(hole).toEqual({ from: t('2020-01-09T01:00Z'), to: t('2020-01-09T06:00Z') });
    expect(grid.describe(hole!)).toBe(
      '5 candles (open times 2020-01-09T01:00:00.000Z..2020-01-09T06:00:00.000Z)',
    );
  });
});
