/**
 * The candle line scanner against JSON.parse and the validator: whatever it accepts it must read
 * exactly as JSON.parse does (the same members, in the same order, the same values) and be what
 * validation passes unchanged, with the same times; whatever it is unsure of it must refuse. And
 * readCandleRecords must give the records, line numbers and errors readRecords gives.
 */

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/generate/random.js';
import { CandleLineScanner } from '../../src/core/io/candle-scan.js';
import type { Input } from '../../src/core/io/input.js';
import { ErrorPolicy } from '../../src/core/io/lines.js';
import { readCandleRecords, readRecords } from '../../src/core/io/pipeline.js';
import { collect } from '../../src/core/io/stream.js';
import { lineOf, type WireRecord } from '../../src/core/records/record.js';
import { RecordValidator } from '../../src/core/records/validate.js';

const line = (over: Partial<Record<string, string>> = {}, tail = true): string => {
  const f = {
    time: '"2024-01-01T00:01:00.000Z"',
    exchange: '"binance_spot"',
    symbol: '"BTCUSDT"',
    interval: '"1m"',
    open_time: '"2024-01-01T00:00:00.000Z"',
    open: '42000',
    high: '42032.46',
    low: '41975.29',
    close: '42021.43',
    volume: '16.31734',
    quote_volume: '685447.315',
    trades: '274',
    taker_buy_volume: '7.98638',
    ...over,
  };
  const head = `{"type":"candle","time":${f.time},"exchange":${f.exchange},"symbol":${f.symbol},"interval":${f.interval},"open_time":${f.open_time},"open":${f.open},"high":${f.high},"low":${f.low},"close":${f.close},"volume":${f.volume}`;
  return tail
    ? `${head},"quote_volume":${f.quote_volume},"trades":${f.trades},"taker_buy_volume":${f.taker_buy_volume}}`
    : `${head}}`;
};

function scan(text: string, s = new CandleLineScanner()): WireRecord | undefined {
  const b = Buffer.from(text, 'utf8');
  return s.read(b, 0, b.length, 7);
}

/** What the validator makes of a record: its verdict and the fields a consumer reads. */
function checked(rec: WireRecord): unknown {
  const v = new RecordValidator();
  const problem = v.check(rec);
  return {
    problem,
    same: v.record === rec,
    timeUs: v.timeUs,
    timePrecision: v.timePrecision,
    openTimeUs: v.openTimeUs,
    interval: v.interval,
    localTimeUs: v.localTimeUs,
  };
}

/** Scanned and parsed records are the same: members, order, values (-0 told from 0). */
function expectSame(a: WireRecord, b: WireRecord, what: string): void {
  expect(Object.keys(a), what).toEqual(Object.keys(b));
  for (const k of Object.keys(b)) expect(Object.is(a[k], b[k]), `${what}: ${k}`).toBe(true);
}

describe('CandleLineScanner', () => {
  it('reads what JSON.parse reads, and validation passes it with the same times', () => {
    const lines = [
      line(),
      line({}, false),
      line({ time: '"2024-02-29T23:59:59.999999Z"', open_time: '"2024-02-29T23:59:00.000000Z"' }),
      line({ close: '0.000000000000000001', open: '1e18', high: '1E+2', low: '123456789012345678' }),
      line({ volume: '0', quote_volume: '-0', trades: '0', taker_buy_volume: '0.0' }),
      line({ close: '1234567.89012345', volume: '0.1234567890123456789' }),
      line({ symbol: '"ÉTH"' }), // not ASCII: refused below, so not here
    ].slice(0, -1);
    const s = new CandleLineScanner();
    for (const text of lines) {
      const rec = scan(text, s);
      expect(rec, text).toBeDefined();
      const parsed = JSON.parse(text) as WireRecord;
      expectSame(rec!, parsed, text);
      expect(lineOf(rec!)).toBe(7);
      expect(checked(rec!), text).toEqual(checked(parsed));
    }
  });

  it("gives a candle's open_time the string of the time before only when it is the same text", () => {
    const s = new CandleLineScanner();
    const t1 = '"2024-01-01T00:01:00.000Z"';
    const t2 = '"2024-01-01T00:02:00.000Z"';
    const lines = [
      line({ time: t1, open_time: '"2024-01-01T00:00:00.000Z"' }),
      line({ time: t2, open_time: t1 }), // the time before: its string
      line({ time: '"2024-01-01T00:03:00.000000Z"', open_time: '"2024-01-01T00:02:00.000000Z"' }), // same instant, other text
      line({ time: '"2024-01-01T00:04:00.000Z"', open_time: '"2024-01-01T00:03:00.000Z"' }), // same instant, other text
      line({ time: '"2024-01-01T00:05:00.000Z"', open_time: '"2024-01-01T00:01:00.000Z"' }), // not the time before
    ];
    const recs = lines.map((text) => {
      const rec = scan(text, s);
      expect(rec, text).toBeDefined();
      expectSame(rec!, JSON.parse(text) as WireRecord, text);
      return rec!;
    });
    expect(recs.map((r) => r.open_time)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T00:01:00.000Z',
      '2024-01-01T00:02:00.000000Z',
      '2024-01-01T00:03:00.000Z',
      '2024-01-01T00:01:00.000Z',
    ]);
    expect(recs.map((r) => checked(r))).toEqual(lines.map((t) => checked(JSON.parse(t) as WireRecord)));
  });

  it('refuses what it cannot be sure of, and what validation would not pass unchanged', () => {
    const refused = [
      `${line()} `,
      line().replace(',"exchange"', ', "exchange"'),
      line()
        .replace('"symbol":"BTCUSDT",', '')
        .replace('"exchange":"binance_spot"', '"symbol":"BTCUSDT","exchange":"binance_spot"'),
      line().replace('}', ',"extra":1}'),
      line().replace(',"trades":274', ''),
      line().replace('{"type":"candle",', '{"type":"candle","local_time":"2024-01-01T00:01:00.001Z",'),
      line({ symbol: '"ÉTH"' }),
      line({ symbol: '"BTC\\u0055SDT"' }),
      line({ symbol: '""' }),
      line({ exchange: '1' }),
      line({ interval: '"1x"' }),
      line({ interval: '"0m"' }),
      line({ time: '"2024-02-30T00:00:00.000Z"' }),
      line({ time: '"2023-02-29T00:00:00.000Z"' }),
      line({ time: '"2024-01-01 00:01:00.000Z"' }),
      line({ time: '"2024-01-01T24:00:00.000Z"' }),
      line({ time: '"2024-01-01T00:01:00Z"' }),
      line({ time: '"2024-01-01T00:01:00.0000Z"' }),
      line({ time: '"2100-01-01T00:00:00.000Z"' }),
      line({ time: '1704067260000' }),
      line({ open_time: '"1969-12-31T23:59:59.999Z"' }),
      line({ open: '0' }),
      line({ open: '-1' }),
      line({ high: '1e19' }),
      line({ low: '1e-19' }),
      line({ close: '"42021.43"' }),
      line({ close: '01' }),
      line({ close: '1.' }),
      line({ close: '.5' }),
      line({ close: '1e' }),
      line({ close: 'null' }),
      line({ volume: '-1' }),
      line({ trades: '1.5' }),
      line({ taker_buy_volume: '2e18' }),
    ];
    const s = new CandleLineScanner();
    expect(scan(line(), s)).toBeDefined();
    for (const text of refused) expect(scan(text, s), text).toBeUndefined();
    // The remembered interval and date are not trusted for a line that differs from them.
    expect(scan(line({ interval: '"1x"' }), s)).toBeUndefined();
    expect(scan(line({ interval: '"1m"' }), s)).toBeDefined();
  });

  it('reads random numbers as JSON.parse does', () => {
    const rng = new Rng(11);
    const s = new CandleLineScanner();
    for (let i = 0; i < 20_000; i++) {
      const digits = rng.int(1, 19);
      let m = '';
      for (let k = 0; k < digits; k++) m += String(rng.int(k === 0 ? 1 : 0, 9));
      const point = rng.int(0, digits);
      const text = point === digits ? m : `${m.slice(0, point) || '0'}.${m.slice(point)}`;
      const n = rng.int(0, 9) === 0 ? `${text}e${rng.int(-20, 5)}` : text;
      const l = line({ close: n, volume: n });
      const rec = scan(l, s);
      const parsed = JSON.parse(l) as WireRecord;
      if (rec === undefined) {
        expect(checked(parsed), l).not.toMatchObject({ problem: undefined, same: true });
        continue;
      }
      expectSame(rec, parsed, l);
    }
  });

  it('accepts nothing that JSON.parse and validation would read otherwise (random damage)', () => {
    const rng = new Rng(5);
    const base = Buffer.from(line(), 'latin1');
    const alphabet = Buffer.from('0123456789.-+eE",:{}[] \\ZTabcxn', 'latin1');
    const s = new CandleLineScanner();
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const b = Buffer.from(base);
      const hits = rng.int(1, 3);
      for (let h = 0; h < hits; h++) b[rng.int(0, b.length - 1)] = alphabet[rng.int(0, alphabet.length - 1)]!;
      const text = b.toString('latin1');
      const rec = s.read(b, 0, b.length, 1);
      if (rec === undefined) continue;
      accepted++;
      const parsed = JSON.parse(text) as WireRecord;
      expectSame(rec, parsed, text);
      expect(checked(rec), text).toEqual(checked(parsed));
      expect(checked(parsed), text).toMatchObject({ problem: undefined, same: true });
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});

function input(text: string, chunk = 97): Input {
  const bytes = Buffer.from(text, 'utf8');
  return {
    name: 'test.ndjson',
    size: bytes.length,
    bytesRead: () => bytes.length,
    close: () => {},
    chunks: (async function* () {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    })(),
  };
}

describe('readCandleRecords', () => {
  const text = [
    line(),
    '',
    line({ time: '"2024-01-01T00:02:00.000Z"', close: '"42021.5"' }),
    '{"type":"trade","time":"2024-01-01T00:02:00.000Z","exchange":"x","symbol":"Y","id":1,"price":1,"amount":1,"side":"buy"}',
    'not json',
    '[1]',
    '{"type":""}',
    `${line({ time: '"2024-01-01T00:03:00.000Z"' })}\r`,
    line({ time: '"2024-01-01T00:04:00.000Z"', symbol: '"ÉTH"' }),
    line({ time: '"2024-01-01T00:05:00.000Z"' }, false),
  ].join('\n');

  it('gives the records, line numbers and skipped errors readRecords gives', async () => {
    for (const chunk of [7, 97, 100_000]) {
      const p1 = new ErrorPolicy('skip');
      const p2 = new ErrorPolicy('skip');
      const a = await collect(readRecords(input(text, chunk), p1));
      const b = await collect(readCandleRecords(input(text, chunk), p2));
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) {
        expectSame(b[i]!, a[i]!, String(i));
        expect(lineOf(b[i]!)).toBe(lineOf(a[i]!));
      }
      expect([p2.skipped, p2.firstProblem]).toEqual([p1.skipped, p1.firstProblem]);
    }
  });

  it('fails at the same line with the same message', async () => {
    const message = async (stream: AsyncIterable<unknown>) => {
      try {
        for await (const _ of stream);
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    };
    const a = await message(readRecords(input(text), new ErrorPolicy('fail')));
    const b = await message(readCandleRecords(input(text), new ErrorPolicy('fail')));
    expect(a).toContain('test.ndjson:5');
    expect(b).toBe(a);
  });
});
