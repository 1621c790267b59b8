/**
 * `tickpipe orderbook` end to end, on hand-made books whose answers are worked out here.
 */

import { describe, expect, it } from 'vitest';
import type { WireRecord } from '../src/core/records/record.js';
import { parseLines, runInProcess } from './helpers/cli.js';

type Rec = Record<string, unknown>;

const base = { exchange: 'binance_spot', symbol: 'BTCUSDT' };
const t = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();
const nd = (recs: Rec[]) => `${recs.map((r) => JSON.stringify(r)).join('\n')}\n`;

const snapshot: Rec = {
  type: 'book',
  time: t(0),
  ...base,
  snapshot: true,
  bids: [
    [100.1, 2],
    [100, 3],
  ],
  asks: [
    [100.3, 1],
    [100.4, 4],
  ],
  sequence: 10,
};

describe('orderbook', () => {
  it('a quote when the top changes, with its figures; nothing when only deep levels change', async () => {
    const input = nd([
      snapshot,
      {
        type: 'book',
        time: t(1),
        ...base,
        snapshot: false,
        bids: [[99, 5]],
        asks: [],
        sequence: 12,
        first_sequence: 11,
      },
      {
        type: 'book',
        time: t(2),
        ...base,
        snapshot: false,
        bids: [[100.2, 1]],
        asks: [],
        sequence: 13,
        first_sequence: 13,
      },
    ]);
    const r = await runInProcess(['orderbook', '--levels', '2', '--band-bps', '10', '--no-quiet'], input);
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual({
      type: 'quote',
      time: t(0),
      ...base,
      bid_price: 100.1,
      bid_amount: 2,
      ask_price: 100.3,
      ask_amount: 1,
      mid: 100.2,
      // (100.1 * 1 + 100.3 * 2) / 3 = 100.2333..., to 1/10,000 of the prices' last decimal (5 places)
      microprice: 100.23333,
      spread: 0.2,
      // 0.2 / 100.2 * 10^4 = 19.96007..., to 4 places
      spread_bps: 19.9601,
      imbalance: (5 - 5) / 10,
      // 10 bps of 100.2 is 0.1002: bids >= 100.0998 (100.1), asks <= 100.3002 (100.3)
      bid_depth: 2,
      ask_depth: 1,
      sequence: 10,
    });
    expect(out[1]).toMatchObject({
      time: t(2),
      bid_price: 100.2,
      bid_amount: 1,
      mid: 100.25,
      spread: 0.1,
      sequence: 13,
    });
    expect(r.stderr).toMatch(/1 book, 1 snapshot, 2 updates applied, 0 gaps/);
  });

  it('other records pass through unchanged and in place', async () => {
    const note = '{"type":"my_note","n":1}';
    const r = await runInProcess(['orderbook', '-q'], `${note}\n${nd([snapshot])}${note}\n`);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(note);
    expect(JSON.parse(lines[1]!).type).toBe('quote');
    expect(lines[2]).toBe(note);
  });

  it('a gap: a disconnect for that book, nothing more until the next snapshot; --strict exits 1', async () => {
    const input = nd([
      snapshot,
      {
        type: 'book',
        time: t(1),
        ...base,
        snapshot: false,
        bids: [[100.2, 1]],
        asks: [],
        sequence: 15,
        first_sequence: 14,
      },
      {
        type: 'book',
        time: t(2),
        ...base,
        snapshot: false,
        bids: [[100.25, 1]],
        asks: [],
        sequence: 16,
        first_sequence: 16,
      },
      { ...snapshot, time: t(3), sequence: 20 },
    ]);
    const r = await runInProcess(['orderbook'], input);
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    expect(out.map((o) => o.type)).toEqual(['quote', 'disconnect', 'quote']);
    expect(out[1]).toEqual({
      type: 'disconnect',
      time: t(1),
      ...base,
      reason: 'book sequence gap',
      expected: 11,
      found: 14,
    });
    expect(out[2]).toMatchObject({ time: t(3), sequence: 20 });
    expect(r.stderr).toMatch(
      /first gap: stdin:2: binance_spot BTCUSDT book sequence gap: expected 11, found 14/,
    );
    const strict = await runInProcess(['orderbook', '--strict'], input);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/stdin:2: binance_spot BTCUSDT book sequence gap/);
  });

  it('--depth writes the top levels after each update; --every samples at bucket ends', async () => {
    const input = nd([
      snapshot,
      {
        type: 'book',
        time: '2024-01-01T00:00:00.300Z',
        ...base,
        snapshot: false,
        bids: [[100.2, 1]],
        asks: [],
        sequence: 11,
        first_sequence: 11,
      },
      {
        type: 'book',
        time: '2024-01-01T00:00:00.700Z',
        ...base,
        snapshot: false,
        bids: [[100.2, 0]],
        asks: [],
        sequence: 12,
        first_sequence: 12,
      },
      {
        type: 'book',
        time: '2024-01-01T00:00:01.200Z',
        ...base,
        snapshot: false,
        asks: [[100.3, 0]],
        sequence: 13,
        first_sequence: 13,
      },
    ]);
    const depth = await runInProcess(['orderbook', '-q', '--depth', '1'], input);
    expect(parseLines(depth.stdout).map((b) => [b.bids, b.asks])).toEqual([
      [[[100.1, 2]], [[100.3, 1]]],
      [[[100.2, 1]], [[100.3, 1]]],
      [[[100.1, 2]], [[100.3, 1]]],
      [[[100.1, 2]], [[100.4, 4]]],
    ]);
    const every = await runInProcess(
      ['orderbook', '-q', '--every', '1s', '--emit', 'quotes,depth', '--depth', '1'],
      input,
    );
    const out = parseLines(every.stdout);
    // Bucket [0s, 1s): the last state (after 0.7 s), stamped 00:00:01; bucket [1s, 2s) at 00:00:02.
    expect(out.map((o) => [o.type, o.time])).toEqual([
      ['book', '2024-01-01T00:00:01.000Z'],
      ['quote', '2024-01-01T00:00:01.000Z'],
      ['book', '2024-01-01T00:00:02.000Z'],
      ['quote', '2024-01-01T00:00:02.000Z'],
    ]);
    expect(out[1]).toMatchObject({ bid_price: 100.1, ask_price: 100.3 });
    expect(out[3]).toMatchObject({ bid_price: 100.1, ask_price: 100.4 });
  });

  it('a crossed book is reported; --uncross removes the stale side', async () => {
    const input = nd([
      snapshot,
      {
        type: 'book',
        time: t(1),
        ...base,
        snapshot: false,
        bids: [[100.35, 1]],
        asks: [],
        sequence: 11,
        first_sequence: 11,
      },
    ]);
    const plain = await runInProcess(['orderbook'], input);
    expect(plain.stderr).toMatch(/1 crossed/);
    expect(plain.stderr).toMatch(/first crossed: stdin:2: .*bid 100.35 > ask 100.3/);
    const fixed = await runInProcess(['orderbook', '--uncross'], input);
    expect(fixed.stderr).toMatch(/1 crossed \(1 stale levels removed\)/);
    expect(parseLines(fixed.stdout).at(-1)).toMatchObject({ bid_price: 100.35, ask_price: 100.4 });
  });

  it('several books in one stream are kept apart', async () => {
    const eth = { ...snapshot, symbol: 'ETHUSDT', bids: [[10, 1]], asks: [[11, 1]], sequence: 1 };
    const r = await runInProcess(['orderbook', '-q'], nd([snapshot, eth]));
    expect(parseLines(r.stdout).map((q) => [q.symbol, q.mid])).toEqual([
      ['BTCUSDT', 100.2],
      ['ETHUSDT', 10.5],
    ]);
  });

  it('a bad level is a located error', async () => {
    const r = await runInProcess(['orderbook'], nd([{ ...snapshot, bids: [[-1, 2]] }]));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'stdin:1: expected [price, amount] with 1e-18 <= price <= 1e18 and 0 <= amount <= 1e18 in "bids", found [-1,2]',
    );
  });

  it.each([['true'], ['"0x1C1C"'], ['" 4200"'], ['[4200]'], ['1e300']])(
    'a level price of %s is refused, never read with Number() (true would be 1)',
    async (price) => {
      const line = JSON.stringify({ ...snapshot, bids: [[0, 2]] }).replace('[[0,2]]', `[[${price},2]]`);
      const r = await runInProcess(['orderbook'], `${line}\n`);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/stdin:1: expected \[price, amount\] with 1e-18 <= price/);
    },
  );
});

describe('orderbook: quotes built as text', () => {
  it('every quote written is exactly JSON.stringify of the record (2,000 generated updates, every option)', async () => {
    const { OrderbookStage } = await import('../src/core/book/orderbook.js');
    const { serialize } = await import('../src/core/records/record.js');
    const gen = await runInProcess(['generate', 'book', '--count', '2000', '--seed', '9', '--depth', '40']);
    const input = parseLines(gen.stdout);
    for (const options of [{}, { levels: 2, bandBps: 3 }, { everyUs: 1_000_000 }, { uncross: true }]) {
      const stage = new OrderbookStage(options);
      const out: WireRecord[] = [];
      for (const r of input) stage.push(r as WireRecord, out);
      stage.finish(out);
      const quotes = out.filter((r) => r.type === 'quote');
      expect(quotes.length).toBeGreaterThan(100);
      for (const q of quotes) expect(serialize(q)).toBe(JSON.stringify(q));
    }
  });
});

describe('orderbook: the byte path (the command) writes exactly what the record path (the library) does', () => {
  /**
   * A mixed stream: two generated books (the same symbol on two exchanges), other records, blank and
   * CRLF lines, book lines in forms the scan leaves to the ordinary path, a gap, bad lines.
   */
  async function mixedInput(): Promise<string> {
    const gen = await runInProcess(['generate', 'book', '--count', '1500', '--seed', '4', '--depth', '30']);
    const lines = gen.stdout.trimEnd().split('\n');
    const other = await runInProcess([
      'generate',
      'book',
      '--count',
      '300',
      '--seed',
      '5',
      '--depth',
      '10',
      '--exchange',
      'ÉX€',
    ]);
    const others = other.stdout.trimEnd().split('\n');
    const out: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (i < others.length - 1) out.push(others[i]!);
      if (i % 97 === 5)
        out.push(
          `{"type":"trade","time":"2024-01-01T00:00:01.000Z","exchange":"x","symbol":"y","id":${i},"price":1,"amount":1,"side":"buy"}${i % 2 === 0 ? '\r' : ''}`,
        );
      if (i % 211 === 7) out.push('');
      if (i % 101 === 9) out.push('not json');
      if (i % 89 === 3) {
        // The same update in forms the scan leaves to the ordinary path.
        const r = JSON.parse(line) as Rec;
        const epoch = Date.parse(r.time as string);
        const strings = (v: unknown) => (v as number[][]).map(([p, a]) => [String(p), String(a)]);
        const variants = [
          JSON.stringify({ ...r, time: epoch }),
          JSON.stringify({ ...r, time: (r.time as string).replace('T', ' ') }),
          JSON.stringify({ ...r, bids: strings(r.bids), asks: strings(r.asks) }),
          JSON.stringify(r, null, 1).replace(/\n/g, ''),
        ];
        out.push(variants[i % 4]!);
        continue;
      }
      if (i % 53 === 2) {
        // Members reordered, with extra members: still the fast path.
        const r = JSON.parse(line) as Rec;
        out.push(
          JSON.stringify({
            type: 'book',
            sequence: r.sequence,
            asks: r.asks,
            local_time: r.time,
            ...r,
            note: null,
          }),
        );
        continue;
      }
      out.push(i % 7 === 0 ? `${line}\r` : line);
    }
    // A gap: an update that skips ahead.
    const last = JSON.parse(lines[lines.length - 1]!) as Rec;
    out.push(
      JSON.stringify({
        ...last,
        sequence: (last.sequence as number) + 100,
        first_sequence: (last.sequence as number) + 50,
        prev_sequence: (last.sequence as number) + 49,
      }),
    );
    out.push(others[others.length - 1]!);
    return `${out.join('\n')}\n`;
  }

  function chunksOf(text: string, size: number): AsyncIterable<Buffer> {
    const bytes = Buffer.from(text, 'utf8');
    return (async function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })();
  }

  it.each([
    ['default', {}],
    ['--levels 2 --band-bps 3', { levels: 2, bandBps: 3 }],
    ['--every 1s', { everyUs: 1_000_000 }],
    ['--uncross', { uncross: true }],
    ['--emit quotes,depth --depth 3', { depth: 3, quotes: true }],
    ['--depth 5', { depth: 5 }],
  ])('%s', async (_name, options) => {
    const { OrderbookStage } = await import('../src/core/book/orderbook.js');
    const { orderbook, orderbookNdjson } = await import('../src/core/book/orderbook-io.js');
    const { ErrorPolicy, parseRecords, splitLines } = await import('../src/core/io/lines.js');
    const { batchBytes } = await import('../src/core/io/stream.js');
    const text = await mixedInput();
    const recordPolicy = new ErrorPolicy('skip');
    const recordStage = new OrderbookStage({ ...options, source: 'stdin' });
    let viaRecords = '';
    for await (const batch of orderbook(
      parseRecords(splitLines(chunksOf(text, 65536), 'stdin'), 'stdin', recordPolicy),
      recordStage,
    ))
      viaRecords += batchBytes(batch)!.toString('utf8');
    for (const size of [65536, 997]) {
      const policy = new ErrorPolicy('skip');
      const stage = new OrderbookStage({ ...options, source: 'stdin' });
      let viaBytes = '';
      let records = 0;
      for await (const b of orderbookNdjson(
        { chunks: chunksOf(text, size), source: 'stdin', policy },
        stage,
      )) {
        viaBytes += b.bytes.toString('utf8');
        records += b.records;
      }
      expect(viaBytes.length).toBeGreaterThan(10_000);
      expect(viaBytes).toBe(viaRecords);
      expect(records).toBe(viaBytes.split('\n').length - 1);
      expect(stage.report).toEqual(recordStage.report);
      expect([policy.skipped, policy.firstProblem]).toEqual([
        recordPolicy.skipped,
        recordPolicy.firstProblem,
      ]);
    }
    expect(recordStage.report.books).toBe(2);
    expect(recordStage.report.gaps).toBe(1);
    expect(recordPolicy.skipped).toBeGreaterThan(10);
  });

  it('a line over --max-line-bytes is a located error, within a chunk or carried across chunks', async () => {
    const { OrderbookStage } = await import('../src/core/book/orderbook.js');
    const { orderbookNdjson } = await import('../src/core/book/orderbook-io.js');
    const { ErrorPolicy } = await import('../src/core/io/lines.js');
    const long = JSON.stringify({ ...snapshot, bids: Array.from({ length: 40 }, (_, i) => [100 - i, 1]) });
    const text = `${nd([snapshot, snapshot])}${long}\n${nd([snapshot])}`;
    for (const size of [65536, 50]) {
      const run = async () => {
        const stage = new OrderbookStage({});
        const input = {
          chunks: chunksOf(text, size),
          source: 'stdin',
          policy: new ErrorPolicy(),
          maxLineBytes: 300,
        };
        for await (const _ of orderbookNdjson(input, stage));
      };
      await expect(run()).rejects.toThrow('stdin:3: line longer than 300 bytes');
    }
  });

  it('an interrupted input: the unterminated start of its last line is dropped, not an error', async () => {
    const { OrderbookStage } = await import('../src/core/book/orderbook.js');
    const { orderbookNdjson } = await import('../src/core/book/orderbook-io.js');
    const { ErrorPolicy } = await import('../src/core/io/lines.js');
    const stop = new AbortController();
    const text = nd([snapshot]);
    async function* interrupted(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${text}${text.slice(0, 40)}`);
      stop.abort();
    }
    const stage = new OrderbookStage({});
    const input = { chunks: interrupted(), source: 'stdin', policy: new ErrorPolicy(), signal: stop.signal };
    let out = '';
    for await (const b of orderbookNdjson(input, stage)) out += b.bytes.toString('utf8');
    expect(parseLines(out).map((r) => r.type)).toEqual(['quote']);
    expect(stage.report.snapshots).toBe(1);
  });

  it('a quote from a book whose time is not in the canonical form carries the canonical time', async () => {
    const epoch = Date.UTC(2024, 0, 1, 0, 0, 0);
    const r = await runInProcess(['orderbook', '-q'], nd([{ ...snapshot, time: epoch }]));
    expect(parseLines(r.stdout)[0]).toMatchObject({ type: 'quote', time: '2024-01-01T00:00:00.000Z' });
  });
});
