/**
 * `fetch --store DIR` (docs/store.md, "Fetching into the store"): the fetched records go into the
 * store through store write's own code, so a nightly cron keeps a store current. Against the
 * loopback archive of the fetch tests (tests/helpers/venue-server.ts): what the store gives back is
 * what fetch printed; a second run over the same days changes nothing; a later window extends the
 * store and replaces the days it covers; a part that cannot be delivered writes nothing.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLines, runInProcess } from './helpers/cli.js';
import { candleArgs, klineRows, useVenue, type VenueServer, zipOf } from './helpers/venue-server.js';

const KLINES = '/data/spot/daily/klines/BTCUSDT/1m';

let server: VenueServer;
let dir: string;
useVenue('tickpipe-store-fetch-', (s, d) => {
  server = s;
  dir = d;
  for (let day = 1; day <= 9; day++) {
    const date = `2020-01-0${day}`;
    s.addFile(
      `${KLINES}/BTCUSDT-1m-${date}.zip`,
      zipOf(`BTCUSDT-1m-${date}.csv`, klineRows(date, 100 + day)),
    );
  }
});

const fetchArgs = (from: string, to: string, extra: string[] = []): string[] =>
  candleArgs(server.url, ['--source', 'archive', '--from', from, '--to', to, '--quiet', ...extra]);

async function storeRead(store: string, ...args: string[]): Promise<string> {
  const r = await runInProcess(['store', 'read', store, '--kind', 'candles', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('fetch --store', () => {
  it('writes what fetch prints into the store; a second run over the same days changes nothing', async () => {
    const store = join(dir, 'store');
    const plain = await runInProcess(fetchArgs('2020-01-01', '2020-01-04'));
    expect(plain.code).toBe(0);
    expect(parseLines(plain.stdout)).toHaveLength(3 * 1440);
    const first = await runInProcess(fetchArgs('2020-01-01', '2020-01-04', ['--store', store]));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    expect(parseLines(first.stdout)).toEqual([
      {
        type: 'store_partition',
        path: 'binance_spot/candles/BTCUSDT/1m/year=2020/month=01/data.parquet',
        exchange: 'binance_spot',
        kind: 'candles',
        symbol: 'BTCUSDT',
        interval: '1m',
        year: 2020,
        month: 1,
        rows: 3 * 1440,
        min_time: '2020-01-01T00:00:00.000Z',
        max_time: '2020-01-03T23:59:00.000Z',
        written: 3 * 1440,
      },
    ]);
    expect(await storeRead(store)).toBe(plain.stdout);
    const manifest = readFileSync(join(store, 'manifest.json'), 'utf8');
    const again = await runInProcess(fetchArgs('2020-01-01', '2020-01-04', ['--store', store]));
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(readFileSync(join(store, 'manifest.json'), 'utf8')).toBe(manifest);
    expect(await storeRead(store)).toBe(plain.stdout);
  });

  it('a later window extends the store, replacing the days it covers and keeping the others', async () => {
    const store = join(dir, 'store');
    await runInProcess(fetchArgs('2020-01-01', '2020-01-04', ['--store', store]));
    // The archive republished the 3rd (other prices): the next run's window covers it again.
    server.addFile(
      `${KLINES}/BTCUSDT-1m-2020-01-03.zip`,
      zipOf('BTCUSDT-1m-2020-01-03.csv', klineRows('2020-01-03', 500)),
    );
    const next = await runInProcess(fetchArgs('2020-01-03', '2020-01-06', ['--store', store]));
    expect(next.code, next.stderr).toBe(0);
    const [part] = parseLines(next.stdout);
    expect([part!.rows, part!.written, part!.min_time, part!.max_time]).toEqual([
      5 * 1440,
      3 * 1440,
      '2020-01-01T00:00:00.000Z',
      '2020-01-05T23:59:00.000Z',
    ]);
    const days12 = await runInProcess(fetchArgs('2020-01-01', '2020-01-03'));
    const days35 = await runInProcess(fetchArgs('2020-01-03', '2020-01-06'));
    expect(parseLines(days35.stdout)[0]!.open).toBe(Number(klineRows('2020-01-03', 500)[0]!.split(',')[1]));
    expect(await storeRead(store)).toBe(days12.stdout + days35.stdout);
  });

  it('a day the archive does not have: exit 1, nothing written, the store as it was, said on stderr', async () => {
    const store = join(dir, 'store');
    await runInProcess(fetchArgs('2020-01-01', '2020-01-03', ['--store', store]));
    const manifest = readFileSync(join(store, 'manifest.json'), 'utf8');
    server.files.delete(`${KLINES}/BTCUSDT-1m-2020-01-05.zip`);
    const r = await runInProcess(fetchArgs('2020-01-04', '2020-01-07', ['--store', store]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`nothing was written to the store ${store}`);
    expect(r.stderr).toMatch(/could not be delivered/);
    expect(readFileSync(join(store, 'manifest.json'), 'utf8')).toBe(manifest);
    expect(parseLines(await storeRead(store))).toHaveLength(2 * 1440);
  });
});
