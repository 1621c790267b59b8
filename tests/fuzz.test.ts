/**
 * Fuzz targets (fast-check, seeded, each bounded in time; FUZZ_MS sets the bound, default 6 s, and
 * FUZZ_SEED the seed): the record reader, the venue frame parsers, and the order book (the byte
 * path's scanBook against JSON.parse, and the sorted levels against a plain map). Each property
 * compares against an independent computation, so a wrong answer fails as surely as a crash.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookSide } from '../src/core/book/levels.js';
import { OrderbookStage } from '../src/core/book/orderbook.js';
import { orderbook, orderbookNdjson } from '../src/core/book/orderbook-io.js';
import { DataError } from '../src/core/errors.js';
import { BinanceFeed } from '../src/core/exchanges/binance/feed.js';
import { BybitFeed } from '../src/core/exchanges/bybit/feed.js';
import { ErrorPolicy, parseRecords, splitLines } from '../src/core/io/lines.js';
import { collect, fromRecords } from '../src/core/io/stream.js';
import { lineOf, type WireRecord } from '../src/core/records/record.js';
import { RecordValidator } from '../src/core/records/validate.js';

const TIME_MS = Number(process.env.FUZZ_MS ?? 6000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);
let runs = 0;
/** Counts a run of the property being fuzzed (each predicate calls it first). */
const tick = (): void => {
  runs++;
};

/** Runs a property for at most TIME_MS (or numRuns), with the fixed seed; reports how many ran. */
async function fuzz<T extends unknown[]>(
  name: string,
  property: fc.IAsyncProperty<T> | fc.IProperty<T>,
  numRuns = 1_000_000,
) {
  runs = 0;
  await fc.assert(property as fc.IAsyncProperty<T>, {
    seed: SEED,
    numRuns,
    interruptAfterTimeLimit: TIME_MS,
    markInterruptAsFailure: false,
  });
  process.stderr.write(`fuzz ${name}: ${runs} runs (seed ${SEED})\n`);
  expect(runs).toBeGreaterThan(50);
}

async function* chunksOf(bytes: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const end = Math.min(bytes.length, c);
    if (end > at) yield bytes.subarray(at, end);
    at = Math.max(at, end);
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

/** A line as the reader must see it: a JSON object with a string type, or a refusal (reference). */
function referenceRecord(line: string): 'blank' | 'record' | 'bad' {
  if (line.trim().length === 0) return 'blank';
  try {
    const v = JSON.parse(line) as { type?: unknown } | null;
    return v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof v.type === 'string' &&
      v.type.length > 0
      ? 'record'
      : 'bad';
  } catch {
    return 'bad';
  }
}

const jsonLine = fc.oneof(
  fc.json(),
  fc
    .record({ type: fc.constantFrom('trade', 'candle', 'x', ''), v: fc.jsonValue() })
    .map((o) => JSON.stringify(o)),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '{"type":"a"}',
    '',
    '   ',
    '{"type":"a"',
    '{"type":1}',
    '\u001b[2J',
    '{"type":"a","x":1e400}',
  ),
);

describe('fuzz: the record reader', () => {
  it('any bytes in any chunks: each line is a record, a blank, or a located refusal, at its own line number', async () => {
    await fuzz(
      'record reader',
      fc.asyncProperty(
        fc.array(jsonLine, { maxLength: 40 }),
        fc.array(fc.nat(4000), { maxLength: 8 }),
        async (lines, cuts) => {
          tick();
          const text = lines.map((l) => l.replace(/[\r\n]/g, ' ')).join('\n');
          const bytes = Buffer.from(text, 'utf8');
          const problems: string[] = [];
          const policy = new ErrorPolicy('warn', (m) => problems.push(m));
          const out = await collect(parseRecords(splitLines(chunksOf(bytes, cuts), 'fuzz'), 'fuzz', policy));
          // The reference: the text split on newlines, decoded whole.
          const decoded = bytes.toString('utf8').split('\n');
          const expected = decoded.map((l, i) => [referenceRecord(l.replace(/\r$/, '')), i + 1] as const);
          expect(out.map((r) => lineOf(r))).toEqual(
            expected.filter(([k]) => k === 'record').map(([, n]) => n),
          );
          const bad = expected.filter(([k]) => k === 'bad').map(([, n]) => n);
          expect(problems.map((p) => Number(/^fuzz:(\d+): /.exec(p)?.[1]))).toEqual(bad);
          for (const p of problems) expect(p).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
        },
      ),
    );
  }, 60_000);
});

/** A Binance or Bybit message, mostly well formed, with any field replaced by any JSON value. */
const num = fc.oneof(
  fc.double({ noNaN: false }).map(String),
  fc.integer().map(String),
  fc.constantFrom('1e400', '-0', 'abc', '0x10', ' 1', '', '9007199254740993'),
);
const anyValue = fc.oneof(fc.jsonValue(), num, fc.constant(null), fc.constant(undefined));
function mutate(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(base);
  return fc.array(fc.tuple(fc.constantFrom(...keys), anyValue), { maxLength: 3 }).map((changes) => {
    const m = { ...base };
    for (const [k, v] of changes) m[k] = v;
    return m;
  });
}
const E = 1_723_161_260_000;
const binanceMessages = fc.oneof(
  mutate({ e: 'trade', E, T: E, s: 'BTCUSDT', t: 5, p: '61800.1', q: '0.01', m: true }),
  mutate({ e: 'aggTrade', E, T: E, s: 'BTCUSDT', a: 5, f: 1, l: 2, p: '61800.1', q: '0.01', m: false }),
  mutate({ u: 100, s: 'BTCUSDT', b: '61800.1', B: '1', a: '61800.2', A: '2' }),
  mutate({ e: 'depthUpdate', E, s: 'BTCUSDT', U: 101, u: 102, b: [['61800.1', '1']], a: [['61800.3', '0']] }),
  mutate({ lastUpdateId: 100, bids: [['61800.0', '1']], asks: [['61800.5', '1']] }),
  mutate({
    e: 'kline',
    E,
    s: 'BTCUSDT',
    k: {
      t: E - 60_000,
      T: E - 1,
      s: 'BTCUSDT',
      i: '1m',
      o: '1',
      h: '2',
      l: '0.5',
      c: '1.5',
      v: '3',
      x: true,
    },
  }),
  fc.jsonValue(),
);
const bybitMessages = fc.oneof(
  mutate({
    topic: 'orderbook.50.XRPUSDT',
    type: 'snapshot',
    ts: E,
    data: { s: 'XRPUSDT', b: [['0.5', '10']], a: [['0.6', '10']], u: 1 },
  }),
  mutate({
    topic: 'orderbook.50.XRPUSDT',
    type: 'delta',
    ts: E,
    data: { s: 'XRPUSDT', b: [['0.5', '0']], a: [], u: 2 },
  }),
  mutate({
    topic: 'publicTrade.XRPUSDT',
    ts: E,
    data: [{ T: E, s: 'XRPUSDT', S: 'Buy', v: '5', p: '0.55', i: 'abc-1' }],
  }),
  fc.jsonValue(),
);

/** Every record a feed emits is valid by the wire format's own validator (or one of its own disconnects). */
function allValid(out: readonly WireRecord[]): void {
  const v = new RecordValidator();
  for (const r of out) {
    if (r.type === 'disconnect') continue;
    expect(v.check(r), JSON.stringify(r)).toBeUndefined();
  }
}

describe('fuzz: the venue frame parsers', () => {
  it('Binance: any frame (wrapped or bare) never throws, and what it emits is valid', async () => {
    await fuzz(
      'binance feed',
      fc.property(fc.array(fc.tuple(binanceMessages, fc.boolean()), { maxLength: 20 }), (msgs) => {
        tick();
        const feed = new BinanceFeed('binance_spot');
        const out: WireRecord[] = [];
        for (const [m, wrap] of msgs)
          feed.frame(wrap ? { stream: 'btcusdt@x', data: m } : m, 1_723_161_260_000_000, out);
        feed.finish(out);
        allValid(out);
        expect(feed.stats.messages).toBe(msgs.length);
      }),
    );
  }, 60_000);

  it('Binance depth updates: frameText (levels read from the text) gives the records frame gives', async () => {
    const level = fc.tuple(
      fc.oneof(
        fc.integer({ min: 1, max: 99999 }).map(String),
        fc.double({ min: 0.00001, max: 1e6, noNaN: true }).map((x) => x.toFixed(5)),
        fc.constantFrom('0.00000000', '1e5', '01.5', '-1', 'abc'),
      ),
      fc.oneof(
        fc.double({ min: 0, max: 1e4, noNaN: true }).map((x) => x.toFixed(8)),
        fc.constantFrom('0', '0.00000000', '1e-7'),
      ),
    );
    await fuzz(
      'binance frameText',
      fc.property(
        fc.array(level, { maxLength: 12 }),
        fc.array(level, { maxLength: 12 }),
        fc.nat(1000),
        (b, a, u) => {
          tick();
          const text = `{"stream":"btcusdt@depth","data":{"e":"depthUpdate","E":${E},"s":"BTCUSDT","U":${u},"u":${u + 1},"b":${JSON.stringify(b)},"a":${JSON.stringify(a)}}}`;
          const viaText = new BinanceFeed('binance_spot');
          const viaParse = new BinanceFeed('binance_spot');
          const snap = { lastUpdateId: u - 1, bids: [], asks: [] };
          const o1: WireRecord[] = [];
          const o2: WireRecord[] = [];
          viaText.snapshot(snap, 1_723_161_260_000_000, 'BTCUSDT', o1);
          viaParse.snapshot(snap, 1_723_161_260_000_000, 'BTCUSDT', o2);
          if (!viaText.frameText(text, 1_723_161_260_000_001, o1))
            viaText.frame(JSON.parse(text), 1_723_161_260_000_001, o1);
          viaParse.frame(JSON.parse(text), 1_723_161_260_000_001, o2);
          viaText.finish(o1);
          viaParse.finish(o2);
          expect(o1.map((r) => JSON.stringify(r))).toEqual(o2.map((r) => JSON.stringify(r)));
          expect(viaText.stats).toEqual(viaParse.stats);
          allValid(o1);
        },
      ),
    );
  }, 60_000);

  it('Bybit: any message never throws, and what it emits is valid', async () => {
    await fuzz(
      'bybit feed',
      fc.property(fc.array(bybitMessages, { maxLength: 20 }), (msgs) => {
        tick();
        const feed = new BybitFeed('bybit_perpetuals_usd');
        const out: WireRecord[] = [];
        for (const m of msgs) feed.frame(m, 1_723_161_260_000_000, out);
        allValid(out);
      }),
    );
  }, 60_000);
});

/** Book lines with levels in several number spellings (some the scan takes, some it leaves to JSON.parse). */
const price = fc.oneof(
  fc.integer({ min: 1, max: 2000 }),
  fc.integer({ min: 1, max: 200000 }).map((x) => x / 100),
  fc.constantFrom(0.5, 1e-7, 100.25),
);
const amount = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 1000 }).map((x) => x / 8),
  fc.constantFrom(1e-9, 3),
);
const spell = (x: number, how: number) =>
  how === 0 ? String(x) : how === 1 ? `"${x}"` : how === 2 ? x.toExponential() : String(x);
const bookLine = fc
  .record({
    snapshot: fc.boolean(),
    bids: fc.array(fc.tuple(price, amount, fc.nat(3)), { maxLength: 8 }),
    asks: fc.array(fc.tuple(price, amount, fc.nat(3)), { maxLength: 8 }),
    seq: fc.oneof(fc.nat(50), fc.constantFrom(-1, 1e20, 1.5)),
    symbol: fc.constantFrom('A', 'B', 'É"\\'),
    t: fc.nat(59),
  })
  .map((b) => {
    const lv = (l: [number, number, number][]) =>
      `[${l.map(([p, a, h]) => `[${spell(p + 1000 * (l === b.asks ? 1 : 0), h)},${spell(a, h)}]`).join(',')}]`;
    return `{"type":"book","time":"2024-01-01T00:00:${String(b.t).padStart(2, '0')}.000Z","exchange":"x","symbol":${JSON.stringify(b.symbol)},"snapshot":${b.snapshot},"bids":${lv(b.bids)},"asks":${lv(b.asks)},"sequence":${b.seq}}`;
  });

async function run(lines: string[], byteMode: boolean): Promise<string> {
  const stage = new OrderbookStage({ source: 'fuzz', policy: new ErrorPolicy('skip'), levels: 3 });
  const text = `${lines.join('\n')}\n`;
  try {
    if (byteMode) {
      const parts: Buffer[] = [];
      for await (const b of orderbookNdjson(
        {
          chunks: chunksOf(Buffer.from(text), [text.length >> 1]),
          source: 'fuzz',
          policy: new ErrorPolicy('skip'),
        },
        stage,
      ))
        parts.push(b.bytes);
      return Buffer.concat(parts).toString();
    }
    const policy = new ErrorPolicy('skip');
    const records = await collect(
      parseRecords(splitLines(chunksOf(Buffer.from(text), []), 'fuzz'), 'fuzz', policy),
    );
    const out = await collect(orderbook(fromRecords(records), stage));
    return out.map((r) => `${JSON.stringify(r)}\n`).join('');
  } catch (error) {
    if (error instanceof DataError) return `error ${error.message}`;
    throw error;
  }
}

describe('fuzz: the order book', () => {
  it('the byte path (scanBook) writes what the record path (JSON.parse) writes, errors included', async () => {
    await fuzz(
      'orderbook byte vs record path',
      fc.asyncProperty(fc.array(bookLine, { minLength: 1, maxLength: 25 }), async (lines) => {
        tick();
        expect(await run(lines, true)).toBe(await run(lines, false));
      }),
    );
  }, 60_000);

  it('BookSide keeps the levels a plain map keeps: best, top 5, volume', async () => {
    const op = fc.tuple(
      fc.integer({ min: 1, max: 400 }).map((x) => x / 4),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
    );
    await fuzz(
      'book levels',
      fc.property(fc.boolean(), fc.array(op, { maxLength: 600 }), (bids, ops) => {
        tick();
        const side = new BookSide(bids ? 'bids' : 'asks');
        const ref = new Map<number, number>();
        for (const [p, a] of ops) {
          side.set(p, a);
          if (a === 0) ref.delete(p);
          else ref.set(p, a);
        }
        const sorted = [...ref].sort((x, y) => (bids ? y[0] - x[0] : x[0] - y[0]));
        expect(side.bestPrice()).toBe(sorted[0]?.[0]);
        expect(side.top(5)).toEqual(sorted.slice(0, 5));
        expect(side.topVolume(1e9)).toBe(sorted.reduce((s, [, a]) => s + a, 0));
        side.check();
      }),
    );
  }, 60_000);
});
