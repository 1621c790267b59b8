/**
 * The archive side of liquidations: `fetch --kind liquidations` reads Binance's daily
 * `liquidationSnapshot` zips (data/futures/{um,cm}/daily/liquidationSnapshot/SYMBOL/...) from a
 * loopback archive with `.CHECKSUM` sidecars, through the same planner, checksums and cache as every
 * kind, into the `venue_liquidation` records `connect --channels liquidations` writes. Expected
 * records are written out by hand (times from `date -u -d @<seconds>`).
 */

import { describe, expect, it } from 'vitest';
import { parseLines, runInProcess } from './helpers/cli.js';
import { useVenue, type VenueServer, zipOf } from './helpers/venue-server.js';

let server: VenueServer;
let cache: string;
useVenue(
  'tickpipe-fetch-liq-',
  (s, d) => {
    server = s;
    cache = d;
  },
  '2024-06-20T00:00:00Z',
);

const HEADER =
  'time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,last_fill_quantity,accumulated_fill_quantity';

function args(exchange: string, symbol: string, extra: string[]): string[] {
  return [
    'fetch',
    '--exchange',
    exchange,
    '--symbol',
    symbol,
    '--kind',
    'liquidations',
    '--base-url',
    server.url,
    '--rest-url',
    server.url,
    ...extra,
  ];
}

describe('fetch --kind liquidations (the archive liquidationSnapshot)', () => {
  it('COIN-M daily files (with and without a header) become venue_liquidation records; no monthly file is asked for; cached', async () => {
    const dir = '/data/futures/cm/daily/liquidationSnapshot/BTCUSD_PERP';
    server.addFile(
      `${dir}/BTCUSD_PERP-liquidationSnapshot-2024-06-15.zip`,
      zipOf('BTCUSD_PERP-liquidationSnapshot-2024-06-15.csv', [
        HEADER,
        '1718409600123,SELL,LIMIT,IOC,12,66012.3,66150.1,FILLED,12,12',
        '1718413200456,BUY,LIMIT,IOC,3,66500,0,NEW,0,0',
      ]),
    );
    // No header: the documented column order.
    server.addFile(
      `${dir}/BTCUSD_PERP-liquidationSnapshot-2024-06-16.zip`,
      zipOf('BTCUSD_PERP-liquidationSnapshot-2024-06-16.csv', [
        '1718496000789,BUY,LIMIT,IOC,1,65000.5,64990,FILLED,1,1',
      ]),
    );
    const a = args('binance_futures_coin', 'BTCUSD_PERP', [
      '--from',
      '2024-06-01',
      '--to',
      '2024-06-17',
      '--cache',
      cache,
      '--on-error',
      'warn',
    ]);
    const r = await runInProcess(a);
    // Days 1..14 are not published here (404): each is a failed day, said; the two that are, delivered.
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('daily 2024-06-01');
    expect(r.stderr).toContain('not in the archive (404)');
    const common = { type: 'venue_liquidation', exchange: 'binance_futures_coin', symbol: 'BTCUSD_PERP' };
    expect(parseLines(r.stdout)).toEqual([
      {
        ...common,
        time: '2024-06-15T00:00:00.123Z',
        side: 'sell',
        price: 66012.3,
        average_price: 66150.1,
        amount: 12,
        filled_amount: 12,
        status: 'filled',
      },
      {
        ...common,
        time: '2024-06-15T01:00:00.456Z',
        side: 'buy',
        price: 66500,
        amount: 3,
        filled_amount: 0,
        status: 'new',
      },
      {
        ...common,
        time: '2024-06-16T00:00:00.789Z',
        side: 'buy',
        price: 65000.5,
        average_price: 64990,
        amount: 1,
        filled_amount: 1,
        status: 'filled',
      },
    ]);
    expect(server.requests('/data/futures/cm/monthly')).toHaveLength(0);
    expect(server.requests(`${dir}/BTCUSD_PERP-liquidationSnapshot-2024-06-15.zip.CHECKSUM`)).toHaveLength(1);
    // The same days again come from the cache: only the missing days are asked again.
    const before = server.requests(`${dir}/BTCUSD_PERP-liquidationSnapshot-2024-06-15.zip`).length;
    const again = await runInProcess(a);
    expect(again.stdout).toBe(r.stdout);
    expect(server.requests(`${dir}/BTCUSD_PERP-liquidationSnapshot-2024-06-15.zip`).length).toBe(before);
  });

  it('USD-M: a header in another order is read by name; a bad side is refused by place; REST has no history', async () => {
    const dir = '/data/futures/um/daily/liquidationSnapshot/BTCUSDT';
    server.addFile(
      `${dir}/BTCUSDT-liquidationSnapshot-2024-06-18.zip`,
      zipOf('BTCUSDT-liquidationSnapshot-2024-06-18.csv', [
        'side,time,price,original_quantity,average_price,order_status,accumulated_fill_quantity,last_fill_quantity,order_type,time_in_force',
        'SELL,1718668800000,65432.1,0.5,65400,FILLED,0.5,0.5,LIMIT,IOC',
        'LONG,1718668800001,65432.1,0.5,65400,FILLED,0.5,0.5,LIMIT,IOC',
      ]),
    );
    const r = await runInProcess(
      args('binance_futures_usd', 'BTCUSDT', ['--from', '2024-06-18', '--on-error', 'warn']),
    );
    expect(parseLines(r.stdout)).toEqual([
      {
        type: 'venue_liquidation',
        time: '2024-06-18T00:00:00.000Z',
        exchange: 'binance_futures_usd',
        symbol: 'BTCUSDT',
        side: 'sell',
        price: 65432.1,
        average_price: 65400,
        amount: 0.5,
        filled_amount: 0.5,
        status: 'filled',
      },
    ]);
    expect(r.stderr).toContain(
      'BTCUSDT-liquidationSnapshot-2024-06-18.csv:3: expected BUY or SELL for "side", found "LONG"',
    );
    // 2024-06-19 is not published here: a failed day (Binance's REST API has no liquidation history to fall back on).
    expect(r.stderr).toContain('daily 2024-06-19');
    expect(r.code).toBe(1);
  });

  it('spot has no liquidations: a usage error (exit 2)', async () => {
    const r = await runInProcess(args('binance_spot', 'BTCUSDT', ['--from', '2024-06-18']));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('binance_spot has no liquidations');
  });
});
