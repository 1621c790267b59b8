import { describe, expect, it } from 'vitest';
import { formatTime, parseTime } from '../src/core/records/time.js';
import { NOT_A_TIME, NOT_CANONICAL, TimeTable } from '../src/core/sweep/time-table.js';

const MIN = 60_000_000;
const T0 = parseTime('2024-01-01T00:00:00.000Z')!.us;
const ms = (m: number): string => formatTime(T0 + m * MIN, 'ms');

describe('the time table of a sweep (sweep/time-table.ts)', () => {
  it('holds each canonical text once, in the order first read, and gives it back as JSON', () => {
    const t = new TimeTable();
    // Candles: time, then open_time (the time before); then times out of order, found by the
    // binary search while the table is in order, and by the map once it is not.
    const seen: number[] = [];
    for (let m = 1; m <= 50; m++) seen.push(t.indexOf(ms(m)), t.indexOf(ms(m - 1)));
    expect(t.length).toBe(51);
    expect(t.indexOf(ms(17))).toBe(seen[2 * 16]); // found by the search, not added
    expect(t.length).toBe(51);
    const early = t.indexOf(ms(-5)); // earlier than all: the map from now on
    expect(early).toBe(51);
    expect(t.indexOf(ms(33))).toBe(seen[2 * 32]);
    expect(t.indexOf(ms(-5))).toBe(early);
    expect(t.indexOf(ms(60))).toBe(52);
    expect(t.length).toBe(53);
    const texts = JSON.parse(t.json()) as string[];
    expect(texts.length).toBe(53);
    expect(new Set(texts).size).toBe(53);
    for (let m = 1; m <= 50; m++) expect(texts[seen[2 * (m - 1)]!]).toBe(ms(m));
    expect(texts[early]).toBe(ms(-5));
  });

  it('keeps the two precisions of one instant apart, and tells the others by their kind', () => {
    const t = new TimeTable();
    const a = t.indexOf('2024-01-01T00:03:00.000Z');
    const b = t.indexOf('2024-01-01T00:03:00.000000Z');
    expect(a).not.toBe(b);
    expect(t.isMicro(a)).toBe(false);
    expect(t.isMicro(b)).toBe(true);
    expect(t.indexOf('2024-01-01T00:03:00Z')).toBe(NOT_CANONICAL); // a time, not written canonically
    expect(t.indexOf('1704067380000')).toBe(NOT_CANONICAL);
    expect(t.indexOf('BTCUSDT')).toBe(NOT_A_TIME);
    expect(JSON.parse(t.json())).toEqual(['2024-01-01T00:03:00.000Z', '2024-01-01T00:03:00.000000Z']);
  });

  it('takes a hinted text (already read by the clock reader) without parsing it again', () => {
    const t = new TimeTable();
    const text = '2024-01-01T00:03:00.000000Z';
    t.hint(text, parseTime(text)!.us, 'us');
    const at = t.indexOf(text);
    expect(t.isMicro(at)).toBe(true);
    expect(JSON.parse(t.json())).toEqual([text]);
    // The same instant in the other precision is its own entry, hint or not.
    expect(t.indexOf('2024-01-01T00:03:00.000Z')).toBe(1);
  });

  it('writes microsecond texts with and without a fraction of a millisecond, and years far apart', () => {
    const t = new TimeTable();
    const texts = [
      '2024-01-01T00:03:00.000001Z',
      '2024-01-01T00:03:00.123456Z',
      '2024-01-01T00:03:00.123000Z',
      '1970-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '2024-02-29T12:34:56.789Z',
    ];
    for (const text of texts) expect(t.indexOf(text)).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(t.json())).toEqual(texts);
  });

  it('an empty table is an empty array', () => {
    expect(JSON.parse(new TimeTable().json())).toEqual([]);
  });
});

describe('the time table, out of order', () => {
  it('finds every time again, near-end and far out-of-order ones alike', () => {
    const t = new TimeTable();
    const order = [5, 4, 6, 3, 7, 100, 90, 95, 1, 2, 200, 150, 0, 300];
    // A long ordered run, then one far before it: the map from then on.
    for (let m = 400; m < 600; m++) order.push(m);
    order.push(-10, 601, 250);
    const at = new Map(order.map((m) => [m, t.indexOf(ms(m))]));
    expect(t.length).toBe(new Set(order).size);
    const texts = JSON.parse(t.json()) as string[];
    for (const [m, i] of at) {
      expect(t.indexOf(ms(m))).toBe(i);
      expect(texts[i]).toBe(ms(m));
    }
    expect(t.length).toBe(new Set(order).size);
  });
});

describe('the time table against a map', () => {
  it('gives one entry per distinct text over a shuffled stream with repeats', () => {
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const t = new TimeTable();
    const ref = new Map<string, number>();
    // Mostly in order with small steps back, a few far back, both precisions.
    let m = 0;
    for (let i = 0; i < 5000; i++) {
      const r = rand();
      const at = r < 0.7 ? ++m : r < 0.97 ? m - Math.floor(rand() * 40) : Math.floor(rand() * m);
      const text = formatTime(T0 + at * MIN, rand() < 0.1 ? 'us' : 'ms');
      const got = t.indexOf(text);
      if (!ref.has(text)) ref.set(text, got);
      expect(got).toBe(ref.get(text));
    }
    expect(t.length).toBe(ref.size);
    const texts = JSON.parse(t.json()) as string[];
    for (const [text, i] of ref) expect(texts[i]).toBe(text);
  });
});
