/**
 * connect live against a loopback Binance (tests/helpers/ws-venue.ts) replaying frames of the shared
 * spot capture, with each fault the issue names injected. After each: a disconnect record at the
 * break, books consistent again after resync (tickpipe orderbook --strict finds no gap), nothing
 * duplicated, and a recording that replays to the same records.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { connectLive, type LiveOptions, type LiveStats } from '../src/core/exchanges/live.js';
import { links } from '../src/core/exchanges/live-links.js';
import { collect } from '../src/core/io/stream.js';
import { listZipEntries, readZipEntry } from '../src/core/io/zip.js';
import type { WireRecord } from '../src/core/records/record.js';
import { BIN, parseLines, runCli, runInProcess } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';
import { type Faults, loadCapture, WsVenue } from './helpers/ws-venue.js';

let venues: WsVenue[] = [];
afterEach(async () => {
  for (const v of venues) await v.close();
  venues = [];
});

const ndjson = (rs: readonly WireRecord[]) => `${rs.map((r) => JSON.stringify(r)).join('\n')}\n`;

describeShared('connect live (loopback Binance spot, frames of the shared hftbacktest capture)', () => {
  const capture = () => loadCapture(sharedFile('hftbacktest/spot/btcusdt_20240808.gz'), 1500);

  /** A session against a venue with `faults`, until the venue has sent every frame. */
  async function session(
    faults: Faults,
    extra: Partial<LiveOptions> = {},
    until: (s: { connections: number }, logs: string[]) => boolean = () => true,
  ) {
    const { frames, snapshot } = capture();
    const venue = new WsVenue(frames, snapshot, faults);
    venues.push(venue);
    await venue.listen();
    const stop = new AbortController();
    const lines: string[] = [];
    const logs: string[] = [];
    const stats: LiveStats = { frames: 0, malformed: 0, refused: 0, connections: 0, snapshots: 0 };
    // Once the venue has sent everything, end when the client has read all of it (or, where a
    // dropped connection lost frames in flight, a second later).
    venue.onDone(() => {
      const since = Date.now();
      const poll = setInterval(() => {
        if ((stats.frames >= venue.sent && until(stats, logs)) || Date.now() - since > 3000) {
          clearInterval(poll);
          stop.abort();
        }
      }, 10);
    });
    const records = await collect(
      connectLive(
        {
          exchange: 'binance_spot',
          symbols: ['BTCUSDT'],
          channels: ['trades', 'quotes', 'book'],
          endpoint: venue.ws,
          restEndpoint: venue.restUrl,
          signal: stop.signal,
          backoffInitialMs: 20,
          backoffMaxMs: 200,
          staleAfterMs: 5000,
          record: (l) => lines.push(l),
          log: (m) => logs.push(m),
          random: () => 0.5,
          ...extra,
        },
        stats,
      ),
    );
    return { records, lines, logs, stats, venue, frames };
  }

  /** The books pass orderbook's checks, and a replay of the recording gives the same records. */
  async function consistent(records: WireRecord[], lines: string[]) {
    const ob = await runInProcess(['orderbook', '--strict', '--quiet'], ndjson(records));
    expect(ob.stderr).toBe('');
    expect(ob.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-live-'));
    const file = join(dir, 'rec.txt');
    (await import('node:fs')).writeFileSync(file, `${lines.join('\n')}\n`);
    const replay = await runInProcess(['connect', '--replay', file, '--exchange', 'binance_spot', '--quiet']);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toBe(ndjson(records));
    return parseLines(ob.stdout);
  }

  const trades = (rs: WireRecord[]) => rs.filter((r) => r.type === 'trade').map((r) => r.id);

  it('a clean session: a snapshot, then deltas in sequence; every trade once; the recording replays byte for byte', async () => {
    const { records, lines, stats, frames } = await session({});
    expect(stats.connections).toBe(1);
    const books = records.filter((r) => r.type === 'book');
    expect(books[0]).toMatchObject({ snapshot: true, exchange: 'binance_spot', symbol: 'BTCUSDT' });
    expect(books.slice(1).every((b) => b.snapshot === false)).toBe(true);
    expect(records.some((r) => r.type === 'disconnect')).toBe(false);
    const sent = frames.filter((f) => f.raw.includes('"e":"trade"')).length;
    expect(trades(records)).toHaveLength(sent);
    expect(new Set(trades(records)).size).toBe(sent);
    expect(records.every((r) => typeof r.local_time === 'string')).toBe(true);
    await consistent(records, lines);
  });

  it('the venue drops the connection every 400 frames: a disconnect at each break, resynced books, no duplicates', async () => {
    const { records, lines, stats } = await session({ dropEvery: 400 });
    expect(stats.connections).toBeGreaterThanOrEqual(4);
    const breaks = records.filter((r) => r.type === 'disconnect');
    expect(breaks).toHaveLength(stats.connections - 1);
    expect(breaks[0]).toMatchObject({ exchange: 'binance_spot', reason: expect.stringMatching(/^closed/) });
    // After each break the book starts again from a snapshot.
    const after = records.slice(records.indexOf(breaks[0]!) + 1).find((r) => r.type === 'book');
    expect(after).toMatchObject({ snapshot: true });
    const ids = trades(records);
    expect(new Set(ids).size).toBe(ids.length);
    await consistent(records, lines);
  });

  it('a malformed frame is counted and skipped; the session goes on', async () => {
    const { records, lines, stats, logs } = await session({ malformedAt: 100 });
    expect(stats.malformed).toBe(1);
    expect(logs.some((l) => l.startsWith('malformed frame skipped'))).toBe(true);
    expect(records.some((r) => r.type === 'disconnect')).toBe(false);
    await consistent(records, lines);
  });

  // Hostile frames (#20 item 3): each used to silence its stream, crash the session or be written wrong.
  const E = 1_723_161_260_000;
  const hostileTrade = (t: string, p = '"61800.00"') =>
    `{"stream":"btcusdt@trade","data":{"e":"trade","E":${E},"s":"BTCUSDT","t":${t},"p":${p},"q":"0.001","T":${E},"m":false}}`;

  it('a trade id of 2^53-1 is one trade more, not the end of the trade stream', async () => {
    const { records, lines, frames, stats } = await session({
      inject: { 100: hostileTrade('9007199254740991') },
    });
    const sent = frames.filter((f) => f.raw.includes('"e":"trade"')).length;
    // Every trade the venue published, and the hostile one (a valid trade, if an odd id).
    expect(trades(records)).toHaveLength(sent + 1);
    expect(trades(records)).toContain(9007199254740991);
    expect(stats.refused ?? 0).toBe(0);
    await consistent(records, lines);
  });

  it('a bookTicker u of 1e400 is refused and said; every later quote still arrives', async () => {
    const bad = `{"stream":"btcusdt@bookTicker","data":{"u":1e400,"s":"BTCUSDT","b":"61829.76","B":"2.1","a":"61829.77","A":"0.02"}}`;
    const warnings: string[] = [];
    const { records, lines, frames, stats } = await session(
      { inject: { 100: bad } },
      { warn: (m) => warnings.push(m) },
    );
    const sent = frames.filter((f) => f.raw.includes('@bookTicker')).length;
    expect(records.filter((r) => r.type === 'quote')).toHaveLength(sent);
    expect(warnings).toEqual([
      'quote BTCUSDT refused: expected a whole number (0 to 2^53-1) for "sequence", found Infinity',
    ]);
    expect(stats.refused).toBe(1);
    await consistent(records, lines);
  });

  it('a trade with p:"abc" is refused and said, never written with "price":null or a 1970 time', async () => {
    const warnings: string[] = [];
    const { records, lines } = await session(
      { inject: { 50: hostileTrade('1', '"abc"'), 60: hostileTrade('2', '1e400') } },
      { warn: (m) => warnings.push(m) },
    );
    expect(warnings).toEqual([
      'trade BTCUSDT refused: expected a positive number for "price", found "abc"',
      'trade BTCUSDT refused: expected a positive number for "price", found Infinity',
    ]);
    for (const r of records.filter((x) => x.type === 'trade')) {
      expect(typeof r.price).toBe('number');
      expect(String(r.time)).toMatch(/^2024-08-08T/);
    }
    await consistent(records, lines);
  });

  it('{"stream":...,"data":null} is counted as not understood; the session goes on', async () => {
    const { records, lines, frames } = await session({
      inject: { 100: '{"stream":"btcusdt@trade","data":null}' },
    });
    const sent = frames.filter((f) => f.raw.includes('"e":"trade"')).length;
    expect(trades(records)).toHaveLength(sent);
    await consistent(records, lines);
  });

  /** `connect --record` in a process against a venue with `faults`, ended by --max-records. */
  async function recorded(faults: Faults, maxRecords: number, extra: string[] = []) {
    const { frames, snapshot } = capture();
    const venue = new WsVenue(frames, snapshot, faults);
    venues.push(venue);
    await venue.listen();
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-live-'));
    const rec = join(dir, 'session.gz');
    const live = await runCli([
      'connect',
      '--exchange',
      'binance_spot',
      '--symbol',
      'btcusdt',
      '--channels',
      'trades,quotes,book',
      '--endpoint',
      venue.ws,
      '--rest-url',
      new URL(venue.restUrl).origin,
      '--record',
      rec,
      '--max-records',
      String(maxRecords),
      ...extra,
    ]);
    return { dir, rec, live };
  }

  it('the command with --record: a data:null frame does not end the session; the recording is complete under its name', async () => {
    const { dir, rec, live } = await recorded(
      { inject: { 30: '{"stream":"btcusdt@trade","data":null}' } },
      300,
    );
    expect(live.code).toBe(0);
    expect(live.stderr).toMatch(/warning: message not understood/);
    expect(parseLines(live.stdout)).toHaveLength(300);
    // Before: a TypeError in the socket handler killed the process, leaving only session.gz.<pid>.tmp.
    expect(readdirSync(dir)).toEqual(['session.gz']);
    const replay = await runCli(['connect', '--replay', rec, '--exchange', 'binance_spot', '--quiet']);
    expect(replay.code).toBe(0);
    expect(replay.stdout.startsWith(live.stdout)).toBe(true);
  });

  it('a silent connection is dead after --stale-after: replaced, with a disconnect record', async () => {
    const { records, lines, stats } = await session({ silentAt: 300 }, { staleAfterMs: 400 });
    expect(stats.connections).toBe(2);
    expect(records.filter((r) => r.type === 'disconnect')).toEqual([
      expect.objectContaining({ reason: 'closed (4000)' }),
    ]);
    await consistent(records, lines);
  });

  it('a skipped depth update: a disconnect for the book with the expected and found sequence, then a new snapshot', async () => {
    const all = capture().frames;
    const at = all.findIndex((f, i) => i >= 200 && f.depth !== undefined);
    const skipped = all[at]!.depth!;
    const next = all.slice(at + 1).find((f) => f.depth !== undefined)!.depth!;
    const { records, lines } = await session({ skipAt: at });
    const gap = records.find((r) => r.type === 'disconnect');
    expect(gap).toMatchObject({
      symbol: 'BTCUSDT',
      reason: 'book sequence gap',
      expected: skipped.U,
      found: next.U,
    });
    const after = records.slice(records.indexOf(gap!) + 1).find((r) => r.type === 'book');
    expect(after).toMatchObject({ snapshot: true });
    await consistent(records, lines);
  });

  it('a connection reaching the age limit (24 h at Binance; 150 ms here) is replaced by an overlapping one: no gap, nothing twice', async () => {
    const { records, lines, stats, logs } = await session(
      { paceMs: 5 },
      { maxConnectionMs: 150 },
      (s, logs) => s.connections >= 2 && logs.includes('switched to the new connection'),
    );
    expect(stats.connections).toBeGreaterThanOrEqual(2);
    expect(logs).toContain('switched to the new connection');
    expect(records.filter((r) => r.type === 'disconnect')).toEqual([]);
    const ids = trades(records);
    expect(new Set(ids).size).toBe(ids.length);
    await consistent(records, lines);
  });

  it("Binance's serverShutdown: a new connection opens at once and takes over before the old one closes", async () => {
    const { records, lines, stats, frames } = await session({ shutdownAt: 500 });
    expect(stats.connections).toBe(2);
    expect(records.filter((r) => r.type === 'disconnect')).toEqual([]);
    // Every trade the venue published, once, although both connections carried some of them.
    const sent = frames.filter((f) => f.raw.includes('"e":"trade"')).length;
    expect(trades(records)).toHaveLength(sent);
    expect(new Set(trades(records)).size).toBe(sent);
    await consistent(records, lines);
  });

  it('the command: --record FILE.gz, --max-records ends it with exit 0, and --replay of the recording gives the same bytes', async () => {
    const { rec, live } = await recorded({ dropEvery: 600 }, 1200, ['--quiet']);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    expect(parseLines(live.stdout)).toHaveLength(1200);
    const replay = await runCli(['connect', '--replay', rec, '--exchange', 'binance_spot', '--quiet']);
    expect(replay.code).toBe(0);
    // The recording holds every frame received, which may be a little more than the 1200 records asked for.
    expect(replay.stdout.startsWith(live.stdout)).toBe(true);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s closes the session, flushes what it owes and exits %d; --duration ends it with exit 0',
    async (signal, code) => {
      const { frames, snapshot } = capture();
      const venue = new WsVenue(frames, snapshot);
      venues.push(venue);
      await venue.listen();
      const argv = [BIN, 'connect', '-e', 'binance_spot', '--symbol', 'BTCUSDT', '--channels', 'book,trades'];
      const urls = ['--endpoint', venue.ws, '--rest-url', new URL(venue.restUrl).origin, '--quiet'];
      const child = spawn(process.execPath, [...argv, ...urls], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let lines = 0;
      // Ready: the venue has sent everything and the command has written more than 1000 records of
      // it (a condition, not a fixed wait: a loaded machine may take any time).
      const written = new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d;
          for (const byte of d) if (byte === 10) lines++;
          if (lines > 1000) resolve();
        });
      });
      await new Promise<void>((r) => venue.onDone(r));
      await written;
      child.kill(signal);
      const exit = await new Promise<number | null>((r) => child.on('close', r));
      expect(exit).toBe(code);
      expect(out.endsWith('\n')).toBe(true);
      expect(parseLines(out).length).toBeGreaterThan(1000);
      const timed = await runCli([...argv.slice(1), ...urls, '--duration', '700ms']);
      expect(timed.code).toBe(0);
      expect(parseLines(timed.stdout)[0]).toMatchObject({ type: 'book', snapshot: true });
    },
  );

  it('reconnection attempts refused at first: backoff until one succeeds', async () => {
    const { records, lines, stats, logs, venue } = await session({ dropEvery: 700, refuseReconnects: 3 });
    expect(venue.refused).toBe(3);
    expect(stats.connections).toBeGreaterThanOrEqual(2);
    // The waits double: 20 ms, 40, 80, 160 (half to all of each, jitter fixed at the middle here).
    const waits = logs
      .filter((l) => l.includes('reconnecting in'))
      .map((l) => Number(/in (\d+) ms/.exec(l)![1]));
    expect(waits.slice(0, 4)).toEqual([15, 30, 60, 120]);
    expect(records.filter((r) => r.type === 'disconnect').length).toBe(4 + stats.connections - 2);
    await consistent(records, lines);
  });
});

it('more than 1024 Binance streams are spread over several connections, a symbol on one', () => {
  const symbols = Array.from({ length: 700 }, (_, i) => `S${i}USDT`);
  const plan = links({ exchange: 'binance_spot', symbols, channels: ['trades', 'book'], endpoint: 'ws://x' });
  expect(plan.map((l) => l.symbols.length)).toEqual([512, 188]);
  const streams = plan.map((l) => new URL(l.url).searchParams.get('streams')!.split('/'));
  expect(streams.map((x) => x.length)).toEqual([1024, 376]);
  expect(streams[0]!.slice(0, 2)).toEqual(['s0usdt@trade', 's0usdt@depth@100ms']);
  const bybit = links({
    exchange: 'bybit_spot',
    symbols: ['A', 'B', 'C', 'D', 'E', 'F'],
    channels: ['trades', 'book'],
  });
  expect(bybit).toHaveLength(1);
  expect(bybit[0]!.subscribe.map((m) => JSON.parse(m).args.length)).toEqual([10, 2]);
});

it('connect: a live session needs --exchange and --symbols (usage errors, exit 2)', async () => {
  const a = await runInProcess(['connect', '--symbols', 'BTCUSDT']);
  expect(a.code).toBe(2);
  expect(a.stderr).toMatch(/--exchange is needed/);
  const b = await runInProcess([
    'connect',
    '--exchange',
    'binance_spot',
    '--channels',
    'book,wat',
    '--symbols',
    'X',
  ]);
  expect(b.code).toBe(2);
  expect(b.stderr).toMatch(/unknown channel "wat"/);
});

describeShared('connect live (loopback Bybit v5, messages of the shared orderbook archive)', () => {
  it('subscribes to the topics, pings, and turns the messages into books and trades', async () => {
    const zip = sharedFile('nautilus_trader/bybit/xrpusdt-ob500.data.zip');
    const [entry] = listZipEntries(zip);
    const chunks: Buffer[] = [];
    for await (const c of readZipEntry(zip, entry!)) chunks.push(c);
    const messages = Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .slice(0, 300);
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    const received: string[] = [];
    wss.on('connection', (ws) => {
      ws.on('message', (d) => {
        const text = d.toString();
        received.push(text);
        const m = JSON.parse(text) as { op: string };
        if (m.op === 'ping') ws.send('{"success":true,"ret_msg":"pong","op":"ping"}');
        if (m.op === 'subscribe') {
          ws.send('{"success":true,"ret_msg":"","op":"subscribe"}');
          for (const line of messages) ws.send(line);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const stop = new AbortController();
    const stats = { frames: 0, malformed: 0, connections: 0, snapshots: 0 };
    const done = setInterval(() => {
      if (stats.frames >= messages.length + 1 && received.filter((r) => r.includes('ping')).length >= 2)
        stop.abort();
    }, 20);
    try {
      const records = await collect(
        connectLive(
          {
            exchange: 'bybit_perpetuals_usd',
            symbols: ['XRPUSDT'],
            channels: ['book', 'trades'],
            endpoint: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v5/public/linear`,
            signal: stop.signal,
            pingEveryMs: 50,
          },
          stats,
        ),
      );
      expect(JSON.parse(received[0]!)).toEqual({
        op: 'subscribe',
        args: ['orderbook.50.XRPUSDT', 'publicTrade.XRPUSDT'],
      });
      expect(received.filter((r) => r === '{"op":"ping"}').length).toBeGreaterThanOrEqual(2);
      const books = records.filter((r) => r.type === 'book');
      expect(books[0]).toMatchObject({ exchange: 'bybit_perpetuals_usd', symbol: 'XRPUSDT', snapshot: true });
      expect(books).toHaveLength(messages.length);
      expect(stats.malformed).toBe(0);
      const ob = await runInProcess(['orderbook', '--strict', '--quiet'], ndjson(records));
      expect(ob.code).toBe(0);
    } finally {
      clearInterval(done);
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
