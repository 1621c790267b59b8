/**
 * The columnar store: store write, store read and query (docs/store.md), end to end through the CLI.
 * Values are checked against what the test computes from the records it wrote.
 */

import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { backtest, backtestNdjson, createEngine, loadStrategy } from '../src/core/backtest/backtest.js';
import { DEFAULT_CONFIG } from '../src/core/backtest/config.js';
import { collect } from '../src/core/io/stream.js';
import { serialize } from '../src/core/records/record.js';
import { RecordValidator, validatedTimes } from '../src/core/records/validate.js';
import { storeRead, storeReadBytes } from '../src/core/store/read.js';
import { BIN, parseLines, ROOT, runCli } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';

const ROOT_TMP = mkdtempSync(join(tmpdir(), 'tickpipe-store-'));
let n = 0;
const freshDir = (): string => join(ROOT_TMP, `s${n++}`);
afterAll(() => rmSync(ROOT_TMP, { recursive: true, force: true }));

async function gen(args: string[]): Promise<string> {
  const r = await runCli(['generate', ...args]);
  expect(r.code).toBe(0);
  return r.stdout;
}

async function write(dir: string, input: string): Promise<Record<string, unknown>[]> {
  const r = await runCli(['store', 'write', dir], input);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return parseLines(r.stdout);
}

async function read(dir: string, ...args: string[]): Promise<string> {
  const r = await runCli(['store', 'read', dir, ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('store write | store read: round trip', () => {
  it('candles over a month boundary come back byte for byte, in two partitions', async () => {
    const input = await gen(['candles', '--count', '4320', '--from', '2024-01-30']);
    const dir = freshDir();
    const parts = await write(dir, input);
    expect(parts.map((p) => [p.path, p.rows, p.min_time, p.max_time])).toEqual([
      [
        'binance_spot/candles/BTCUSDT/1m/year=2024/month=01/data.parquet',
        2880,
        '2024-01-30T00:00:00.000Z',
        '2024-01-31T23:59:00.000Z',
      ],
      [
        'binance_spot/candles/BTCUSDT/1m/year=2024/month=02/data.parquet',
        1440,
        '2024-02-01T00:00:00.000Z',
        '2024-02-01T23:59:00.000Z',
      ],
    ]);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.partitions.map((p: { rows: number }) => p.rows)).toEqual([2880, 1440]);
    expect(await read(dir, '--kind', 'candles')).toBe(input);
  });

  it('trades come back byte for byte; --from/--to select a half-open range by time', async () => {
    const input = await gen([
      'trades',
      '--count',
      '5000',
      '--rate',
      '0.05',
      '--from',
      '2024-03-31T12:00:00Z',
    ]);
    const dir = freshDir();
    const parts = await write(dir, input);
    expect(parts.length).toBe(2);
    expect(await read(dir, '--kind', 'trades', '--symbol', 'BTCUSDT')).toBe(input);
    const from = '2024-04-01T00:00:00.000Z';
    const to = '2024-04-01T06:00:00.000Z';
    const expected = input
      .split('\n')
      .filter((l) => l !== '' && JSON.parse(l).time >= from && JSON.parse(l).time < to)
      .map((l) => `${l}\n`)
      .join('');
    expect(expected.length).toBeGreaterThan(0);
    expect(await read(dir, '--kind', 'trades', '--from', from, '--to', to)).toBe(expected);
  });

  it('keeps what the columns cannot hold: decimal strings, other time forms, string ids, unknown fields and types', async () => {
    const lines = [
      '{"type":"trade","time":"2024-01-01T00:00:00.000Z","exchange":"binance_spot","symbol":"BTCUSDT","id":"a-1","price":"42000.10","amount":0.5,"side":"buy","note":{"k":[1,2]}}',
      '{"type":"trade","time":1704067201000,"exchange":"binance_spot","symbol":"BTCUSDT","id":2,"price":42000.2,"amount":"1e-8","side":"sell","local_time":"2024-01-01T00:00:01.000123Z"}',
      '{"type":"trade","time":"2024-01-01T00:00:02.123000Z","exchange":"binance_spot","symbol":"BTCUSDT","id":3,"price":42000,"amount":1,"side":"buy","flags":["spike"],"maker":null}',
      '{"type":"book","time":"2024-01-01T00:00:03.000Z","exchange":"binance_spot","symbol":"BTCUSDT","snapshot":true,"bids":[[41999,1]],"asks":[[42001,2]],"sequence":7}',
    ];
    const dir = freshDir();
    await write(dir, `${lines.join('\n')}\n`);
    expect(await read(dir, '--kind', 'trades')).toBe(`${lines.slice(0, 3).join('\n')}\n`);
    expect(await read(dir, '--kind', 'books')).toBe(`${lines[3]}\n`);
    // The library's records serialise to the same text as the command's byte path.
    const records = await collect(storeRead({ dir, kind: 'trades' }));
    expect(records.map((r) => `${JSON.stringify(r)}\n`).join('')).toBe(`${lines.slice(0, 3).join('\n')}\n`);
    let bytes = '';
    for await (const b of storeReadBytes({ dir, kind: 'trade' })) bytes += b.bytes.toString();
    expect(bytes).toBe(`${lines.slice(0, 3).join('\n')}\n`);
    // The typed columns still hold the values, for SQL.
    const q = await runCli([
      'query',
      dir,
      'SELECT price, amount, epoch_ms(time) AS ms FROM trades ORDER BY time',
    ]);
    expect(parseLines(q.stdout)).toEqual([
      { price: 42000.1, amount: 0.5, ms: 1704067200000 },
      { price: 42000.2, amount: 1e-8, ms: 1704067201000 },
      { price: 42000, amount: 1, ms: 1704067202123 },
    ]);
  });

  it('a field the columns cannot hold in scattered rows comes back on those rows only (NULL read per row)', async () => {
    // 300 trades, one in seven with an unknown field: `extra` is NULL in the others, so each row's
    // NULL is read from the chunk's validity mask, bit by bit, across the mask's bytes and words.
    const input = (await gen(['trades', '--count', '300', '--seed', '5'])).trimEnd().split('\n');
    const lines = input.map((l, r) => (r % 7 === 3 ? `${l.slice(0, -1)},"note":${r}}` : l));
    const dir = freshDir();
    await write(dir, `${lines.join('\n')}\n`);
    const records = await collect(storeRead({ dir, kind: 'trades' }));
    expect(records.filter((rec) => 'note' in rec).map((rec) => rec.note)).toEqual(
      lines.flatMap((_, r) => (r % 7 === 3 ? [r] : [])),
    );
    expect(records.map((rec) => JSON.stringify(rec)).join('\n')).toBe(lines.join('\n'));
    expect(await read(dir, '--kind', 'trades')).toBe(`${lines.join('\n')}\n`);
  });
});

describeShared('store on real data', () => {
  it('a Binance 1m archive day, through fetch --file, comes back byte for byte', async () => {
    const fetched = await runCli([
      'fetch',
      '--file',
      sharedFile('binance_datatool', 'BTCUSDT-1m-2020-01-01.zip'),
      '--exchange',
      'binance_spot',
      '--quiet',
    ]);
    expect(fetched.code).toBe(0);
    expect(parseLines(fetched.stdout)).toHaveLength(1440);
    const dir = freshDir();
    const parts = await write(dir, fetched.stdout);
    expect(parts.map((p) => [p.rows, p.min_time, p.max_time])).toEqual([
      [1440, '2020-01-01T00:00:00.000Z', '2020-01-01T23:59:00.000Z'],
    ]);
    expect(await read(dir, '--kind', 'candles', '--symbol', 'BTCUSDT', '--interval', '1m')).toBe(
      fetched.stdout,
    );
  });
});

describe('store write: idempotence', () => {
  it('writing the same input twice gives the same rows, not twice as many', async () => {
    const input = await gen(['candles', '--count', '2000', '--from', '2024-05-01']);
    const dir = freshDir();
    const first = await write(dir, input);
    const second = await write(dir, input);
    expect(second).toEqual(first);
    expect(await read(dir, '--kind', 'candles')).toBe(input);
  });

  it('writing days again replaces those days and keeps the others', async () => {
    const a = await gen(['candles', '--count', '4320', '--from', '2024-05-01', '--seed', '1']);
    const b = await gen(['candles', '--count', '4320', '--from', '2024-05-02', '--seed', '2']);
    const dir = freshDir();
    await write(dir, a);
    const parts = await write(dir, b);
    expect(parts.map((p) => [p.rows, p.written, p.min_time, p.max_time])).toEqual([
      [5760, 4320, '2024-05-01T00:00:00.000Z', '2024-05-04T23:59:00.000Z'],
    ]);
    const day1 = a.split('\n').slice(0, 1440).join('\n');
    expect(await read(dir, '--kind', 'candles')).toBe(`${day1}\n${b}`);
  });
});

describe('store write: crash safety', () => {
  it('kill -9 while the partition is being rewritten leaves the old partition and manifest', async () => {
    const dir = freshDir();
    const old = await gen(['candles', '--count', '600', '--from', '2024-01-01']);
    await write(dir, old);
    const manifest = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const big = join(ROOT_TMP, 'big.ndjson');
    const r = await runCli([
      'generate',
      'candles',
      '--count',
      '600000',
      '--interval',
      '1s',
      '--from',
      '2024-01-01',
    ]);
    writeFileSync(big, r.stdout);
    const folder = join(dir, 'binance_spot/candles/BTCUSDT/1m/year=2024/month=01');
    const bigFolder = join(dir, 'binance_spot/candles/BTCUSDT/1s/year=2024/month=01');
    const child = spawn(process.execPath, [BIN, 'store', 'write', dir, big], { cwd: ROOT, stdio: 'ignore' });
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    // Wait for the condition: the writer's temporary file exists (it is writing the partition).
    let seen = false;
    while (!seen) {
      seen = existsSync(bigFolder) && readdirSync(bigFolder).some((f) => f.startsWith('.data.parquet.tmp-'));
      if (!seen) await new Promise((res) => setImmediate(res));
      if (child.exitCode !== null) break;
    }
    expect(seen).toBe(true);
    child.kill('SIGKILL');
    await closed;
    expect(existsSync(join(bigFolder, 'data.parquet'))).toBe(false);
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(manifest);
    expect(readdirSync(folder)).toEqual(['data.parquet']);
    expect(await read(dir, '--kind', 'candles')).toBe(old);
    // The next write of that partition clears the dead writer's temporary file.
    await write(dir, await gen(['candles', '--count', '10', '--interval', '1s', '--from', '2024-01-01']));
    expect(readdirSync(bigFolder).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 120_000);
});

describe('store read: time order', () => {
  it('merges symbols and partitions by open_time, ties in symbol order', async () => {
    const btc = await gen(['candles', '--count', '3000', '--from', '2024-02-28', '--interval', '1m']);
    const eth = await gen([
      'candles',
      '--count',
      '1000',
      '--from',
      '2024-02-29T12:00:00Z',
      '--interval',
      '3m',
      '--symbol',
      'ETHUSDT',
      '--seed',
      '9',
    ]);
    const dir = freshDir();
    // ETH first, so the store's order is not the input's.
    await write(dir, eth + btc);
    const out = parseLines(await read(dir, '--kind', 'candles'));
    const expected = [...parseLines(btc), ...parseLines(eth)].sort((x, y) =>
      x.open_time === y.open_time
        ? (x.symbol as string).localeCompare(y.symbol as string)
        : (x.open_time as string) < (y.open_time as string)
          ? -1
          : 1,
    );
    expect(out).toHaveLength(4000);
    expect(out).toEqual(expected);
    const onlyEth = await read(dir, '--kind', 'candles', '--symbol', 'ETHUSDT');
    expect(onlyEth).toBe(eth);
  });
});

describe('query', () => {
  it('counts and sums per day match the records', async () => {
    const input = await gen(['candles', '--count', '4320', '--from', '2024-01-31', '--seed', '5']);
    const dir = freshDir();
    await write(dir, input);
    const r = await runCli([
      'query',
      dir,
      "SELECT strftime(open_time, '%Y-%m-%d') AS day, count(*) AS n, sum(volume) AS volume, max(high) AS high FROM candles GROUP BY day ORDER BY day",
    ]);
    expect(r.code).toBe(0);
    const byDay = new Map<string, { n: number; volume: number; high: number }>();
    for (const c of parseLines(input)) {
      const day = (c.open_time as string).slice(0, 10);
      const d = byDay.get(day) ?? { n: 0, volume: 0, high: 0 };
      d.n++;
      d.volume += c.volume as number;
      d.high = Math.max(d.high, c.high as number);
      byDay.set(day, d);
    }
    const rows = parseLines(r.stdout);
    expect(rows.map((x) => x.day)).toEqual([...byDay.keys()]);
    for (const row of rows) {
      const d = byDay.get(row.day as string)!;
      expect(row.n).toBe(1440);
      expect(row.high).toBe(d.high);
      expect(row.volume as number).toBeCloseTo(d.volume, 6);
    }
    const csv = await runCli([
      'query',
      dir,
      'SELECT symbol, count(*) AS n FROM candles GROUP BY symbol',
      '--format',
      'csv',
    ]);
    expect(csv.stdout).toBe('symbol,n\nBTCUSDT,4320\n');
  });

  it('a malformed SQL is a usage error naming the place, exit 2', async () => {
    const dir = freshDir();
    await write(dir, await gen(['candles', '--count', '10']));
    const r = await runCli(['query', dir, 'SELEC count(*) FROM candles']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/SQL: Parser Error: syntax error at or near "SELEC"/);
    expect(r.stderr).toMatch(/LINE 1/);
    const unknown = await runCli(['query', dir, 'SELECT * FROM trades']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/trades does not exist[\s\S]*the store's views: candles/);
  });
});

/** Sets `volume` of the candle opened at `openTime` in the store's Parquet files, behind store write's back. */
async function corruptVolume(dir: string, openTime: string, volume: number): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet'));
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) {
    const path = join(dir, f);
    await connection.run(
      `COPY (SELECT * REPLACE (CASE WHEN open_time = TIMESTAMP '${openTime.replace('T', ' ').replace('Z', '')}' THEN ${volume} ELSE volume END AS volume) FROM read_parquet('${path}')) TO '${path}.x' (FORMAT parquet)`,
    );
    renameSync(`${path}.x`, path);
  }
  connection.closeSync();
  instance.closeSync();
}

describe('bad input', () => {
  it('a missing DIR: store read and query exit 2 saying it is not a store', async () => {
    const dir = join(ROOT_TMP, 'nothing-here');
    const r = await runCli(['store', 'read', dir, '--kind', 'candles']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dir}: not a store (no manifest.json`);
    const q = await runCli(['query', dir, 'SELECT 1']);
    expect(q.code).toBe(2);
    expect(q.stderr).toContain('not a store');
  });

  it('a record the store cannot place is a located error, exit 1, and nothing is written', async () => {
    const dir = freshDir();
    // A valid trade whose symbol is not a folder name.
    const input = `${(await gen(['candles', '--count', '3'])).trimEnd()}\n{"type":"trade","time":"2024-01-01T00:00:00.000Z","exchange":"binance_spot","symbol":"../BTC","id":1,"price":1,"amount":1,"side":"buy"}\n`;
    const r = await runCli(['store', 'write', dir], input);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stdin:4: cannot store a "trade" record: "symbol" must be a name/);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
  });

  it('a symbol not in the store is a usage error naming what it has', async () => {
    const dir = freshDir();
    await write(dir, await gen(['candles', '--count', '3']));
    const r = await runCli(['store', 'read', dir, '--kind', 'candles', '--symbol', 'DOGEUSDT']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no candles of DOGEUSDT in the store \(it has candles of BTCUSDT\)/);
  });
});

describe('backtest --store', () => {
  it('gives the same output as backtest on the NDJSON file the store was written from', async () => {
    const input = await gen(['candles', '--count', '5000', '--from', '2024-01-30', '--seed', '11']);
    const file = join(ROOT_TMP, 'bt.ndjson');
    writeFileSync(file, input);
    const dir = freshDir();
    await write(dir, input);
    const args = ['--strategy', 'sma-cross', '--quiet'];
    const plain = await runCli(['backtest', file, ...args]);
    const stored = await runCli(['backtest', '--store', dir, '--symbol', 'BTCUSDT', ...args]);
    expect(plain.code).toBe(0);
    expect(stored.code, stored.stderr).toBe(0);
    expect(parseLines(plain.stdout).filter((r) => r.type === 'fill').length).toBeGreaterThan(0);
    expect(stored.stdout).toBe(plain.stdout);
    // And the same as store read | backtest.
    const piped = await runCli(['backtest', ...args], await read(dir, '--kind', 'candles'));
    expect(piped.stdout).toBe(stored.stdout);
    // A range reads only that part: the same as the NDJSON clipped to it.
    const clipped = input
      .split('\n')
      .filter((l) => l !== '' && JSON.parse(l).open_time >= '2024-02-01')
      .join('\n');
    const part = await runCli(['backtest', ...args], `${clipped}\n`);
    const ranged = await runCli(['backtest', '--store', dir, '--from', '2024-02-01', ...args]);
    expect(ranged.stdout).toBe(part.stdout);
  });
});

describe('backtest --store: records checked by column, not validated again', () => {
  const args = ['--strategy', 'sma-cross', '--param', 'fast=5', '--param', 'slow=20', '--quiet'];

  it('two symbols merged by time give the output of backtest on store read of them', async () => {
    const btc = await gen(['candles', '--count', '3000', '--from', '2024-01-31', '--seed', '31']);
    const eth = await gen([
      'candles',
      '--count',
      '3000',
      '--from',
      '2024-01-31',
      '--symbol',
      'ETHUSDT',
      '--price',
      '2500',
      '--seed',
      '32',
    ]);
    const dir = freshDir();
    await write(dir, btc + eth);
    const merged = await read(dir, '--kind', 'candles');
    expect(merged.split('\n').filter((l) => l.includes('"ETHUSDT"')).length).toBe(3000);
    const piped = await runCli(['backtest', ...args], merged);
    const stored = await runCli(['backtest', '--store', dir, ...args]);
    expect(stored.code, stored.stderr).toBe(0);
    const fills = parseLines(stored.stdout).filter((r) => r.type === 'fill');
    expect(new Set(fills.map((f) => f.symbol))).toEqual(new Set(['BTCUSDT', 'ETHUSDT']));
    expect(stored.stdout).toBe(piped.stdout);
    // Every merged batch was marked, with each record's own time.
    let marked = 0;
    for await (const batch of storeRead({ dir, kind: 'candles', markValid: true })) {
      const times = validatedTimes(batch);
      expect(times?.time.length).toBe(batch.length);
      expect([...times!.time]).toEqual(batch.map((r) => Date.parse(r.time as string) * 1000));
      marked += batch.length;
    }
    expect(marked).toBe(6000);
  });

  it('the byte path (what the command writes) takes the marked batches as validated, as the record path does', async () => {
    const dir = freshDir();
    await write(dir, await gen(['candles', '--count', '2000', '--seed', '34']));
    const engineFor = async () =>
      createEngine({
        config: structuredClone(DEFAULT_CONFIG),
        strategy: await loadStrategy('sma-cross', { fast: 5, slow: 20 }),
      });
    const check = vi.spyOn(RecordValidator.prototype, 'check');
    try {
      const bytes: Buffer[] = [];
      for await (const b of backtestNdjson(
        storeRead({ dir, kind: 'candles', markValid: true }),
        await engineFor(),
      ))
        bytes.push(b.bytes);
      expect(check).not.toHaveBeenCalled();
      const records = await collect(
        backtest(storeRead({ dir, kind: 'candles', markValid: true }), await engineFor()),
      );
      expect(check).not.toHaveBeenCalled();
      // Unmarked, the same records are validated one by one, and the output is the same.
      const plain = await collect(backtest(storeRead({ dir, kind: 'candles' }), await engineFor()));
      expect(check).toHaveBeenCalledTimes(2000);
      const text = Buffer.concat(bytes).toString();
      expect(text).toBe(records.map((r) => `${serialize(r)}\n`).join(''));
      expect(plain.map((r) => serialize(r))).toEqual(records.map((r) => serialize(r)));
      expect(records.filter((r) => r.type === 'equity').length).toBe(2000);
    } finally {
      check.mockRestore();
    }
  });

  it('store write refuses a market record the validator refuses, exit 1, naming it, and writes nothing', async () => {
    const lines = (await gen(['candles', '--count', '3'])).trimEnd().split('\n');
    for (const [field, value, message] of [
      ['high', '"abc"', 'expected a positive number for "high", found "abc"'],
      ['volume', '-1', 'expected a non-negative number for "volume", found -1'],
      ['close', 'true', 'expected a positive number for "close", found true'],
    ] as const) {
      const broken = [...lines];
      broken[1] = broken[1]!.replace(new RegExp(`"${field}":[^,}]*`), `"${field}":${value}`);
      const dir = freshDir();
      const r = await runCli(['store', 'write', dir], `${broken.join('\n')}\n`);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`stdin:2: ${message}; nothing was written`);
      expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
    }
  });

  it('a candle the validator refuses is refused with its message, exit 1, as store read | backtest', async () => {
    const lines = (await gen(['candles', '--count', '3000', '--seed', '33'])).trim().split('\n');
    const clean = [...lines];
    const bad = JSON.parse(lines[2500]!);
    bad.volume = -1;
    lines[2500] = JSON.stringify(bad);
    const dir = freshDir();
    // store write refuses such a record (below), so the store is corrupted afterwards, as a store
    // edited by hand or written by another program would be.
    await write(dir, `${clean.join('\n')}\n`);
    await corruptVolume(dir, bad.open_time as string, -1);
    const piped = await runCli(['backtest', ...args], await read(dir, '--kind', 'candles'));
    const stored = await runCli(['backtest', '--store', dir, ...args]);
    expect(piped.code).toBe(1);
    expect(piped.stderr).toContain('stdin:2501: expected a non-negative number for "volume", found -1');
    expect(stored.code).toBe(1);
    expect(stored.stderr).toContain('expected a non-negative number for "volume", found -1');
    // What came before the bad candle is the same (the piped run may have written more of it).
    expect(stored.stdout.length).toBeGreaterThan(0);
    expect(piped.stdout.startsWith(stored.stdout)).toBe(true);
  });
});

describe('backtest --store and sweep --store: one interval, the same reader', () => {
  it('--interval picks one of the intervals a symbol has; without it the run is refused, exit 2', async () => {
    const minutes = await gen(['candles', '--count', '3000', '--from', '2024-03-01', '--seed', '21']);
    const hours = await gen([
      'candles',
      '--count',
      '200',
      '--from',
      '2024-03-01',
      '--interval',
      '1h',
      '--seed',
      '22',
    ]);
    const dir = freshDir();
    await write(dir, minutes + hours);
    const args = ['--strategy', 'sma-cross', '--param', 'fast=5', '--param', 'slow=20', '--quiet'];
    const refused = await runCli(['backtest', '--store', dir, ...args]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(
      'the store has candles of binance_spot BTCUSDT at 1h, 1m: choose one with --interval',
    );
    for (const [interval, input] of [
      ['1m', minutes],
      ['1h', hours],
    ] as const) {
      const plain = await runCli(['backtest', ...args], input);
      const stored = await runCli(['backtest', '--store', dir, '--interval', interval, ...args]);
      expect(stored.code, stored.stderr).toBe(0);
      expect(parseLines(plain.stdout).filter((r) => r.type === 'fill').length).toBeGreaterThan(0);
      expect(stored.stdout).toBe(plain.stdout);
    }
  });

  it('sweep --store ranks the same runs as sweep on the NDJSON file, refusing mixed intervals the same way', async () => {
    const input = await gen(['candles', '--count', '4000', '--from', '2024-01-31', '--seed', '23']);
    const file = join(ROOT_TMP, 'sweep.ndjson');
    writeFileSync(file, input);
    const dir = freshDir();
    await write(dir, input);
    const grid = ['--strategy', 'sma-cross', '--grid', 'fast=5,10', '--grid', 'slow=20,40', '-j', '1', '-q'];
    const plain = await runCli(['sweep', file, ...grid]);
    const stored = await runCli(['sweep', '--store', dir, '--symbol', 'BTCUSDT', ...grid]);
    expect(plain.code).toBe(0);
    expect(stored.code, stored.stderr).toBe(0);
    const runs = parseLines(stored.stdout).filter((r) => r.type === 'sweep_run');
    expect(runs).toHaveLength(4);
    expect(runs.some((r) => (r.trades as number) > 0)).toBe(true);
    expect(stored.stdout).toBe(plain.stdout);
    await write(dir, await gen(['candles', '--count', '50', '--from', '2024-01-31', '--interval', '1h']));
    const mixed = await runCli(['sweep', '--store', dir, ...grid]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('at 1h, 1m: choose one with --store-interval');
    const picked = await runCli(['sweep', '--store', dir, '--store-interval', '1m', ...grid]);
    expect(picked.stdout).toBe(plain.stdout);
  });

  it('FILE and --store together, or --symbol without --store, are usage errors', async () => {
    const dir = freshDir();
    await write(dir, await gen(['candles', '--count', '10']));
    const both = await runCli(['backtest', join(ROOT_TMP, 'x.ndjson'), '--store', dir]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give FILE or --store, not both');
    const symbol = await runCli(['sweep', '--symbol', 'BTCUSDT', '--grid', 'fast=5'], '');
    expect(symbol.code).toBe(2);
    expect(symbol.stderr).toContain('--symbol selects from a store: give --store DIR too');
  });
});

describe('store read: large partitions and sparse columns', () => {
  it('a partition of more rows than one read slice comes back whole and in order, also clipped across the slice edge', async () => {
    // 200,000 1s candles in one month: more than the 131,072 rows read from DuckDB at a time.
    const input = await gen([
      'candles',
      '--count',
      '200000',
      '--interval',
      '1s',
      '--from',
      '2024-06-01',
      '--seed',
      '24',
    ]);
    const dir = freshDir();
    const parts = await write(dir, input);
    expect(parts.map((p) => p.rows)).toEqual([200000]);
    expect(await read(dir, '--kind', 'candles')).toBe(input);
    // Rows 131,000 to 131,199 straddle the slice edge at 131,072.
    const lines = input.split('\n').slice(0, -1);
    const from = JSON.parse(lines[131000]!).open_time as string;
    const to = JSON.parse(lines[131200]!).open_time as string;
    expect(await read(dir, '--kind', 'candles', '--from', from, '--to', to)).toBe(
      `${lines.slice(131000, 131200).join('\n')}\n`,
    );
  }, 120_000);

  it('columns present in some files only, and names that vary or not, come back as written', async () => {
    const lines = [
      // January: no local_time, one side only (a constant column); February: local_time, both sides.
      '{"type":"trade","time":"2024-01-31T23:59:59.000Z","exchange":"bybit_linear","symbol":"ETHUSDT","id":1,"price":2300.5,"amount":0.1,"side":"buy"}',
      '{"type":"trade","time":"2024-01-31T23:59:59.500Z","exchange":"bybit_linear","symbol":"ETHUSDT","id":2,"price":2300.25,"amount":0.2,"side":"buy"}',
      '{"type":"trade","time":"2024-02-01T00:00:00.000123Z","exchange":"bybit_linear","symbol":"ETHUSDT","id":3,"price":2301,"amount":1.5,"side":"sell","local_time":"2024-02-01T00:00:00.004567Z"}',
      '{"type":"trade","time":"2024-02-01T00:00:01.000Z","exchange":"bybit_linear","symbol":"ETHUSDT","id":4,"price":2302,"amount":3,"side":"buy"}',
    ];
    const dir = freshDir();
    await write(dir, `${lines.join('\n')}\n`);
    expect(await read(dir, '--kind', 'trades')).toBe(`${lines.join('\n')}\n`);
    const records = await collect(storeRead({ dir, kind: 'trades' }));
    expect(records).toEqual(lines.map((l) => JSON.parse(l)));
  });
});
