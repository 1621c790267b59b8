/**
 * `fetch` in cron jobs and CI (issue #19): relative dates, the cache folder from the environment
 * (TICKPIPE_CACHE, XDG), and an --interval that disagrees with the data. Against a loopback archive.
 */

import { writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheFolder } from '../src/core/fetch/cache.js';
import { parseWhen } from '../src/core/fetch/dates.js';
import { parseLines, runInProcess } from './helpers/cli.js';
import { candleArgs, klineRows, useVenue, type VenueServer, zipOf } from './helpers/venue-server.js';

const KLINES = '/data/spot/daily/klines/BTCUSDT/1m';
const us = (iso: string): number => Date.parse(iso) * 1000;

let server: VenueServer;
let dir: string;
useVenue('tickpipe-cron-', (s, d) => {
  server = s;
  dir = d;
  for (let day = 1; day <= 9; day++) {
    const date = `2020-01-0${day}`;
    s.addFile(`${KLINES}/BTCUSDT-1m-${date}.zip`, zipOf(`BTCUSDT-1m-${date}.csv`, klineRows(date)));
  }
});
afterEach(() => {
  delete process.env.TICKPIPE_CACHE;
});

const fetchArgs = (extra: string[]): string[] => candleArgs(server.url, ['--source', 'archive', ...extra]);

describe('relative dates', () => {
  const now = us('2020-01-10T12:34:56.789Z');
  it.each([
    ['now', '2020-01-10T12:34:56.789Z'],
    ['today', '2020-01-10T00:00:00.000Z'],
    ['yesterday', '2020-01-09T00:00:00.000Z'],
    ['-7d', '2020-01-03T00:00:00.000Z'],
    ['-1w', '2020-01-03T00:00:00.000Z'],
    ['-12h', '2020-01-10T00:34:56.789Z'],
    ['-90s', '2020-01-10T12:33:26.789Z'],
    ['2020-01-01', '2020-01-01T00:00:00.000Z'],
  ])('%s is %s', (text, expected) => {
    expect(new Date(parseWhen(text, now)! / 1000).toISOString()).toBe(expected);
  });

  it.each(['-1.5d', '-x', 'tomorrow', '+1d'])('%s is refused', (text) => {
    expect(parseWhen(text, now)).toBeUndefined();
  });

  it('--from -3d --to yesterday: the two whole days before yesterday, from the archive', async () => {
    const r = await runInProcess(fetchArgs(['--from', '-3d', '--to', 'yesterday']));
    expect(r.code).toBe(0);
    const candles = parseLines(r.stdout);
    expect(candles).toHaveLength(2 * 1440);
    expect(candles[0]!.open_time).toBe('2020-01-07T00:00:00.000Z');
    expect(candles.at(-1)!.open_time).toBe('2020-01-08T23:59:00.000Z');
  });

  it('a bad relative date is a usage error naming the forms', async () => {
    const r = await runInProcess(fetchArgs(['--from', 'last-week']));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--from: expected a UTC date .*today, yesterday, now, or a time before now \(-7d, -12h\), found "last-week"/,
    );
  });
});

describe('the cache folder from the environment', () => {
  it.each([
    [undefined, {}, undefined],
    ['/c', {}, '/c'],
    [undefined, { TICKPIPE_CACHE: '/env' }, '/env'],
    ['/flag', { TICKPIPE_CACHE: '/env' }, '/flag'],
    ['none', { TICKPIPE_CACHE: '/env' }, undefined],
    [undefined, { TICKPIPE_CACHE: '' }, undefined],
    ['default', {}, '/home/u/.cache/tickpipe'],
    [undefined, { TICKPIPE_CACHE: 'default', XDG_CACHE_HOME: '/xdg' }, '/xdg/tickpipe'],
    ['default', { XDG_CACHE_HOME: 'relative/ignored' }, '/home/u/.cache/tickpipe'],
  ] as const)('--cache %s with %j: %s', (flag, env, expected) => {
    expect(cacheFolder(flag, env, '/home/u')).toBe(expected);
  });

  it('TICKPIPE_CACHE keeps a nightly job cached without --cache; --cache none turns it off for a run', async () => {
    process.env.TICKPIPE_CACHE = join(dir, 'cache');
    // --no-quiet: the summary read below is left out when stderr is not a terminal (docs/cli.md).
    const args = fetchArgs(['--from', '2020-01-05', '--to', '2020-01-06', '--no-quiet']);
    const first = await runInProcess(args);
    expect(first.stderr).toMatch(/1 file \(1 downloaded, 0 from the cache\)/);
    const second = await runInProcess(args);
    expect(second.stderr).toMatch(/1 file \(0 downloaded, 1 from the cache\), 0 requests/);
    expect(second.stdout).toBe(first.stdout);
    const off = await runInProcess([...args, '--cache', 'none']);
    expect(off.stderr).toMatch(/1 file \(1 downloaded, 0 from the cache\)/);
  });
});

describe('--interval that disagrees with the data points to resampling', () => {
  const hint = 'resample to 1h with `tickpipe resample --interval 1h`';

  it('a 1m archive zip read with --interval 1h: exit 2, nothing written', async () => {
    const path = join(dir, 'BTCUSDT-1m-2020-01-05.zip');
    writeFileSync(path, zipOf('BTCUSDT-1m-2020-01-05.csv', klineRows('2020-01-05')));
    const r = await runInProcess(['fetch', '--file', path, '--exchange', 'binance_spot', '--interval', '1h']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `the file holds 1m candles, not 1h: give --interval 1m (or leave it out), and ${hint}`,
    );
  });

  it('a renamed file: the candles themselves say 1m', async () => {
    const path = join(dir, 'klines.csv');
    writeFileSync(path, `${klineRows('2020-01-05').join('\n')}\n`);
    const renamed = (interval: string) =>
      runInProcess([
        'fetch',
        '--file',
        path,
        '--exchange',
        'binance_spot',
        '--kind',
        'candles',
        '--symbol',
        'BTCUSDT',
        '--interval',
        interval,
      ]);
    const r = await renamed('1h');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`klines.csv: the file holds 1m candles, not 1h`);
    expect(r.stderr).toContain(hint);
    const right = await renamed('1m');
    expect(right.code).toBe(0);
    expect(parseLines(right.stdout)).toHaveLength(1440);
  });

  it('a generic CSV of minute bars with --interval 1h', async () => {
    const path = join(dir, 'bars.csv');
    const rows = Array.from(
      { length: 120 },
      (_, i) => `${new Date(Date.UTC(2024, 0, 2) + i * 60_000).toISOString()},1,2,0.5,1.5,10`,
    );
    writeFileSync(path, `Datetime,Open,High,Low,Close,Volume\n${rows.join('\n')}\n`);
    const r = await runInProcess(['fetch', '--file', path, '--interval', '1h']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`bars.csv: the file holds 1m candles, not 1h`);
    const inferred = await runInProcess(['fetch', '--file', path]);
    expect(inferred.code).toBe(0);
    expect(parseLines(inferred.stdout)[0]!.interval).toBe('1m');
  });
});

/** A loopback HTTP CONNECT proxy: tunnels each CONNECT to its target and counts them. */
async function startProxy(): Promise<{ url: string; tunnels: string[]; close: () => Promise<void> }> {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    let head = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      client.off('data', onData);
      const m = /^CONNECT ([^:\s]+):(\d+) HTTP/.exec(head.toString('latin1'));
      if (m === null) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      tunnels.push(`${m[1]}:${m[2]}`);
      const upstream = net.connect(Number(m[2]), m[1], () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('HTTP(S)_PROXY and NO_PROXY (undici EnvHttpProxyAgent)', () => {
  const keys = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
  const saved = new Map<string, string | undefined>();
  beforeEach(() => {
    for (const k of keys) {
      saved.set(k, process.env[k]);
      delete process.env[k];
    }
  });
  afterEach(() => {
    for (const k of keys) {
      const v = saved.get(k);
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('with HTTP_PROXY set, archive and checksum requests go through the proxy; the data is the same', async () => {
    const direct = await runInProcess(fetchArgs(['--from', '2020-01-05', '--to', '2020-01-07']));
    expect(direct.code).toBe(0);
    const proxy = await startProxy();
    try {
      process.env.HTTP_PROXY = proxy.url;
      const r = await runInProcess(fetchArgs(['--from', '2020-01-05', '--to', '2020-01-07']));
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(direct.stdout);
      expect(proxy.tunnels.length).toBeGreaterThan(0);
      expect(new Set(proxy.tunnels)).toEqual(new Set([new URL(server.url).host]));
    } finally {
      await proxy.close();
    }
  });

  it('NO_PROXY naming the host bypasses the proxy', async () => {
    const proxy = await startProxy();
    try {
      process.env.HTTP_PROXY = proxy.url;
      process.env.NO_PROXY = '127.0.0.1';
      const r = await runInProcess(fetchArgs(['--from', '2020-01-05', '--to', '2020-01-06']));
      expect(r.code).toBe(0);
      expect(parseLines(r.stdout)).toHaveLength(1440);
      expect(proxy.tunnels).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('HTTPS_PROXY alone is for https URLs: a plain http archive is fetched directly', async () => {
    const proxy = await startProxy();
    try {
      process.env.HTTPS_PROXY = proxy.url;
      const r = await runInProcess(fetchArgs(['--from', '2020-01-05', '--to', '2020-01-06']));
      expect(r.code).toBe(0);
      expect(proxy.tunnels).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that refuses connections: the request is retried, then reported, exit 1', async () => {
    const proxy = await startProxy();
    const url = proxy.url;
    await proxy.close();
    process.env.HTTP_PROXY = url;
    const r = await runInProcess(fetchArgs(['--from', '2020-01-05', '--to', '2020-01-06', '--retries', '1']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BTCUSDT daily 2020-01-05: failed after 2 attempts/);
  });
});
