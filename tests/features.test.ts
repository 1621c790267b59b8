/**
 * tickpipe features: the documented column names, null during warm-up, values equal to the
 * indicator classes (each cross-checked in tests/unit/indicator-families.test.ts and
 * indicators.test.ts), separate state per instrument, and usage errors.
 */

import { describe, expect, it } from 'vitest';
import { featureCatalogue } from '../src/core/features/registry.js';
import { ADX, Bollinger, MACD, SMA } from '../src/core/indicators/index.js';
import { parseLines, runInProcess } from './helpers/cli.js';

async function gen(count: number, symbol = 'BTCUSDT') {
  const r = await runInProcess([
    'generate',
    'candles',
    '--count',
    String(count),
    '--symbol',
    symbol,
    '--seed',
    '3',
  ]);
  return r.stdout;
}

describe('tickpipe features', () => {
  it('appends sma_20, macd_12_26_9 (+ _signal, _histogram), bollinger_20_2 (+ _upper, _lower) and adx_14 (+ _pdi, _mdi)', async () => {
    const input = await gen(300);
    const r = await runInProcess(
      ['features', '--add', 'sma:20', '--add', 'macd:12,26,9', '--add', 'bollinger', '--add', 'adx'],
      input,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = parseLines(r.stdout);
    const src = parseLines(input);
    expect(out).toHaveLength(300);
    const cols = [
      'sma_20',
      'macd_12_26_9',
      'macd_12_26_9_signal',
      'macd_12_26_9_histogram',
      'bollinger_20_2',
      'bollinger_20_2_upper',
      'bollinger_20_2_lower',
      'adx_14',
      'adx_14_pdi',
      'adx_14_mdi',
    ];
    expect(Object.keys(out[0]!)).toEqual([...Object.keys(src[0]!), ...cols]);
    // each line is exactly the JSON of its record (the columns are appended to the input's text)
    r.stdout
      .trimEnd()
      .split('\n')
      .forEach((line, i) => {
        expect(line).toBe(JSON.stringify(out[i]));
      });
    const sma = new SMA(20);
    const macd = new MACD(12, 26, 9);
    const bb = new Bollinger(20, 2);
    const adx = new ADX(14);
    src.forEach((c, i) => {
      const [h, l, cl] = [c.high as number, c.low as number, c.close as number];
      const s = sma.update(cl);
      const m = macd.update(cl);
      const b = bb.update(cl);
      const a = adx.update(h, l, cl);
      const o = out[i]!;
      expect(o.sma_20).toBe(s ?? null);
      expect(o.macd_12_26_9_signal).toBe(m?.signal ?? null);
      expect(o.bollinger_20_2_upper).toBe(b?.upper ?? null);
      expect(o.adx_14_mdi).toBe(a?.mdi ?? null);
    });
    // warm-up: null until valid
    expect(out[18]!.sma_20).toBeNull();
    expect(out[19]!.sma_20).not.toBeNull();
    expect(out[32]!.macd_12_26_9_signal).toBeNull(); // 26 + 9 - 1 = 34 candles
    expect(out[33]!.macd_12_26_9_signal).not.toBeNull();
    expect(out[25]!.adx_14).toBeNull(); // 2 x 14 - 1 = 27 candles
    expect(out[26]!.adx_14).not.toBeNull();
  });

  it('every catalogue entry runs with its defaults; at least 30 indicators', async () => {
    const names = featureCatalogue().map((f) => f.name);
    expect(names.length).toBeGreaterThanOrEqual(30);
    const r = await runInProcess(['features', ...names.flatMap((n) => ['--add', n])], await gen(200));
    expect(r.code, r.stderr).toBe(0);
    const last = parseLines(r.stdout).at(-1)!;
    for (const [k, v] of Object.entries(last))
      if (!['type', 'time', 'exchange', 'symbol', 'interval', 'open_time'].includes(k))
        expect(typeof v, k).toBe('number');
  });

  it('instruments keep separate state; other records pass through unchanged', async () => {
    const a = parseLines(await gen(5, 'AAAUSDT'));
    const b = parseLines(await gen(5, 'BBBUSDT'));
    const mixed = [a[0], b[0], a[1], { type: 'note', n: 1 }, b[1], a[2]]
      .map((x) => JSON.stringify(x))
      .join('\n');
    const r = await runInProcess(['features', '--add', 'sma:2'], `${mixed}\n`);
    const out = parseLines(r.stdout);
    expect(out.map((o) => ('sma_2' in o ? o.sma_2 : 'x'))).toEqual([
      null,
      null,
      ((a[0]!.close as number) + (a[1]!.close as number)) / 2,
      'x',
      ((b[0]!.close as number) + (b[1]!.close as number)) / 2,
      ((a[1]!.close as number) + (a[2]!.close as number)) / 2,
    ]);
    expect(out[3]).toEqual({ type: 'note', n: 1 });
  });

  it('a column the candle already has is replaced, not written twice', async () => {
    const rec = {
      type: 'candle',
      exchange: 'x',
      symbol: 'Y',
      interval: '1m',
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 1,
      sma_2: 5,
    };
    const r = await runInProcess(['features', '--add', 'sma:2'], `${JSON.stringify(rec)}\n`);
    expect(r.stdout).toBe(`${JSON.stringify({ ...rec, sma_2: null })}\n`);
  });

  it('usage errors name the problem', async () => {
    const input = await gen(3);
    const cases: [string[], RegExp][] = [
      [['--add', 'smaa:3'], /unknown feature "smaa:3"; expected one of sma, ema/],
      [['--add', 'sma:0'], /--add sma:0: expected a whole number >= 1 for n/],
      [['--add', 'sma:1.5'], /whole number/],
      [['--add', 'sma:3,4'], /sma takes at most 1 \(n\)/],
      [['--add', 'obv:3'], /obv takes no parameters/],
      [['--add', 'sma:3', '--add', 'sma:3'], /the column sma_3 is asked for twice/],
      [['--add', 'psar:0.3,0.2'], /psar:0.3,0.2: Parabolic SAR needs 0 < step <= max/],
    ];
    for (const [args, message] of cases) {
      const r = await runInProcess(['features', ...args], input);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('a candle without a number where one is needed: a located error, exit 1', async () => {
    const r = await runInProcess(
      ['features', '--add', 'sma:2'],
      `${JSON.stringify({ type: 'candle', exchange: 'x', symbol: 'Y', interval: '1m', open: 1, high: 1, low: 1, close: 'abc', volume: 1 })}\n`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stdin:1: expected a number for "close", found "abc"/);
  });

  it('the --help examples run as written (with generated candles for the files they name)', async () => {
    const input = await gen(100);
    for (const args of [
      ['--add', 'sma:20', '--add', 'rsi:14', '--add', 'macd:12,26,9'],
      [
        '--add',
        'returns:1',
        '--add',
        'logret:1',
        '--add',
        'rollvol:20',
        '--add',
        'zscore:20',
        '--add',
        'atr:14',
      ],
      ['--add', 'adx', '--add', 'stoch', '--add', 'obv', '--add', 'mfi', '--add', 'psar'],
    ]) {
      const r = await runInProcess(['features', ...args], input);
      expect(r.code, r.stderr).toBe(0);
      expect(parseLines(r.stdout)).toHaveLength(100);
    }
  });
});

describe('features: the byte path (the command) and the record path (the library)', () => {
  function chunksOf(bytes: Buffer, size: number): AsyncIterable<Buffer> {
    return (async function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })();
  }

  /** Two instruments interleaved, trades, a reordered candle with numbers of every form, a bad line, a blank line, a record that already has sma_20, trailing white space, CRLF, non-ASCII text and a line that is not valid UTF-8. */
  async function mixedInput(): Promise<Buffer> {
    const a = (await gen(400)).trimEnd().split('\n');
    const b = (await gen(150, 'ETHUSDT')).trimEnd().split('\n');
    const lines: string[] = [];
    a.forEach((l, i) => {
      lines.push(l);
      if (i < b.length) lines.push(b[i]!);
      if (i % 50 === 7)
        lines.push(
          `{"type":"trade","time":"2024-01-01T00:00:00.000Z","exchange":"binance_spot","symbol":"BTCUSDT","id":${i},"price":42000,"amount":0.1,"side":"buy"}`,
        );
    });
    lines[30] = `${lines[30]!.slice(0, -1)},"sma_20":1}`;
    lines[31] = `${lines[31]!}  \t`;
    lines[32] = `${lines[32]!}\r`;
    lines[33] = lines[33]!.replace('"binance_spot"', '"binancé\\u00e9"');
    // Lines the scanner reads: members reordered, numbers with exponents, -0, integers, big ones.
    const c = JSON.parse(lines[34]!) as Record<string, unknown>;
    lines[34] = `{"type":"candle","close":${String(c.close)}e0,"volume":-0,"interval":"1m","symbol":"BTCUSDT","exchange":"binance_spot","open":${String(c.open)},"high":123456789012345678,"low":1E-2,"note":null,"ok":true}`;
    lines.splice(40, 0, '', 'not json');
    const text = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    // A candle whose exchange holds a byte that is not UTF-8 (the parser reads it as U+FFFD).
    const bad = Buffer.from(a[60]!.replace('binance_spot', 'binance_sp\u0000t'), 'utf8');
    bad[bad.indexOf(0)] = 0xff;
    return Buffer.concat([text, bad, Buffer.from('\n')]);
  }

  it.each([
    [['sma:20', 'rsi:14', 'macd:12,26,9']],
    [['returns:1', 'logret:1', 'rollvol:20', 'zscore:20', 'atr:14']],
    [['adx', 'stoch', 'obv', 'mfi', 'psar', 'bollinger:20,2']],
    // 15 columns: lines more than twice as long as their input, so the output overtakes the
    // block's copy (startBlock) and the buffer grows; the lines after it are copied another way.
    [['bollinger:20,2', 'keltner', 'donchian', 'adx', 'macd:3,5,2']],
  ])('%j: the same bytes, over two chunk sizes', async (specs) => {
    const { FeatureStage, features, featuresNdjson } = await import('../src/core/features/features.js');
    const { ErrorPolicy, parseRecords, splitLines } = await import('../src/core/io/lines.js');
    const { serialize } = await import('../src/core/records/record.js');
    const input = await mixedInput();
    const recordPolicy = new ErrorPolicy('skip');
    let viaRecords = '';
    let count = 0;
    for await (const batch of features(
      parseRecords(splitLines(chunksOf(input, 65536), 'stdin'), 'stdin', recordPolicy),
      new FeatureStage({ specs, source: 'stdin' }),
    ))
      for (const r of batch) {
        viaRecords += `${serialize(r)}\n`;
        count++;
      }
    expect(count).toBe(400 + 150 + 8 + 1);
    // The candle that had sma_20 has it replaced, not repeated.
    for (const l of viaRecords.split('\n')) expect(l.split('"sma_20"').length).toBeLessThanOrEqual(2);
    for (const size of [65536, 997]) {
      const policy = new ErrorPolicy('skip');
      const viaBytes: Buffer[] = [];
      let records = 0;
      for await (const b of featuresNdjson(
        { chunks: chunksOf(input, size), source: 'stdin', policy },
        new FeatureStage({ specs, source: 'stdin' }),
      )) {
        viaBytes.push(Buffer.from(b.bytes));
        records += b.records;
      }
      // As bytes: the writer writes the record path's text as UTF-8.
      expect(Buffer.concat(viaBytes).equals(Buffer.from(viaRecords, 'utf8'))).toBe(true);
      expect(Buffer.concat(viaBytes).toString('utf8')).toBe(viaRecords);
      expect(records).toBe(count);
      expect([policy.skipped, policy.firstProblem]).toEqual([
        recordPolicy.skipped,
        recordPolicy.firstProblem,
      ]);
      expect(policy.skipped).toBe(1);
    }
  });
});
