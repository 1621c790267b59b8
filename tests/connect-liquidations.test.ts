/**
 * connect --channels liquidations against loopback venues that speak the documented payloads:
 * Binance USD-M and COIN-M `<symbol>@forceOrder` on the combined stream (developers.binance.com,
 * "Liquidation Order Streams"), Bybit v5 `allLiquidation.<symbol>` after a subscribe (Bybit's "All
 * Liquidation" topic, linear and inverse). Each frame's expected record is written out by hand
 * here, the times worked out with `date -u -d @<seconds>`; a hostile frame is refused and said; the
 * recording replays to the same bytes; sanitize passes the records through unchanged and refuses a
 * bad one as a schema problem; backtest says it did not use them.
 */

import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { parseLines, runInProcess } from './helpers/cli.js';

interface Loopback {
  readonly url: string;
  /** Request URLs (Binance: the combined-stream URL) and messages received (Bybit: subscribe, ping). */
  readonly requests: string[];
  readonly received: string[];
  close(): Promise<void>;
}

const servers: Loopback[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/**
 * A websocket venue on 127.0.0.1 that sends `frames` on a new connection (Binance) or after the
 * first subscribe message (Bybit, which also answers the subscribe and pings as the venue does).
 */
async function venue(frames: readonly string[], kind: 'binance' | 'bybit'): Promise<Loopback> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  const requests: string[] = [];
  const received: string[] = [];
  wss.on('connection', (ws, req) => {
    requests.push(req.url ?? '');
    if (kind === 'binance') for (const f of frames) ws.send(f);
    ws.on('message', (d) => {
      const text = d.toString();
      received.push(text);
      const m = JSON.parse(text) as { op?: string };
      if (m.op === 'ping') ws.send('{"success":true,"ret_msg":"pong","op":"ping"}');
      if (m.op === 'subscribe') {
        ws.send('{"success":true,"ret_msg":"","op":"subscribe"}');
        for (const f of frames) ws.send(f);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const lb: Loopback = {
    url: kind === 'binance' ? `ws://127.0.0.1:${port}` : `ws://127.0.0.1:${port}/v5/public/linear`,
    requests,
    received,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  servers.push(lb);
  return lb;
}

const binanceFrame = (stream: string, data: unknown) => JSON.stringify({ stream, data });

/** The records without their receive time (which is this machine's clock). */
const withoutLocal = (rs: Record<string, unknown>[]) =>
  rs.map(({ local_time, ...r }) => {
    expect(typeof local_time).toBe('string');
    return r;
  });

async function session(exchange: string, url: string, symbols: string, maxRecords: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tickpipe-liq-'));
  const rec = join(dir, 'liq.gz');
  const live = await runInProcess([
    'connect',
    '-e',
    exchange,
    '--symbol',
    symbols,
    '--channels',
    'liquidations',
    '--endpoint',
    url,
    '--max-records',
    String(maxRecords),
    '--record',
    rec,
    '--quiet',
  ]);
  return { live, rec };
}

describe('connect --channels liquidations, Binance (forceOrder)', () => {
  const usdm = [
    binanceFrame('btcusdt@forceOrder', {
      e: 'forceOrder',
      E: 1568014460893,
      o: {
        s: 'BTCUSDT',
        S: 'SELL',
        o: 'LIMIT',
        f: 'IOC',
        q: '0.014',
        p: '9910',
        ap: '9910',
        X: 'FILLED',
        l: '0.014',
        z: '0.014',
        T: 1568014460893,
      },
    }),
    // Hostile: a price that is not a number. Refused and said; the session goes on.
    binanceFrame('ethusdt@forceOrder', {
      e: 'forceOrder',
      E: 1717000000100,
      o: {
        s: 'ETHUSDT',
        S: 'BUY',
        o: 'LIMIT',
        f: 'IOC',
        q: '1',
        p: 'abc',
        ap: '0',
        X: 'NEW',
        l: '0',
        z: '0',
        T: 1717000000100,
      },
    }),
    binanceFrame('ethusdt@forceOrder', {
      e: 'forceOrder',
      E: 1717000000124,
      o: {
        s: 'ETHUSDT',
        S: 'BUY',
        o: 'LIMIT',
        f: 'IOC',
        q: '1.250',
        p: '2301.55',
        ap: '2299.80',
        X: 'FILLED',
        l: '0.5',
        z: '1.250',
        T: 1717000000123,
      },
    }),
    // Nothing filled yet: no average price (Binance sends "0"), filled 0.
    binanceFrame('ethusdt@forceOrder', {
      e: 'forceOrder',
      E: 1717000000200,
      o: {
        s: 'ETHUSDT',
        S: 'SELL',
        o: 'LIMIT',
        f: 'IOC',
        q: '3',
        p: '2280.1',
        ap: '0',
        X: 'NEW',
        l: '0',
        z: '0',
        T: 1717000000200,
      },
    }),
  ];

  it('USD-M: subscribes <symbol>@forceOrder, writes venue_liquidation records with the order side, refuses a bad price', async () => {
    const lb = await venue(usdm, 'binance');
    const { live, rec } = await session('binance_futures_usd', lb.url, 'BTCUSDT,ETHUSDT', 3);
    expect(live.code).toBe(0);
    expect(lb.requests).toEqual(['/stream?streams=btcusdt@forceOrder/ethusdt@forceOrder']);
    expect(live.stderr).toContain(
      'venue_liquidation ETHUSDT refused: expected a positive number for "price", found "abc"',
    );
    expect(withoutLocal(parseLines(live.stdout))).toEqual([
      {
        type: 'venue_liquidation',
        time: '2019-09-09T07:34:20.893Z',
        exchange: 'binance_futures_usd',
        symbol: 'BTCUSDT',
        side: 'sell',
        price: 9910,
        average_price: 9910,
        amount: 0.014,
        filled_amount: 0.014,
        status: 'filled',
      },
      {
        type: 'venue_liquidation',
        time: '2024-05-29T16:26:40.123Z',
        exchange: 'binance_futures_usd',
        symbol: 'ETHUSDT',
        side: 'buy',
        price: 2301.55,
        average_price: 2299.8,
        amount: 1.25,
        filled_amount: 1.25,
        status: 'filled',
      },
      {
        type: 'venue_liquidation',
        time: '2024-05-29T16:26:40.200Z',
        exchange: 'binance_futures_usd',
        symbol: 'ETHUSDT',
        side: 'sell',
        price: 2280.1,
        amount: 3,
        filled_amount: 0,
        status: 'new',
      },
    ]);
    // The recording replays to the same bytes, the refusal included (said, not written).
    const replay = await runInProcess([
      'connect',
      '--replay',
      rec,
      '--exchange',
      'binance_futures_usd',
      '--quiet',
    ]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toBe(live.stdout);
    expect(replay.stderr).toContain('refused: expected a positive number for "price", found "abc"');
    // Replay tells the venue from the message itself.
    const inferred = await runInProcess(['connect', '--replay', rec, '--quiet']);
    expect(inferred.stdout).toBe(live.stdout);
  });

  it('COIN-M: the quantity in contracts, the symbol the delivery contract', async () => {
    const lb = await venue(
      [
        binanceFrame('btcusd_200925@forceOrder', {
          e: 'forceOrder',
          E: 1591154240950,
          o: {
            s: 'BTCUSD_200925',
            ps: 'BTCUSD',
            S: 'SELL',
            o: 'LIMIT',
            f: 'IOC',
            q: '1',
            p: '9425.5',
            ap: '9496.5',
            X: 'FILLED',
            l: '1',
            z: '1',
            T: 1591154240949,
          },
        }),
      ],
      'binance',
    );
    const { live } = await session('binance_futures_coin', lb.url, 'BTCUSD_200925', 1);
    expect(live.code).toBe(0);
    expect(lb.requests).toEqual(['/stream?streams=btcusd_200925@forceOrder']);
    expect(withoutLocal(parseLines(live.stdout))).toEqual([
      {
        type: 'venue_liquidation',
        time: '2020-06-03T03:17:20.949Z',
        exchange: 'binance_futures_coin',
        symbol: 'BTCUSD_200925',
        side: 'sell',
        price: 9425.5,
        average_price: 9496.5,
        amount: 1,
        filled_amount: 1,
        status: 'filled',
      },
    ]);
  });

  it('spot has no liquidations: a usage error, exit 2', async () => {
    for (const exchange of ['binance_spot', 'bybit_spot']) {
      const r = await runInProcess([
        'connect',
        '-e',
        exchange,
        '--symbol',
        'BTCUSDT',
        '--channels',
        'liquidations',
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${exchange} has no liquidations (a spot market)`);
    }
  });
});

describe('connect --channels liquidations, Bybit (allLiquidation)', () => {
  it.each([
    ['bybit_perpetuals_usd', 'ROSEUSDT', '20000', '0.04499'],
    ['bybit_perpetuals_inverse', 'BTCUSD', '100', '96512.5'],
  ] as const)(
    '%s: subscribes allLiquidation.<symbol>; the position side becomes the closing order side',
    async (exchange, symbol, size, price) => {
      const frames = [
        JSON.stringify({
          topic: `allLiquidation.${symbol}`,
          type: 'snapshot',
          ts: 1739502303204,
          data: [
            { T: 1739502302929, s: symbol, S: 'Sell', v: size, p: price },
            { T: 1739502303100, s: symbol, S: 'Buy', v: '5', p: price },
          ],
        }),
      ];
      const lb = await venue(frames, 'bybit');
      const { live, rec } = await session(exchange, lb.url, symbol, 2);
      expect(live.code).toBe(0);
      expect(JSON.parse(lb.received[0]!)).toEqual({ op: 'subscribe', args: [`allLiquidation.${symbol}`] });
      const common = { type: 'venue_liquidation', exchange, symbol, price: Number(price) };
      expect(withoutLocal(parseLines(live.stdout))).toEqual([
        // "Sell": a short position was liquidated, by a buy order.
        { ...common, time: '2025-02-14T03:05:02.929Z', side: 'buy', amount: Number(size) },
        // "Buy": a long position, closed by a sell.
        { ...common, time: '2025-02-14T03:05:03.100Z', side: 'sell', amount: 5 },
      ]);
      const replay = await runInProcess(['connect', '--replay', rec, '--exchange', exchange, '--quiet']);
      expect(replay.stdout).toBe(live.stdout);
    },
  );
});

describe('venue_liquidation records downstream', () => {
  const good =
    '{"type":"venue_liquidation","time":"2024-05-29T16:26:40.123Z","exchange":"binance_futures_usd","symbol":"ETHUSDT","side":"buy","price":2301.55,"average_price":2299.8,"amount":1.25,"filled_amount":1.25,"status":"filled"}';

  it('sanitize passes a valid one through as its bytes, and refuses one with an unknown side or no price (schema)', async () => {
    const ok = await runInProcess(['sanitize', '--quiet'], `${good}\n`);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`${good}\n`);
    const bad = good.replace('"side":"buy"', '"side":"long"');
    const noPrice = good.replace('"price":2301.55,', '');
    const r = await runInProcess(['sanitize'], `${bad}\n${noPrice}\n${good}\n`);
    expect(r.stdout).toBe(`${good}\n`);
    expect(r.stderr).toContain('expected "buy" or "sell" for "side", found "long"');
    expect(r.stderr).toContain('expected a positive number for "price"');
    // Dropped and reported (docs/sanitize.md: schema problems are dropped by default); --strict exits 1.
    expect(r.code).toBe(0);
    const strict = await runInProcess(['sanitize', '--strict', '--quiet'], `${bad}\n${good}\n`);
    expect(strict.code).toBe(1);
  });
});

it('backtest says how many venue_liquidation records it did not use (the engine does not model them)', async () => {
  const liq =
    '{"type":"venue_liquidation","time":"2024-05-29T16:26:40.123Z","exchange":"binance_futures_usd","symbol":"ETHUSDT","side":"buy","price":2301.55,"amount":1.25}';
  const candle =
    '{"type":"candle","time":"2024-05-29T16:27:00.000Z","exchange":"binance_futures_usd","symbol":"ETHUSDT","interval":"1m","open_time":"2024-05-29T16:26:00.000Z","open":2300,"high":2302,"low":2299,"close":2301,"volume":10}';
  const r = await runInProcess(['backtest', '--strategy', 'sma-cross'], `${liq}\n${liq}\n${candle}\n`);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('2 venue_liquidation records were not used: the engine does not model them');
});
