/**
 * `connect --replay` on the real captures in ../shared/data: every book is rebuilt from its snapshot
 * with zero gaps, and the rebuilt best bid and ask equal the venue's own bookTicker at the same update
 * id, everywhere both exist.
 */

import { describe, expect, it } from 'vitest';
import { OrderBook } from '../src/core/book/book.js';
import { BinanceFeed } from '../src/core/exchanges/binance/feed.js';
import { replayCapture } from '../src/core/exchanges/replay.js';
import { collect } from '../src/core/io/stream.js';
import { rawOf, serialize, type WireRecord } from '../src/core/records/record.js';
import { parseLines, runCli } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';

type Rec = WireRecord & Record<string, unknown>;

/** Rebuilds each book; returns the top at each applied update id, and the venue's tickers. */
function rebuild(records: Rec[]) {
  const books = new Map<string, OrderBook>();
  const topAt = new Map<string, [number, number, number, number]>();
  const tickers: Rec[] = [];
  let snapshots = 0;
  let deltas = 0;
  for (const r of records) {
    if (r.type === 'quote') tickers.push(r);
    if (r.type !== 'book') continue;
    let b = books.get(r.symbol as string);
    if (b === undefined) {
      b = new OrderBook();
      books.set(r.symbol as string, b);
    }
    b.apply(r.bids as [number, number][], r.asks as [number, number][], r.snapshot === true);
    if (r.snapshot === true) snapshots++;
    else deltas++;
    const bid = b.bestBid();
    const ask = b.bestAsk();
    if (bid !== undefined && ask !== undefined)
      topAt.set(`${r.symbol}:${r.sequence}`, [bid[0], bid[1], ask[0], ask[1]]);
  }
  let compared = 0;
  const mismatches: string[] = [];
  for (const q of tickers) {
    const top = topAt.get(`${q.symbol}:${q.sequence}`);
    if (top === undefined) continue;
    compared++;
    const venue = [q.bid_price, q.bid_amount, q.ask_price, q.ask_amount];
    if (JSON.stringify(venue) !== JSON.stringify(top))
      mismatches.push(`${q.sequence}: venue ${venue} rebuilt ${top}`);
  }
  return { snapshots, deltas, compared, mismatches };
}

describeShared('connect --replay: the shared captures rebuild exactly', () => {
  it.each([
    ['hftbacktest/spot/btcusdt_20240808.gz', 'binance_spot', 3449],
    ['hftbacktest/usdm/btcusdt_20240808.gz', 'binance_futures_usd', 6547],
    ['hftbacktest/cm/btcusd_perp_20240808.gz', 'binance_futures_coin', 26824],
  ])(
    '%s: zero gaps, and the book matches every bookTicker at the same update id',
    async (file, exchange, applied) => {
      const records = (await collect(replayCapture(sharedFile(file)))) as Rec[];
      expect(records.filter((r) => r.type === 'disconnect')).toEqual([]);
      expect(new Set(records.map((r) => r.exchange))).toEqual(new Set([exchange]));
      const { snapshots, deltas, compared, mismatches } = rebuild(records);
      expect(snapshots).toBe(1);
      expect(deltas).toBe(applied);
      expect(mismatches).toEqual([]);
      expect(compared).toBeGreaterThan(0);
      // Every record carries the receive time.
      expect(records.every((r) => typeof r.local_time === 'string')).toBe(true);
      // Book times never go back (the snapshot takes the first following diff's time when earlier).
      const bookTimes = records.filter((r) => r.type === 'book').map((r) => Date.parse(r.time as string));
      for (let i = 1; i < bookTimes.length; i++)
        expect(bookTimes[i]!).toBeGreaterThanOrEqual(bookTimes[i - 1]!);
    },
  );

  it('cryptofeed captures with their REST snapshot files: four books each, zero gaps', async () => {
    for (const [ws, http] of [
      ['BINANCE.ws.1.0', 'BINANCE.http.0.0'],
      ['BINANCE_FUTURES.ws.1.0', 'BINANCE_FUTURES.http.0.0'],
    ] as const) {
      const records = (await collect(
        replayCapture(sharedFile('cryptofeed', ws), { restFile: sharedFile('cryptofeed', http) }),
      )) as Rec[];
      expect(records.filter((r) => r.type === 'disconnect')).toEqual([]);
      const { snapshots, deltas, mismatches } = rebuild(records);
      expect(snapshots).toBe(4);
      expect(deltas).toBeGreaterThan(100);
      expect(mismatches).toEqual([]);
    }
  });

  it("Bybit's orderbook archive: a snapshot of 500 a side and 49 consecutive deltas", async () => {
    const records = (await collect(
      replayCapture(sharedFile('nautilus_trader/bybit/xrpusdt-ob500.data.zip')),
    )) as Rec[];
    expect(records).toHaveLength(50);
    expect(records[0]).toMatchObject({
      type: 'book',
      snapshot: true,
      symbol: 'XRPUSDT',
      exchange: 'bybit_perpetuals_usd',
      sequence: 20254869,
    });
    expect((records[0]!.bids as unknown[]).length).toBe(500);
    expect(records.at(-1)!.sequence).toBe(20254918);
  });

  it('a dropped depth update is a gap: one disconnect for that book', async () => {
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const { readFileSync, writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const lines = gunzipSync(readFileSync(sharedFile('hftbacktest/spot/btcusdt_20240808.gz')))
      .toString()
      .split('\n');
    const depth = lines.map((l, i) => [l, i] as const).filter(([l]) => l.includes('@depth'));
    const drop = depth[200]![1];
    const path = join(mkdtempSync(join(tmpdir(), 'tickpipe-gap-')), 'gap.gz');
    writeFileSync(path, gzipSync(lines.filter((_, i) => i !== drop).join('\n')));
    const r = await runCli(['connect', '--replay', path]);
    expect(r.code).toBe(0);
    const gaps = parseLines(r.stdout).filter((x) => x.type === 'disconnect');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ symbol: 'BTCUSDT', reason: 'book sequence gap' });
    expect(r.stderr).toMatch(/1 book gap/);
  });

  it('the JSON text built with quotes, trades and depth updates is exactly JSON.stringify of the record, on every capture', async () => {
    for (const file of [
      'hftbacktest/spot/btcusdt_20240808.gz',
      'hftbacktest/usdm/btcusdt_20240808.gz',
      'hftbacktest/cm/btcusd_perp_20240808.gz',
    ]) {
      const records = (await collect(replayCapture(sharedFile(file)))) as Rec[];
      let built = 0;
      for (const r of records) {
        const text = rawOf(r);
        if (text === undefined) continue;
        built++;
        expect(text).toBe(JSON.stringify(r));
      }
      // Every quote, plain trade and depth update has its text built.
      expect(built).toBe(
        records.filter(
          (r) =>
            r.type === 'quote' ||
            (r.type === 'trade' && !('first_id' in r)) ||
            (r.type === 'book' && r.snapshot === false),
        ).length,
      );
      expect(built).toBeGreaterThan(1000);
    }
  });

  it('depth updates read as text (frameText) give the records and bytes JSON.parse and frame give, on every capture', async () => {
    const { gunzipSync } = await import('node:zlib');
    const { readFileSync } = await import('node:fs');
    for (const [file, exchange] of [
      ['hftbacktest/spot/btcusdt_20240808.gz', 'binance_spot'],
      ['hftbacktest/usdm/btcusdt_20240808.gz', 'binance_futures_usd'],
      ['hftbacktest/cm/btcusd_perp_20240808.gz', 'binance_futures_coin'],
    ] as const) {
      const viaText = new BinanceFeed(exchange);
      const viaParse = new BinanceFeed(exchange);
      const a: WireRecord[] = [];
      const b: WireRecord[] = [];
      let read = 0;
      let depth = 0;
      for (const line of gunzipSync(readFileSync(sharedFile(file)))
        .toString()
        .split('\n')) {
        const sp = line.indexOf(' ');
        if (sp < 0) continue;
        const json = line.slice(sp + 1);
        const us = Number(line.slice(0, sp - 3));
        if (json.includes('"depthUpdate"')) depth++;
        if (viaText.frameText(json, us, a)) read++;
        else viaText.frame(JSON.parse(json), us, a);
        viaParse.frame(JSON.parse(json), us, b);
      }
      viaText.finish(a);
      viaParse.finish(b);
      expect(read).toBe(depth);
      expect(a.length).toBe(b.length);
      expect(a.map(serialize)).toEqual(b.map((r) => JSON.stringify(r)));
      expect(viaText.stats).toEqual(viaParse.stats);
    }
  });

  it('replay is deterministic: the same bytes twice', async () => {
    const a = await runCli(['connect', '--replay', sharedFile('hftbacktest/usdm/btcusdt_20240808.gz'), '-q']);
    const b = await runCli(['connect', '--replay', sharedFile('hftbacktest/usdm/btcusdt_20240808.gz'), '-q']);
    expect(a.code).toBe(0);
    expect(a.stdout.length).toBeGreaterThan(1_000_000);
    expect(b.stdout).toBe(a.stdout);
  });
});

describe('connect --replay on a small capture made here', () => {
  const mini = 'fixtures/captures/binance-spot-mini.txt';

  it('the snapshot comes first with the time of the first diff after it; stale diffs are dropped', async () => {
    const r = await runCli(['connect', '--replay', mini, '--no-quiet']);
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(out.map((o) => [o.type, o.sequence ?? o.id])).toEqual([
      ['quote', 101],
      ['book', 100],
      ['book', 101],
      ['book', 104],
      ['trade', 7001],
      ['book', 106],
    ]);
    expect(out[1]).toMatchObject({
      snapshot: true,
      time: '2024-01-01T00:00:00.000Z',
      local_time: '2024-01-01T00:00:00.210000Z',
    });
    expect(out[4]).toMatchObject({ side: 'buy', price: 42000.15, amount: 0.1 });
    expect(r.stderr).toMatch(/binance_spot: 6 messages, 0 book gaps/);
  });

  it('--max-records stops early with exit 0; --pace realtime takes the recorded time', async () => {
    const two = await runCli(['connect', '--replay', mini, '--max-records', '2', '-q']);
    expect(two.code).toBe(0);
    expect(parseLines(two.stdout)).toHaveLength(2);
    const started = Date.now();
    const paced = await runCli(['connect', '--replay', mini, '--pace', 'realtime', '-q']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    const fast = await runCli(['connect', '--replay', mini, '-q']);
    expect(paced.stdout).toBe(fast.stdout);
  });

  it('without --replay: a live session, which needs --symbol (a usage error, exit 2)', async () => {
    const r = await runCli(['connect', '--exchange', 'binance_spot']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--symbol is needed for a live connection/);
  });
});

describe('BinanceFeed: quote, trade and depth text', () => {
  it('frameText takes only a depth update whose levels are its last two fields, else leaves the frame to frame()', () => {
    const feed = new BinanceFeed('binance_futures_usd');
    const out: WireRecord[] = [];
    feed.snapshot({ lastUpdateId: 5, bids: [], asks: [] }, 1000, 'BTCUSDT', out);
    const depth = '"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":6,"pu":4';
    const levels = '"b":[["1.50","2"]],"a":[["1.60","0.000"]]';
    expect(feed.frameText(`{"stream":"s","data":{${depth},${levels}}}`, 1000, out)).toBe(true);
    expect(
      feed.frameText(`{${depth.replace('"U":5,"u":6,"pu":4', '"U":7,"u":8,"pu":6')},${levels}}`, 1000, out),
    ).toBe(true);
    for (const other of [
      `{"stream":"s","data":{"e":"bookTicker","u":1,"s":"X","b":"1","B":"2","a":"3","A":"4"}}`,
      `{"data":{${depth}},"x":{${levels}}}`, // levels outside data
      `{"data":{${depth}},${levels}}`, // levels beside data
      `{"data":{${depth}},"x":1,"data":{${depth},${levels}}}`, // data not the last field
      `{"stream":"s","data":{"e":"kline",${levels}}}`,
      `{"stream":"s","data":{${depth},"b":[["1.50", "2"]],"a":[]}}`, // whitespace in a level
      `{"stream":"s","data":{${depth},${levels},"x":1}}`,
      `{"stream":"s","data":{${depth},${levels}}} `,
      `{"stream":"s","data":{${depth} ${levels}}}`, // not JSON
    ])
      expect(feed.frameText(other, 1000, out), other).toBe(false);
    expect(out.map(serialize)).toEqual(out.map((r) => JSON.stringify(r)));
    expect(out.map((r) => [r.type, r.sequence])).toEqual([
      ['book', 5],
      ['book', 6],
      ['book', 8],
    ]);
    expect(out[1]).toMatchObject({
      bids: [[1.5, 2]],
      asks: [[1.6, 0]],
      sequence: 6,
      first_sequence: 5,
      prev_sequence: 4,
    });
    expect(feed.stats.gaps).toBe(0);
  });

  const text = (msgs: unknown[]) => {
    const feed = new BinanceFeed('binance_futures_usd');
    const out: WireRecord[] = [];
    for (const m of msgs) feed.frame(m, 1_723_161_255_030_314, out);
    return out.map((r) => ({ record: r, built: rawOf(r), written: serialize(r) }));
  };

  it('a symbol that needs escaping, an exponent-sized amount and the largest safe sequence are written as JSON.stringify writes them', () => {
    const [q, t] = text([
      {
        stream: 'x@bookTicker',
        data: {
          e: 'bookTicker',
          E: 1_723_161_255_030,
          u: 2 ** 53 - 1,
          s: 'A"B\\C',
          b: '0.00000010',
          B: '1e17',
          a: '61800.30',
          A: '0',
        },
      },
      {
        stream: 'x@trade',
        data: {
          e: 'trade',
          E: 1_723_161_255_031,
          T: 1_723_161_255_030,
          s: 'ÉTH',
          t: 9,
          p: '1.50',
          q: '0.010',
          m: true,
        },
      },
    ]);
    for (const r of [q!, t!]) {
      expect(r.built).toBeDefined();
      expect(r.written).toBe(JSON.stringify(r.record));
    }
    expect(JSON.parse(q!.written)).toMatchObject({ symbol: 'A"B\\C', bid_price: 1e-7, bid_amount: 1e17 });
    expect(t!.written).toBe(
      '{"type":"trade","time":"2024-08-08T23:54:15.030Z","local_time":"2024-08-08T23:54:15.030314Z","exchange":"binance_futures_usd","symbol":"ÉTH","id":9,"price":1.5,"amount":0.01,"side":"sell"}',
    );
  });

  it('a value that is not a number is refused and said, never written as null; digit strings are read as their numbers', () => {
    const problems: string[] = [];
    const feed = new BinanceFeed('binance_futures_usd', (m) => problems.push(m));
    const out: WireRecord[] = [];
    const E = 1_723_161_255_030;
    for (const m of [
      { data: { e: 'bookTicker', E, u: 5, s: 'X', b: 'abc', B: '1', a: '2', A: '3' } },
      { data: { e: 'bookTicker', E, u: Number.POSITIVE_INFINITY, s: 'X', b: '1', B: '1', a: '2', A: '3' } },
      { data: { e: 'trade', E, T: E, s: 'X', t: 1, p: 'abc', q: '2', m: false } },
      { data: { e: 'trade', E, T: 'abc', s: 'X', t: 2, p: '1', q: '2', m: false } },
      { data: { e: 'bookTicker', E, u: '7', s: 'X', b: '1', B: '1', a: '2', A: '3' } },
      { data: { e: 'trade', E, T: E, s: 'X', t: '9', p: '1', q: '2', m: false } },
      { data: { e: 'aggTrade', E, T: E, s: 'X', a: 3, f: 1, l: 2, p: '1', q: '2', m: false } },
    ])
      feed.frame(m, 1_723_161_255_030_314, out);
    expect(problems).toEqual([
      'quote X refused: expected a positive number for "bid_price", found "abc"',
      'quote X refused: expected a whole number (0 to 2^53-1) for "sequence", found Infinity',
      'trade X refused: expected a positive number for "price", found "abc"',
      'trade X refused: expected an ISO-8601 time or epoch milliseconds/microseconds for "time", found "abc"',
    ]);
    expect(feed.stats.refused).toBe(4);
    expect(out.map((r) => [r.type, r.sequence ?? r.id])).toEqual([
      ['quote', 7],
      ['trade', '9'],
      ['trade', 3],
    ]);
    for (const r of out) expect(serialize(r)).toBe(JSON.stringify(r));
    expect(out[2]).toMatchObject({ first_id: 1, last_id: 2 });
  });
});
