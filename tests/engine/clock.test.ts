/**
 * The receive-time clock (issue #16 item 5, src/core/engine/clock.ts): records with `local_time`
 * drive the engine clock on it, `time` stays the exchange's, a mixed stream follows the documented
 * rule, and the replay pipeline of the README runs on a real capture.
 */

import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/backtest/backtest.js';
import { DEFAULT_CONFIG } from '../../src/core/backtest/config.js';
import type { Strategy } from '../../src/core/backtest/strategy.js';
import { ClockReader } from '../../src/core/engine/clock.js';
import { collect, fromRecords, runStage } from '../../src/core/io/stream.js';
import type { WireRecord } from '../../src/core/records/record.js';
import { parseLines, runCli } from '../helpers/cli.js';
import { describeShared, sharedFile } from '../helpers/shared-data.js';

const q = (time: string, local: string | undefined, bid: number, ask: number): WireRecord => ({
  type: 'quote',
  time,
  ...(local === undefined ? {} : { local_time: local }),
  exchange: 'x',
  symbol: 'BTCUSDT',
  bid_price: bid,
  bid_amount: 1,
  ask_price: ask,
  ask_amount: 1,
});
const t = (s: string) => `2024-01-01T00:00:${s}Z`;

async function run(records: WireRecord[], strategy: Strategy, latencyMs = 0) {
  const cfg = structuredClone(DEFAULT_CONFIG);
  cfg.instruments = [{ exchange: 'x', symbol: 'BTCUSDT', base: 'btc', quote: 'usdt', kind: 'spot' }];
  cfg.balances = [{ exchange: 'x', asset: 'usdt', total: 10_000 }];
  cfg.execution.latency_ms = latencyMs;
  cfg.close_at_end = false;
  const engine = createEngine({ config: cfg, strategy: { name: 't', strategy, params: {} } });
  return collect(runStage(fromRecords(records), engine));
}

describe('receive-time clock', () => {
  it('reads local_time when present, time otherwise; after the first local_time a record without one keeps the clock', () => {
    const cr = new ClockReader();
    const seen: [number, string | undefined][] = [];
    for (const r of [
      q(t('01.000'), undefined, 1, 2),
      q(t('05.000'), t('02.000'), 1, 2),
      q(t('09.000'), undefined, 1, 2),
      q(t('01.500'), t('03.000'), 1, 2),
    ]) {
      expect(cr.read(r)).toBe(true);
      seen.push([cr.us, cr.text]);
    }
    const T = Date.UTC(2024, 0, 1) * 1000;
    expect(seen).toEqual([
      [T + 1_000_000, t('01.000')],
      [T + 2_000_000, t('02.000')],
      [T + 2_000_000, t('02.000')], // received with the record before it
      [T + 3_000_000, t('03.000')],
    ]);
  });

  it('runs a stream whose exchange times go back but whose receive times do not, stamping output at receive time', async () => {
    // Exchange times 05, 04, 06 (a venue's jitter); receive times 01, 02, 03.
    const records = [
      q(t('05.000'), t('01.000'), 99, 100),
      q(t('04.000'), t('02.000'), 99, 100),
      q(t('06.000'), t('03.000'), 100.5, 101),
    ];
    let first = true;
    const out = await run(records, {
      onRecord: (_r, ctx) => {
        if (!first) return undefined;
        first = false;
        expect(ctx.time).toBe(t('01.000'));
        return { side: 'buy', kind: 'limit', price: 100, amount: 1 };
      },
    });
    const fills = out.filter((r) => r.type === 'fill');
    // Limit 100 against ask 100 at receive time 01: taker at once, stamped 01.
    expect(fills.map((f) => [f.time, f.price])).toEqual([[t('01.000'), 100]]);
    const times = out.map((r) => r.time as string);
    expect([...times].sort()).toEqual(times);
  });

  it('order latency is counted on the receive clock: an order sent at 01 with 1500 ms is live from 02.5', async () => {
    const records = [
      q(t('09.000'), t('01.000'), 99, 100),
      q(t('08.000'), t('02.000'), 99, 100),
      q(t('07.000'), t('03.000'), 99, 100),
    ];
    let sent = false;
    const out = await run(
      records,
      {
        onRecord: () => {
          if (sent) return undefined;
          sent = true;
          return { side: 'buy', amount: 1 };
        },
      },
      1500,
    );
    expect(out.filter((r) => r.type === 'fill').map((f) => f.time)).toEqual([t('03.000')]);
  });

  it('a record whose receive time is behind the clock is an error naming its local_time', async () => {
    await expect(
      run([q(t('01.000'), t('05.000'), 99, 100), q(t('02.000'), t('04.000'), 99, 100)], {}),
    ).rejects.toThrow(
      /record at local_time 2024-01-01T00:00:04.000Z is older than the engine clock \(2024-01-01T00:00:05.000Z\)/,
    );
  });

  it('a local_time that is not a time is a located error', async () => {
    await expect(run([{ ...q(t('01.000'), 'soon', 99, 100) }], {})).rejects.toThrow(
      'expected a time for "local_time", found "soon"',
    );
  });
});

describeShared('receive-time clock on a real capture', () => {
  it('connect --replay | orderbook | backtest --strategy market-maker runs on the Binance spot capture', async () => {
    const capture = sharedFile('hftbacktest', 'spot', 'btcusdt_20240808.gz');
    const replay = await runCli(['connect', '--replay', capture, '--quiet']);
    expect(replay.code).toBe(0);
    const book = await runCli(['orderbook', '--quiet'], replay.stdout);
    expect(book.code).toBe(0);
    const input = parseLines(book.stdout);
    // The exchange times of the capture's streams are not in order; the receive times are.
    const exch = input.map((r) => Date.parse(r.time as string));
    expect(exch.some((v, i) => i > 0 && v < exch[i - 1]!)).toBe(true);
    const bt = await runCli(
      [
        'backtest',
        '--strategy',
        'market-maker',
        '--param',
        'spread_bps=1',
        '--sizing',
        'fixed-amount:0.01',
        '--latency-ms',
        '5',
        '--balance',
        'binance_spot:usdt=10000',
        '--balance',
        'binance_spot:btc=1',
      ],
      book.stdout,
    );
    expect(bt.code).toBe(0);
    const out = parseLines(bt.stdout);
    const fills = out.filter((r) => r.type === 'fill');
    expect(fills.length).toBeGreaterThan(10);
    const times = out.map((r) => r.time as string);
    expect([...times].sort()).toEqual(times);
    // The stderr counts agree with the records.
    const m = /(\d+) orders \((\d+) rejected\), (\d+) fills/.exec(bt.stderr);
    expect(m).not.toBeNull();
    const last = new Map<unknown, Record<string, unknown>>();
    for (const o of out.filter((r) => r.type === 'order')) last.set(o.id, o);
    expect(Number(m![1])).toBe(last.size);
    expect(Number(m![2])).toBe([...last.values()].filter((o) => o.status === 'rejected').length);
    expect(Number(m![3])).toBe(fills.length);
  }, 120_000);
});
