import { describe, expect, it } from 'vitest';
import { collect, fromRecords } from '../../src/core/io/stream.js';
import { attachOrigin, serialize, type WireRecord } from '../../src/core/records/record.js';
import { formatTime } from '../../src/core/records/time.js';
import { parsePolicy } from '../../src/core/sanitize/policy.js';
import { type SanitizeOptions, Sanitizer, sanitize } from '../../src/core/sanitize/sanitize.js';

const T0 = Date.UTC(2024, 0, 1) * 1000;
const MIN = 60e6;

/** The i-th 1m candle of a series; prices from `close`. */
function candle(i: number, close = 100, extra: Record<string, unknown> = {}): WireRecord {
  return {
    type: 'candle',
    time: formatTime(T0 + (i + 1) * MIN),
    exchange: 'binance_spot',
    symbol: 'BTCUSDT',
    interval: '1m',
    open_time: formatTime(T0 + i * MIN),
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 1,
    ...extra,
  };
}

/** Gives records line numbers 1..n as a reader would. */
function lined(records: WireRecord[]): WireRecord[] {
  return records.map((r, i) => {
    const copy = { ...r };
    attachOrigin(copy, i + 1, JSON.stringify(r));
    return copy as WireRecord;
  });
}

async function run(records: WireRecord[], options: SanitizeOptions = {}) {
  const s = new Sanitizer({ source: 'stdin', ...options });
  const out = await collect(sanitize(fromRecords(lined(records)), s));
  return { out: out.map((r) => JSON.parse(serialize(r)) as Record<string, unknown>), report: s.report };
}

const counts = (report: { problems: Record<string, { count: number } | undefined> }) =>
  Object.fromEntries(Object.entries(report.problems).map(([k, v]) => [k, v!.count]));

describe('sanitize', () => {
  it('passes a clean series through unchanged, as the same bytes', async () => {
    const recs = lined([candle(0), candle(1), candle(2)]);
    const out = await collect(sanitize(fromRecords(recs), new Sanitizer()));
    expect(out.map(serialize)).toEqual(recs.map((r) => JSON.stringify({ ...r })));
    expect(out[0]).toBe(recs[0]);
  });

  it('passes unknown record types through unchanged and in order', async () => {
    const { out, report } = await run([candle(0), { type: 'my_note', text: 'hi' }, candle(1)]);
    expect(out.map((r) => r.type)).toEqual(['candle', 'my_note', 'candle']);
    expect(out[1]).toEqual({ type: 'my_note', text: 'hi' });
    expect(report.problems).toEqual({});
  });

  it('drops schema problems by default and reports them with their line', async () => {
    const { out, report } = await run([candle(0), { ...candle(1), close: 'abc' }, candle(2)]);
    expect(out).toHaveLength(2);
    expect(report.problems.schema).toEqual({
      count: 1,
      action: 'drop',
      examples: [{ line: 2, message: 'expected a positive number for "close", found "abc"' }],
    });
  });

  it('drops identical duplicates and conflicting ones, keeping the first', async () => {
    const { out, report } = await run([
      candle(0, 100),
      candle(1, 101),
      candle(1, 101),
      candle(1, 999),
      candle(2, 102),
    ]);
    expect(out.map((r) => r.close)).toEqual([100, 101, 102]);
    expect(counts(report)).toEqual({ duplicate: 1, conflict: 1 });
    expect(report.problems.conflict!.examples[0]!.message).toContain('(line 2)');
  });

  it('recognises a duplicate of an older candle, not only of the last one', async () => {
    const { out, report } = await run([candle(0), candle(1), candle(2), candle(0)]);
    expect(out).toHaveLength(3);
    expect(counts(report)).toEqual({ duplicate: 1 });
  });

  it('drops duplicate trade ids, numeric or not', async () => {
    const t = (id: unknown, price = 1) => ({
      type: 'trade',
      time: formatTime(T0),
      exchange: 'x',
      symbol: 'S',
      id,
      price,
      amount: 1,
      side: 'buy',
    });
    const { out, report } = await run([t('a'), t('b'), t('a'), t(5), t(5, 2)]);
    expect(out.map((r) => r.id)).toEqual(['a', 'b', 5]);
    expect(counts(report)).toEqual({ duplicate: 1, conflict: 1 });
  });

  it('drops an out-of-order record, and sorts it with a reorder window', async () => {
    const input = [candle(0), candle(2), candle(1), candle(3)];
    const dropped = await run(input);
    expect(dropped.out.map((r) => r.open_time)).toEqual([0, 2, 3].map((i) => formatTime(T0 + i * MIN)));
    expect(counts(dropped.report)).toEqual({ order: 1, gap: 1 });
    const sorted = await run(input, { reorderWindow: 2 });
    expect(sorted.out.map((r) => r.open_time)).toEqual([0, 1, 2, 3].map((i) => formatTime(T0 + i * MIN)));
    expect(sorted.report.problems).toEqual({});
    expect(sorted.report.reordered).toBe(1);
    expect(dropped.report.reordered).toBe(0);
  });

  it('reports a gap with its size, and fills it with flat synthetic candles on request', async () => {
    const input = [candle(0, 100), candle(1, 101), candle(4, 104)];
    const reported = await run(input);
    expect(reported.out).toHaveLength(3);
    expect(reported.report.problems.gap!.examples[0]!.message).toBe(
      '2 1m candles missing from 2024-01-01T00:02:00.000Z before 2024-01-01T00:04:00.000Z',
    );
    const filled = await run(input, { policy: parsePolicy(['gap=fix']) });
    expect(filled.out.map((r) => [r.open_time, r.close, r.volume, r.synthetic])).toEqual([
      [formatTime(T0), 100, 1, undefined],
      [formatTime(T0 + MIN), 101, 1, undefined],
      [formatTime(T0 + 2 * MIN), 101, 0, true],
      [formatTime(T0 + 3 * MIN), 101, 0, true],
      [formatTime(T0 + 4 * MIN), 104, 1, undefined],
    ]);
    expect(filled.out[2]).toMatchObject({ open: 101, high: 101, low: 101, time: formatTime(T0 + 3 * MIN) });
    expect(filled.report.synthetic).toBe(2);
    expect(filled.report.records_out).toBe(5);
  });

  it('does not fill a gap behind records of another series already written', async () => {
    const other = (i: number) => ({ ...candle(i), symbol: 'ETHUSDT' });
    const { out, report } = await run([candle(0), other(0), other(1), other(2), candle(3)], {
      policy: parsePolicy(['gap=fix']),
    });
    expect(out.filter((r) => r.synthetic)).toHaveLength(0);
    expect(report.problems.gap!.examples[0]!.message).toContain('not filled');
  });

  it('drops or fixes an inconsistent candle', async () => {
    const bad = { ...candle(1), high: 99 }; // close 100 above high
    expect(counts((await run([candle(0), bad])).report)).toEqual({ ohlc: 1 });
    const fixed = await run([candle(0), bad], { policy: parsePolicy(['ohlc=fix']) });
    expect(fixed.out[1]).toMatchObject({ high: 100, low: 99, open: 100, close: 100 });
  });

  it('fixes a candle stamped at its open time to its close time by default', async () => {
    const atOpen = { ...candle(0), time: formatTime(T0) };
    const { out, report } = await run([atOpen]);
    expect(out[0]!.time).toBe(formatTime(T0 + MIN));
    expect(report.problems.candle_time!.action).toBe('fix');
  });

  it('normalises epoch times told apart by magnitude (ms and µs)', async () => {
    const ms = { ...candle(0), time: T0 / 1000 + 60000, open_time: T0 / 1000 };
    const us = { ...candle(1), time: T0 + 2 * MIN, open_time: T0 + MIN };
    const { out, report } = await run([ms, us]);
    expect(out.map((r) => [r.open_time, r.time])).toEqual([
      ['2024-01-01T00:00:00.000Z', '2024-01-01T00:01:00.000Z'],
      ['2024-01-01T00:01:00.000000Z', '2024-01-01T00:02:00.000000Z'],
    ]);
    expect(report.problems).toEqual({});
  });

  it('drops crossed quotes and books', async () => {
    const q = (bid: number, ask: number) => ({
      type: 'quote',
      time: formatTime(T0),
      exchange: 'x',
      symbol: 'S',
      bid_price: bid,
      bid_amount: 1,
      ask_price: ask,
      ask_amount: 1,
    });
    const b = {
      type: 'book',
      time: formatTime(T0),
      exchange: 'x',
      symbol: 'S',
      snapshot: true,
      bids: [[10, 1]],
      asks: [[10, 1]],
      sequence: 1,
    };
    const { out, report } = await run([q(1, 2), q(2, 2), q(3, 2), b]);
    expect(out).toHaveLength(2); // a locked quote (bid == ask) is not crossed
    expect(counts(report)).toEqual({ crossed: 2 });
  });

  it('drops a book delta whose sequence goes backwards; a snapshot resets the book', async () => {
    const bk = (snapshot: boolean, sequence: number) => ({
      type: 'book',
      time: formatTime(T0),
      exchange: 'x',
      symbol: 'S',
      snapshot,
      bids: [[1, 1]],
      asks: [[2, 1]],
      sequence,
    });
    const { out, report } = await run([
      bk(true, 10),
      bk(false, 12),
      bk(false, 11),
      bk(true, 5),
      bk(false, 6),
    ]);
    expect(out.map((r) => r.sequence)).toEqual([10, 12, 5, 6]);
    expect(counts(report)).toEqual({ sequence: 1 });
  });

  it('flags a price spike against the rolling median, and keeps it out of the window', async () => {
    const closes = [100, 100.2, 99.9, 100.1, 100, 99.8, 100.1, 100, 150, 100.2, 100];
    const input = closes.map((c, i) => ({ ...candle(i, c), high: c, low: c }));
    const flagged = await run(input, { spike: 10, spikeWindow: 5 });
    expect(flagged.out.filter((r) => r.flags !== undefined).map((r) => r.close)).toEqual([150]);
    expect(flagged.out[8]!.flags).toEqual(['spike']);
    const dropped = await run(input, { spike: 10, spikeWindow: 5, policy: parsePolicy(['spike=drop']) });
    expect(dropped.out.map((r) => r.close)).not.toContain(150);
    // Dropping the spike candle leaves a one-candle hole, which is reported as a gap.
    expect(counts(dropped.report)).toEqual({ spike: 1, gap: 1 });
  });

  it('takes a move that holds as a new level: only the records before it is confirmed are flagged', async () => {
    const closes = [100, 100.1, 99.9, 100, 100.1, 99.9, 120, 120.1, 119.9, 120, 120.2, 119.8, 120];
    const input = closes.map((c, i) => ({ ...candle(i, c), high: c, low: c }));
    const { out, report } = await run(input, { spike: 10, spikeWindow: 5, spikePersist: 3 });
    expect(out.filter((r) => r.flags !== undefined).map((r) => r.close)).toEqual([120, 120.1]);
    expect(counts(report)).toEqual({ spike: 2 });
  });

  it('flags a wick far from the median while the close is normal', async () => {
    const input = [100, 100.1, 99.9, 100, 100.1, 100].map((c, i) => ({ ...candle(i, c), high: c, low: c }));
    input.push({ ...candle(6, 100), high: 100, low: 50 });
    input.push({ ...candle(7, 100.1), high: 100.1, low: 100.1 });
    const { out } = await run(input, { spike: 10, spikeWindow: 5 });
    expect(out.map((r) => r.flags)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      ['spike'],
      undefined,
    ]);
  });

  it('fails at the first problem of a class set to fail, naming its line', async () => {
    await expect(run([candle(0), candle(0, 5)], { policy: parsePolicy(['fail']) })).rejects.toThrow(
      'stdin:2: conflict: binance_spot BTCUSDT 1m candle open_time 2024-01-01T00:00:00.000Z was already seen (line 1) with other values (--policy conflict=fail)',
    );
  });

  it('keeps records the policy says to keep', async () => {
    const { out } = await run([candle(0), { ...candle(1), close: -1 }], {
      policy: parsePolicy(['schema=keep']),
    });
    expect(out[1]!.close).toBe(-1);
  });
});

describe('parsePolicy', () => {
  it('sets every class that allows an action, and one class by name', () => {
    const p = parsePolicy(['fail', 'gap=keep,spike=drop']);
    expect(p.schema).toBe('fail');
    expect(p.gap).toBe('keep');
    expect(p.spike).toBe('drop');
  });
  it('leaves classes without a fix at their default under --policy fix', () => {
    const p = parsePolicy(['fix']);
    expect(p.ohlc).toBe('fix');
    expect(p.duplicate).toBe('drop');
  });
  it.each([
    ['nonsense', '--policy: unknown action "nonsense"'],
    ['gaps=fix', '--policy: unknown problem class "gaps"'],
    ['duplicate=fix', '--policy: duplicate can be drop, keep, fail, not fix'],
  ])('refuses %s', (spec, message) => {
    expect(() => parsePolicy([spec])).toThrow(message);
  });
});
