/**
 * tickpipe resample: candles to coarser candles against an independent aggregation on real Binance
 * 1m files (pandas `resample('1h')` semantics: buckets closed and labelled on the left, first / max /
 * min / last / sum), and hand-worked cases for weeks, months, time zones, completeness, gaps, trades
 * (time, tick, volume and dollar bars) and mids of quotes and books.
 */

import { describe, expect, it } from 'vitest';
import { parseLines, runInProcess } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.UTC(2024, 0, 1); // a Monday
const text = (recs: object[]) => `${recs.map((r) => JSON.stringify(r)).join('\n')}\n`;

function candle(
  minute: number,
  o: number,
  h: number,
  l: number,
  c: number,
  v: number,
  interval = '1m',
  len = MIN,
) {
  return {
    type: 'candle',
    time: iso(T0 + minute * MIN + len),
    exchange: 'binance_spot',
    symbol: 'BTCUSDT',
    interval,
    open_time: iso(T0 + minute * MIN),
    open: o,
    high: h,
    low: l,
    close: c,
    volume: v,
  };
}
const trade = (ms: number, price: number, amount: number, side: 'buy' | 'sell', id = ms) => ({
  type: 'trade',
  time: iso(T0 + ms),
  exchange: 'binance_spot',
  symbol: 'BTCUSDT',
  id,
  price,
  amount,
  side,
});

async function run(args: string[], input: object[]) {
  const r = await runInProcess(['resample', ...args], text(input));
  return { ...r, out: parseLines(r.stdout) };
}

describeShared('resample on real Binance 1m candles (shared binance_datatool, 2020-01-01..03)', () => {
  it('3 days of 1m -> 72 exact 1h candles, as an independent group-by computes them', async () => {
    const files = ['01', '02', '03'].flatMap((d) => [
      '--file',
      sharedFile('binance_datatool', `BTCUSDT-1m-2020-01-${d}.zip`),
    ]);
    const f = await runInProcess(['fetch', '--exchange', 'binance_spot', ...files, '--quiet']);
    expect(f.code).toBe(0);
    const lines = f.stdout.trim().split('\n');
    expect(lines).toHaveLength(3 * 1440);
    // The reference: group by floor(open_time / 1h); sums exact in decimal from the numbers' text.
    const num = (line: string, field: string) =>
      /"([a-z_]+)":/.test(field) ? '' : (new RegExp(`"${field}":([-0-9.e+]+)`).exec(line)?.[1] ?? '');
    const dec = (t: string) => {
      const [i = '0', fr = ''] = t.split('.');
      return BigInt(i + fr.padEnd(12, '0'));
    };
    const undec = (u: bigint) => {
      const s = u.toString().padStart(13, '0');
      return Number(`${s.slice(0, -12)}.${s.slice(-12)}`);
    };
    const groups = new Map<number, string[]>();
    for (const l of lines) {
      const open = Date.parse(JSON.parse(l).open_time as string);
      const h = Math.floor(open / 3_600_000) * 3_600_000;
      if (!groups.has(h)) groups.set(h, []);
      groups.get(h)!.push(l);
    }
    const expected = [...groups.entries()].map(([h, ls]) => {
      const recs = ls.map((l) => JSON.parse(l) as Record<string, number>);
      const sum = (field: string) => undec(ls.reduce((s, l) => s + dec(num(l, field)), 0n));
      return {
        type: 'candle',
        time: iso(h + 3_600_000),
        exchange: 'binance_spot',
        symbol: 'BTCUSDT',
        interval: '1h',
        open_time: iso(h),
        open: recs[0]!.open,
        high: Math.max(...recs.map((r) => r.high!)),
        low: Math.min(...recs.map((r) => r.low!)),
        close: recs.at(-1)!.close,
        volume: sum('volume'),
        quote_volume: sum('quote_volume'),
        trades: recs.reduce((s, r) => s + r.trades!, 0),
        taker_buy_volume: sum('taker_buy_volume'),
      };
    });
    expect(expected).toHaveLength(72);
    const r = await runInProcess(['resample', '--interval', '1h'], f.stdout);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('tickpipe resample: 72 bars\n');
    expect(parseLines(r.stdout)).toEqual(expected);
  });

  it('the same files to 1d: 3 complete days; to 1w: one week, incomplete (it starts on Monday 2019-12-30)', async () => {
    const files = ['01', '02', '03'].flatMap((d) => [
      '--file',
      sharedFile('binance_datatool', `BTCUSDT-1m-2020-01-${d}.zip`),
    ]);
    const f = await runInProcess(['fetch', '--exchange', 'binance_spot', ...files, '--quiet']);
    const days = parseLines((await runInProcess(['resample', '--interval', '1d'], f.stdout)).stdout);
    expect(days.map((d) => [d.open_time, d.complete])).toEqual([
      ['2020-01-01T00:00:00.000Z', undefined],
      ['2020-01-02T00:00:00.000Z', undefined],
      ['2020-01-03T00:00:00.000Z', undefined],
    ]);
    const week = parseLines((await runInProcess(['resample', '--interval', '1w'], f.stdout)).stdout);
    expect(week).toMatchObject([
      {
        open_time: '2019-12-30T00:00:00.000Z',
        time: '2020-01-06T00:00:00.000Z',
        complete: false,
        open: 7195.24,
      },
    ]);
  });
});

describe('resample: candles, hand-worked', () => {
  const m = [
    candle(0, 10, 12, 9, 11, 1),
    candle(1, 11, 15, 10, 14, 2),
    candle(2, 14, 14, 8, 9, 0.1),
    candle(3, 9, 10, 9, 10, 0.2),
    candle(4, 10, 11, 7, 8, 0.3),
    candle(5, 8, 9, 8, 9, 0.4),
  ];

  it('1m -> 5m: first open, max high, min low, last close, summed volume; the partial last bucket is complete: false', async () => {
    const r = await run(['--interval', '5m'], m);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      { ...candle(0, 10, 15, 7, 8, 3.6, '5m', 5 * MIN) },
      { ...candle(5, 8, 9, 8, 9, 0.4, '5m', 5 * MIN), complete: false },
    ]);
    // 0.1 + 0.2 + 0.3 + 1 + 2 is 3.6 in decimal (a plain float sum gives 3.6000000000000005)
    expect(r.stderr).toBe('tickpipe resample: 2 bars, 1 incomplete marked complete: false\n');
  });

  it('--complete-only drops the partial bucket and says so', async () => {
    const r = await run(['--interval', '5m', '--complete-only'], m);
    expect(r.out).toHaveLength(1);
    expect(r.stderr).toMatch(/1 incomplete dropped \(--complete-only\)/);
    expect(r.code).toBe(0);
  });

  it('a gap stays a gap; --fill flat writes synthetic candles at the last close', async () => {
    const gap = [candle(0, 10, 11, 9, 10, 1), candle(20, 12, 13, 11, 12, 1)];
    const plain = await run(['--interval', '5m'], gap);
    expect(plain.out.map((c) => c.open_time)).toEqual([iso(T0), iso(T0 + 20 * MIN)]);
    const filled = await run(['--interval', '5m', '--fill', 'flat'], gap);
    expect(filled.out.map((c) => [c.open_time, c.close, c.volume, c.synthetic ?? false])).toEqual([
      [iso(T0), 10, 1, false],
      [iso(T0 + 5 * MIN), 10, 0, true],
      [iso(T0 + 10 * MIN), 10, 0, true],
      [iso(T0 + 15 * MIN), 10, 0, true],
      [iso(T0 + 20 * MIN), 12, 1, false],
    ]);
    expect(filled.stderr).toMatch(/3 filled flat/);
  });

  it('weeks start on Monday, months are calendar months, --tz moves the day', async () => {
    const day = 1440;
    const daily = [-1, 0, 6, 7, 30, 31].map((d) =>
      candle(d * day, 100 + d, 101 + d, 99 + d, 100 + d, 1, '1d', 1440 * MIN),
    );
    const weeks = await run(['--interval', '1w'], daily);
    // 2023-12-31 (Sunday) is in the week of Monday 2023-12-25; 2024-01-01..07 is the next
    expect(weeks.out.map((c) => [c.open_time, c.time])).toEqual([
      ['2023-12-25T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
      ['2024-01-01T00:00:00.000Z', '2024-01-08T00:00:00.000Z'],
      ['2024-01-08T00:00:00.000Z', '2024-01-15T00:00:00.000Z'],
      ['2024-01-29T00:00:00.000Z', '2024-02-05T00:00:00.000Z'],
    ]);
    const months = await run(['--interval', '1M'], daily);
    expect(months.out.map((c) => [c.open_time, c.time, c.open, c.close])).toEqual([
      ['2023-12-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 99, 99],
      ['2024-01-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z', 100, 130],
      ['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z', 131, 131],
    ]);
    // Prices from 1: a price of 0 is refused (records/validate.ts).
    const hourly = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((h) =>
      candle(h * 60, h + 1, h + 1, h + 1, h + 1, 1, '1h', 60 * MIN),
    );
    const tokyo = await run(['--interval', '1d', '--tz', '+09:00'], hourly);
    // a Tokyo day starts at 15:00 UTC: 00:00..14:00 UTC of 2024-01-01 is the day that started 2023-12-31T15:00Z
    expect(tokyo.out.map((c) => [c.open_time, c.time])).toEqual([
      ['2023-12-31T15:00:00.000Z', '2024-01-01T15:00:00.000Z'],
    ]);
    const ny = await run(['--interval', '1d', '--tz', 'America/New_York'], hourly);
    expect(ny.out.map((c) => [c.open_time, c.open, c.close])).toEqual([
      ['2023-12-31T05:00:00.000Z', 1, 5],
      ['2024-01-01T05:00:00.000Z', 6, 10],
    ]);
  });

  it('located errors: unsorted, unaligned, an interval that does not divide the bucket, a finer target', async () => {
    const unsorted = await run(['--interval', '5m'], [m[1]!, m[0]!]);
    expect(unsorted.code).toBe(1);
    expect(unsorted.stderr).toMatch(/stdin:2: candle opening at .* is not after the one before/);
    const odd = await run(['--interval', '1h'], [candle(30, 1, 1, 1, 1, 1, '45m', 45 * MIN)]);
    expect(odd.stderr).toMatch(/stdin:1: a 1h bucket is not a whole number of 45m candles/);
    const finer = await run(['--interval', '1m'], [candle(0, 1, 1, 1, 1, 1, '5m', 5 * MIN)]);
    expect(finer.stderr).toMatch(/stdin:1: a 1m bucket is not a whole number of 5m candles/);
    const straddle = await run(['--interval', '5m'], [candle(3, 1, 1, 1, 1, 1, '5m', 5 * MIN)]);
    expect(straddle.stderr).toMatch(/straddles two 5m buckets/);
    expect((await run([], m)).code).toBe(2);
    expect((await run(['--interval', '7x'], m)).stderr).toMatch(/--interval: expected an interval/);
    expect((await run(['--bars', 'ticks:0.5'], m)).code).toBe(2);
    expect((await run(['--interval', '1h', '--tz', 'Mars/Olympus'], m)).stderr).toMatch(/--tz/);
  });

  it('other record types pass through in place', async () => {
    const note = { type: 'note', text: 'keep' };
    const r = await run(['--interval', '5m'], [m[0]!, note, m[1]!]);
    expect(r.out[0]).toEqual(note);
  });
});

describe('resample: trades', () => {
  const trades = [
    trade(1_000, 100, 1, 'buy'),
    trade(20_000, 102, 2, 'sell'),
    trade(59_999, 101, 0.5, 'buy'),
    trade(60_000, 99, 1, 'sell'),
    trade(61_000, 98, 3, 'buy'),
    trade(125_000, 97, 1, 'sell'),
  ];

  it('time bars: OHLC of prices, volume, quote volume, trades, taker buy volume; first and last open-ended', async () => {
    const r = await run(['--interval', '1m'], trades);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      {
        ...candle(0, 100, 102, 100, 101, 3.5),
        quote_volume: 100 + 204 + 50.5,
        trades: 3,
        taker_buy_volume: 1.5,
        complete: false,
      },
      { ...candle(1, 99, 99, 98, 98, 4), quote_volume: 99 + 294, trades: 2, taker_buy_volume: 3 },
      { ...candle(2, 97, 97, 97, 97, 1), quote_volume: 97, trades: 1, taker_buy_volume: 0, complete: false },
    ]);
  });

  it('tick, volume and dollar bars close on the trade that reaches the size', async () => {
    const ticks = await run(['--bars', 'ticks:2'], trades);
    expect(
      ticks.out.map((b) => [b.interval, b.open_time, b.time, b.open, b.close, b.trades, b.complete]),
    ).toEqual([
      ['ticks:2', iso(T0 + 1_000), iso(T0 + 20_000), 100, 102, 2, undefined],
      ['ticks:2', iso(T0 + 59_999), iso(T0 + 60_000), 101, 99, 2, undefined],
      ['ticks:2', iso(T0 + 61_000), iso(T0 + 125_000), 98, 97, 2, undefined],
    ]);
    const vol = await run(['--bars', 'volume:3'], trades);
    // 1 + 2 = 3 closes the first; 0.5 + 1 + 3 = 4.5 the second; 1 is left open
    expect(vol.out.map((b) => [b.volume, b.complete])).toEqual([
      [3, undefined],
      [4.5, undefined],
      [1, false],
    ]);
    const dollar = await run(['--bars', 'dollar:300'], trades);
    expect(dollar.out.map((b) => [b.quote_volume, b.trades])).toEqual([
      [304, 2],
      [50.5 + 99 + 294, 3],
      [97, 1],
    ]);
    const onCandles = await run(['--bars', 'ticks:2'], [candle(0, 1, 1, 1, 1, 1)]);
    expect(onCandles.stderr).toMatch(/stdin:1: --bars makes bars of trades; found a candle record/);
  });
});

describe('resample: quotes and books to candles of the mid', () => {
  const q = (ms: number, bid: number, ask: number) => ({
    type: 'quote',
    time: iso(T0 + ms),
    exchange: 'binance_spot',
    symbol: 'BTCUSDT',
    bid_price: bid,
    bid_amount: 1,
    ask_price: ask,
    ask_amount: 1,
  });

  it('quotes: OHLC of (bid + ask) / 2, volume 0, ticks = updates', async () => {
    const r = await run(
      ['--interval', '1m'],
      [q(0, 99, 101), q(10_000, 103, 105), q(50_000, 97, 99), q(70_000, 100, 102)],
    );
    expect(r.out).toEqual([
      { ...candle(0, 100, 104, 98, 98, 0), ticks: 3 },
      { ...candle(1, 101, 101, 101, 101, 0), ticks: 1, complete: false },
    ]);
  });

  it("mids are decimals: one place more than the prices, without the double sum's noise", async () => {
    // In doubles (41894.61 + 41894.62) / 2 is 41894.615000000005 and (0.1 + 0.2) / 2 is
    // 0.15000000000000002; the mid of two prices of 2 (1) places is a decimal of 3 (2).
    expect((41894.61 + 41894.62) / 2).toBe(41894.615000000005);
    const r = await run(
      ['--interval', '1m'],
      [q(0, 41894.61, 41894.62), q(10_000, 0.1, 0.2), q(20_000, 1.05, 1.1)],
    );
    expect(r.out).toEqual([
      { ...candle(0, 41894.615, 41894.615, 0.15, 1.075, 0), ticks: 3, complete: false },
    ]);
  });

  it('books: the mid of the book built from a snapshot and deltas; deltas before it are skipped and said', async () => {
    const b = (ms: number, snapshot: boolean, bids: number[][], asks: number[][], sequence: number) => ({
      type: 'book',
      time: iso(T0 + ms),
      exchange: 'binance_spot',
      symbol: 'BTCUSDT',
      snapshot,
      bids,
      asks,
      sequence,
    });
    const r = await run(
      ['--interval', '1m'],
      [
        b(0, false, [[1, 1]], [], 1),
        b(
          1_000,
          true,
          [
            [100, 1],
            [99, 2],
          ],
          [[102, 1]],
          2,
        ),
        b(2_000, false, [[100, 0]], [], 3), // best bid now 99: mid 100.5
        b(3_000, false, [], [[101, 1]], 4), // best ask now 101: mid 100
      ],
    );
    expect(r.out).toEqual([{ ...candle(0, 101, 101, 100, 100, 0), ticks: 3, complete: false }]);
    expect(r.stderr).toMatch(/1 book deltas before their instrument's first snapshot .* skipped/);
  });
});

describe('resample --help examples', () => {
  it('each example runs as written (on small inputs of the kind it names)', async () => {
    const m = Array.from({ length: 120 }, (_, i) => candle(i, 100 + i, 101 + i, 99 + i, 100.5 + i, 1));
    expect((await run(['--interval', '1h'], m)).out).toHaveLength(2);
    const day = Array.from({ length: 48 }, (_, h) => candle(h * 60, 1, 2, 0.5, 1.5, 1, '1h', 60 * MIN));
    const ny = await run(['--interval', '1d', '--tz', 'America/New_York', '--complete-only'], day);
    expect(ny.out.map((c) => c.open_time)).toEqual(['2024-01-01T05:00:00.000Z']);
    const t = Array.from({ length: 50 }, (_, i) => trade(i * 1000, 50_000, 1, i % 2 === 0 ? 'buy' : 'sell'));
    expect((await run(['--bars', 'dollar:1e6'], t)).out.map((b) => b.trades)).toEqual([20, 20, 10]);
    const quotes = [0, 1, 12].map((mi) => ({
      type: 'quote',
      time: iso(T0 + mi * MIN),
      exchange: 'binance_spot',
      symbol: 'BTCUSDT',
      bid_price: 99,
      bid_amount: 1,
      ask_price: 101,
      ask_amount: 1,
    }));
    const flat = await run(['--interval', '5m', '--fill', 'flat'], quotes);
    expect(flat.out.map((c) => c.synthetic ?? false)).toEqual([false, true, false]);
  });
});
