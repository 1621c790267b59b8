/**
 * `fetch --exchange binance_options` against a loopback venue (tests/helpers/venue-server.ts) laid out
 * as Binance publishes options data: the archive's daily `BVOLIndex` and `EOHSummary` zips with their
 * `.CHECKSUM` sidecars under `data/option/daily/`, and the options REST API's `/eapi/v1/klines`
 * (objects, not arrays) and `/eapi/v1/mark` (greeks). Column names and payloads as documented by
 * Binance (docs/format.md says where each fact came from). Expected records are written out by hand;
 * times worked out with `date -u -d @<seconds>`.
 */

import { describe, expect, it } from 'vitest';
import { parseLines, runInProcess } from './helpers/cli.js';
import { useVenue, type VenueServer, zipOf } from './helpers/venue-server.js';

let server: VenueServer;
let cache: string;
useVenue(
  'tickpipe-fetch-options-',
  (s, d) => {
    server = s;
    cache = d;
  },
  '2023-07-12T06:00:00Z',
);

const BVOL = '/data/option/daily/BVOLIndex/BTCBVOLUSDT';
const BVOL_HEADER = 'calc_time,symbol,base_asset,quote_asset,index_value';
const EOH = '/data/option/daily/EOHSummary/BTCUSDT';
/** The EOHSummary header (docs/format.md says where the column names come from). */
const EOH_HEADER =
  'date,hour,symbol,underlying,type,strike,open,high,low,close,volume_contracts,volume_usdt,best_bid_price,best_ask_price,best_bid_qty,best_ask_qty,best_buy_iv,best_sell_iv,mark_price,mark_iv,delta,gamma,vega,theta,openinterest_contracts,openinterest_usdt';

function options(kind: string, extra: string[]): string[] {
  return [
    'fetch',
    '--exchange',
    'binance_options',
    '--kind',
    kind,
    '--base-url',
    server.url,
    '--rest-url',
    server.url,
    ...extra,
  ];
}

describe('fetch binance_options: the archive', () => {
  it('BVOLIndex: volatility_index records from the daily zips, checksums verified, cached (a second run downloads nothing)', async () => {
    server.addFile(
      `${BVOL}/BTCBVOLUSDT-BVOLIndex-2023-07-10.zip`,
      zipOf('BTCBVOLUSDT-BVOLIndex-2023-07-10.csv', [
        BVOL_HEADER,
        '1688947200000,BTCBVOLUSDT,BTCBVOL,USDT,38.73',
        '1688947260000,BTCBVOLUSDT,BTCBVOL,USDT,38.81',
      ]),
    );
    server.addFile(
      `${BVOL}/BTCBVOLUSDT-BVOLIndex-2023-07-11.zip`,
      zipOf('BTCBVOLUSDT-BVOLIndex-2023-07-11.csv', [
        BVOL_HEADER,
        '1689033600000,BTCBVOLUSDT,BTCBVOL,USDT,40.05',
      ]),
    );
    const args = options('volatility_index', [
      '--symbol',
      'BTCBVOLUSDT',
      '--from',
      '2023-07-10',
      '--to',
      '2023-07-12',
      '--cache',
      cache,
    ]);
    const first = await runInProcess(args);
    expect(first.stderr).not.toMatch(/error|not published/);
    expect(first.code).toBe(0);
    const common = {
      type: 'volatility_index',
      exchange: 'binance_options',
      symbol: 'BTCBVOLUSDT',
      base: 'BTCBVOL',
      quote: 'USDT',
    };
    expect(parseLines(first.stdout)).toEqual([
      { ...common, time: '2023-07-10T00:00:00.000Z', value: 38.73 },
      { ...common, time: '2023-07-10T00:01:00.000Z', value: 38.81 },
      { ...common, time: '2023-07-11T00:00:00.000Z', value: 40.05 },
    ]);
    // Daily files only: the archive publishes no monthly options files, so none is asked for.
    expect(server.requests('/data/option/monthly')).toHaveLength(0);
    expect(server.requests(`${BVOL}/`).map((l) => l.path)).toEqual(
      expect.arrayContaining([
        `${BVOL}/BTCBVOLUSDT-BVOLIndex-2023-07-10.zip`,
        `${BVOL}/BTCBVOLUSDT-BVOLIndex-2023-07-10.zip.CHECKSUM`,
      ]),
    );
    const asked = server.log.length;
    const second = await runInProcess(args);
    expect(second.stdout).toBe(first.stdout);
    expect(server.log.length).toBe(asked);
  });

  it('BVOLIndex: a checksum mismatch is a failed day (exit 1), never used', async () => {
    const path = `${BVOL}/BTCBVOLUSDT-BVOLIndex-2023-07-10.zip`;
    server.addFile(path, zipOf('x.csv', [BVOL_HEADER, '1688947200000,BTCBVOLUSDT,BTCBVOL,USDT,38.73']));
    server.checksums.set(path, `${'0'.repeat(64)}  BTCBVOLUSDT-BVOLIndex-2023-07-10.zip\n`);
    const r = await runInProcess(
      options('volatility_index', ['--symbol', 'BTCBVOLUSDT', '--from', '2023-07-10', '--to', '2023-07-11']),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('checksum mismatch');
  });

  it('BVOLIndex: today has no REST source: what the archive cannot have yet is a failure, said (exit 1)', async () => {
    server.addFile(
      `${BVOL}/BTCBVOLUSDT-BVOLIndex-2023-07-11.zip`,
      zipOf('a.csv', [BVOL_HEADER, '1689033600000,BTCBVOLUSDT,BTCBVOL,USDT,40.05']),
    );
    const r = await runInProcess(
      options('volatility_index', ['--symbol', 'BTCBVOLUSDT', '--from', '2023-07-11']),
    );
    expect(r.code).toBe(1);
    expect(parseLines(r.stdout)).toHaveLength(1);
    expect(r.stderr).toContain("Binance's REST API has no volatility_index history by time");
  });

  it('EOHSummary: option_summary records in time order, strike/expiry/type from the row, empty fields left out', async () => {
    server.addFile(
      `${EOH}/BTCUSDT-EOHSummary-2023-07-10.zip`,
      zipOf('BTCUSDT-EOHSummary-2023-07-10.csv', [
        EOH_HEADER,
        // Hour 1 of a call first, then hour 0 of a put: written out in time order.
        '2023-07-10,1,BTC-230728-31000-C,BTCUSDT,C,31000,520,540,515,530,2.5,1325,525,535,1.1,0.9,0.41,0.43,529.8,0.42,0.47,0.00011,24.5,-51.2,120.3,63755.9',
        // No trade that hour (prices 0), no bid (empty), the venue's "no IV" -1.
        '2023-07-10,0,BTC-230714-29000-P,BTCUSDT,P,29000,0,0,0,0,0,0,,95,,3.2,-1,0.52,90.5,0.5,-0.31,0.00021,9.1,-70.4,55,4977.5',
      ]),
    );
    const r = await runInProcess(
      options('option_summary', ['--symbol', 'BTCUSDT', '--from', '2023-07-10', '--to', '2023-07-11']),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toEqual([
      {
        type: 'option_summary',
        time: '2023-07-10T01:00:00.000Z',
        exchange: 'binance_options',
        symbol: 'BTC-230714-29000-P',
        underlying: 'BTCUSDT',
        option_type: 'put',
        strike: 29000,
        expiry_date: '2023-07-14',
        open_time: '2023-07-10T00:00:00.000Z',
        volume: 0,
        quote_volume: 0,
        ask_price: 95,
        ask_amount: 3.2,
        ask_iv: 0.52,
        mark_price: 90.5,
        mark_iv: 0.5,
        delta: -0.31,
        gamma: 0.00021,
        vega: 9.1,
        theta: -70.4,
        open_interest: 55,
        open_interest_usd: 4977.5,
      },
      {
        type: 'option_summary',
        time: '2023-07-10T02:00:00.000Z',
        exchange: 'binance_options',
        symbol: 'BTC-230728-31000-C',
        underlying: 'BTCUSDT',
        option_type: 'call',
        strike: 31000,
        expiry_date: '2023-07-28',
        open_time: '2023-07-10T01:00:00.000Z',
        open: 520,
        high: 540,
        low: 515,
        close: 530,
        volume: 2.5,
        quote_volume: 1325,
        bid_price: 525,
        ask_price: 535,
        bid_amount: 1.1,
        ask_amount: 0.9,
        bid_iv: 0.41,
        ask_iv: 0.43,
        mark_price: 529.8,
        mark_iv: 0.42,
        delta: 0.47,
        gamma: 0.00011,
        vega: 24.5,
        theta: -51.2,
        open_interest: 120.3,
        open_interest_usd: 63755.9,
      },
    ]);
    // The records pass sanitize unchanged (its schema check knows the type).
    const s = await runInProcess(['sanitize', '--strict', '--quiet'], r.stdout);
    expect(s.code).toBe(0);
    expect(s.stdout).toBe(r.stdout);
  });

  it('EOHSummary: a bad value is refused by place (FILE:LINE), the rest delivered; exit 1', async () => {
    server.addFile(
      `${EOH}/BTCUSDT-EOHSummary-2023-07-10.zip`,
      zipOf('BTCUSDT-EOHSummary-2023-07-10.csv', [
        EOH_HEADER,
        '2023-07-10,0,BTC-230714-29000-P,BTCUSDT,P,29000,0,0,0,0,0,0,,95,,3.2,-1,0.52,abc,0.5,-0.31,0.00021,9.1,-70.4,55,4977.5',
        '2023-07-10,25,BTC-230714-29000-P,BTCUSDT,P,29000,0,0,0,0,0,0,,95,,3.2,-1,0.52,90,0.5,-0.31,0.00021,9.1,-70.4,55,4977.5',
        '2023-07-10,2,BTC-230714-29000-P,BTCUSDT,P,29000,0,0,0,0,0,0,,95,,3.2,-1,0.52,90,0.5,-0.31,0.00021,9.1,-70.4,55,4977.5',
      ]),
    );
    const r = await runInProcess(
      options('option_summary', [
        '--symbol',
        'BTCUSDT',
        '--from',
        '2023-07-10',
        '--to',
        '2023-07-11',
        '--on-error',
        'warn',
      ]),
    );
    expect(r.code).toBe(1);
    expect(parseLines(r.stdout).map((x) => x.open_time)).toEqual(['2023-07-10T02:00:00.000Z']);
    expect(r.stderr).toContain(
      'BTCUSDT-EOHSummary-2023-07-10.zip/BTCUSDT-EOHSummary-2023-07-10.csv:2: expected a number for "mark_price", found "abc"',
    );
    expect(r.stderr).toContain('.csv:3: expected an hour from 0 to 23 for "hour", found "25"');
  });
});

describe('fetch binance_options: REST', () => {
  it('candles: /eapi/v1/klines objects become candle records (volume in contracts, amount as quote_volume)', async () => {
    const asked: URL[] = [];
    server.rest = (url) => {
      if (url.pathname !== '/eapi/v1/klines') return undefined;
      asked.push(url);
      const start = Number(url.searchParams.get('startTime'));
      const end = Number(url.searchParams.get('endTime'));
      const rows = [
        {
          open: '520',
          high: '540',
          low: '515',
          close: '530',
          volume: '2.5',
          amount: '1325',
          interval: '1h',
          tradeCount: 7,
          takerVolume: '1.5',
          takerAmount: '795',
          openTime: 1688947200000,
          closeTime: 1688950799999,
        },
        {
          open: '530',
          high: '531',
          low: '500',
          close: '505',
          volume: '1',
          amount: '512',
          interval: '1h',
          tradeCount: 2,
          takerVolume: '0',
          takerAmount: '0',
          openTime: 1688950800000,
          closeTime: 1688954399999,
        },
      ];
      return { body: rows.filter((k) => k.openTime >= start && k.openTime <= end) };
    };
    const r = await runInProcess(
      options('candles', [
        '--symbol',
        'BTC-230728-31000-C',
        '--interval',
        '1h',
        '--from',
        '2023-07-10T00:00:00Z',
        '--to',
        '2023-07-10T02:00:00Z',
      ]),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // REST only: the options archive has no klines.
    expect(server.requests('/data/')).toHaveLength(0);
    expect(asked[0]!.searchParams.get('symbol')).toBe('BTC-230728-31000-C');
    expect(asked[0]!.searchParams.get('interval')).toBe('1h');
    const common = {
      type: 'candle',
      exchange: 'binance_options',
      symbol: 'BTC-230728-31000-C',
      interval: '1h',
    };
    expect(parseLines(r.stdout)).toEqual([
      {
        ...common,
        time: '2023-07-10T01:00:00.000Z',
        open_time: '2023-07-10T00:00:00.000Z',
        open: 520,
        high: 540,
        low: 515,
        close: 530,
        volume: 2.5,
        quote_volume: 1325,
        trades: 7,
        taker_buy_volume: 1.5,
      },
      {
        ...common,
        time: '2023-07-10T02:00:00.000Z',
        open_time: '2023-07-10T01:00:00.000Z',
        open: 530,
        high: 531,
        low: 500,
        close: 505,
        volume: 1,
        quote_volume: 512,
        trades: 2,
        taker_buy_volume: 0,
      },
    ]);
  });

  it('option_marks: /eapi/v1/mark, the mark price with IVs and greeks, stamped now; an IV of -1 left out', async () => {
    server.rest = (url) => {
      if (url.pathname !== '/eapi/v1/mark') return undefined;
      return {
        body: [
          {
            symbol: url.searchParams.get('symbol'),
            markPrice: '1343.2883',
            bidIV: '1.40000077',
            askIV: '-1.0',
            markIV: '1.45000000',
            delta: '0.55937056',
            theta: '3739.82509871',
            gamma: '0.00010969',
            vega: '978.58874732',
            highPriceLimit: '1618.241',
            lowPriceLimit: '1068.3356',
            riskFreeInterest: '0.1',
          },
        ],
      };
    };
    const r = await runInProcess(options('option_marks', ['--symbol', 'BTC-200730-9000-C']));
    expect(r.code).toBe(0);
    expect(parseLines(r.stdout)).toEqual([
      {
        type: 'option_mark',
        time: '2023-07-12T06:00:00.000Z',
        exchange: 'binance_options',
        symbol: 'BTC-200730-9000-C',
        mark_price: 1343.2883,
        bid_iv: 1.40000077,
        mark_iv: 1.45,
        delta: 0.55937056,
        gamma: 0.00010969,
        vega: 978.58874732,
        theta: 3739.82509871,
        high_price_limit: 1618.241,
        low_price_limit: 1068.3356,
        risk_free_rate: 0.1,
      },
    ]);
  });

  it('a kind the options venue lacks is a usage error (exit 2)', async () => {
    const r = await runInProcess(options('trades', ['--symbol', 'BTCUSDT', '--from', '2023-07-10']));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('binance_options has no trades');
  });
});

it('a BVOLIndex zip downloaded by hand is read as binance_options (its name says the market)', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'tickpipe-bvol-'));
  const file = join(dir, 'ETHBVOLUSDT-BVOLIndex-2023-07-10.zip');
  writeFileSync(
    file,
    zipOf('ETHBVOLUSDT-BVOLIndex-2023-07-10.csv', [
      BVOL_HEADER,
      '1688947200000,ETHBVOLUSDT,ETHBVOL,USDT,35.5',
    ]),
  );
  const r = await runInProcess(['fetch', file]);
  expect(r.code).toBe(0);
  expect(parseLines(r.stdout)).toEqual([
    {
      type: 'volatility_index',
      time: '2023-07-10T00:00:00.000Z',
      exchange: 'binance_options',
      symbol: 'ETHBVOLUSDT',
      base: 'ETHBVOL',
      quote: 'USDT',
      value: 35.5,
    },
  ]);
});
