import { describe, expect, it } from 'vitest';
import { addInterval, parseInterval } from '../../src/core/records/interval.js';
import {
  addMonths,
  formatTime,
  parseCanonicalTime,
  parseDuration,
  parseTime,
  TimeReader,
} from '../../src/core/records/time.js';

const MS = 1000;

describe('parseTime', () => {
  const cases: [
    name: string,
    input: unknown,
    us: number | undefined,
    precision?: 'ms' | 'us',
    canonical?: boolean,
  ][] = [
    ['canonical milliseconds', '2024-01-01T00:00:00.000Z', Date.UTC(2024, 0, 1) * MS, 'ms', true],
    ['canonical microseconds', '2025-01-01T00:00:00.123456Z', Date.UTC(2025, 0, 1) * MS + 123456, 'us', true],
    ['a date alone is midnight UTC', '2020-01-03', Date.UTC(2020, 0, 3) * MS, 'ms', false],
    ['no fraction', '2024-02-29T23:59:59Z', Date.UTC(2024, 1, 29, 23, 59, 59) * MS, 'ms', false],
    ['an offset is applied', '2024-01-01T02:00:00+02:00', Date.UTC(2024, 0, 1) * MS, 'ms', false],
    ['a negative offset', '2023-12-31T19:00:00.5-05:00', Date.UTC(2024, 0, 1) * MS + 500 * MS, 'ms', false],
    [
      'nanoseconds are truncated to microseconds',
      '2024-01-01T00:00:00.123456789Z',
      Date.UTC(2024, 0, 1) * MS + 123456,
      'us',
      false,
    ],
    ['epoch milliseconds (13 digits)', 1577836800000, Date.UTC(2020, 0, 1) * MS, 'ms', false],
    ['epoch microseconds (16 digits)', 1735689600000000, Date.UTC(2025, 0, 1) * MS, 'us', false],
    ['epoch milliseconds as a string', '1577836800000', Date.UTC(2020, 0, 1) * MS, 'ms', false],
    ['epoch microseconds as a string', '1735689600123456', Date.UTC(2025, 0, 1) * MS + 123456, 'us', false],
    ['epoch seconds are refused (ambiguous)', 1577836800, undefined],
    ['nanoseconds (19 digits) are refused', 1577836800000000000, undefined],
    ['month 13', '2024-13-01T00:00:00.000Z', undefined],
    ['30 February', '2024-02-30T00:00:00.000Z', undefined],
    ['29 February in a common year', '2023-02-29T00:00:00.000Z', undefined],
    ['hour 24', '2024-01-01T24:00:00.000Z', undefined],
    ['text', 'yesterday', undefined],
    ['a boolean', true, undefined],
    ['nothing', undefined, undefined],
  ];
  it.each(cases)('%s', (_name, input, us, precision, canonical) => {
    const parsed = parseTime(input);
    if (us === undefined) {
      expect(parsed).toBeUndefined();
      return;
    }
    expect(parsed).toEqual({ us, precision, canonical });
  });

  it('agrees with Date.parse on 10,000 random canonical times', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 10_000; i++) {
      const ms = Math.floor(rand() * 4e12); // 1970 .. 2096
      const text = new Date(ms).toISOString();
      expect(parseCanonicalTime(text)).toBe(ms * MS);
      expect(formatTime(ms * MS)).toBe(text);
    }
  });

  it('parses canonical times across a date change correctly (the date cache)', () => {
    expect(parseCanonicalTime('2024-01-01T23:59:59.999Z')).toBe(Date.UTC(2024, 0, 1, 23, 59, 59, 999) * MS);
    expect(parseCanonicalTime('2024-01-02T00:00:00.000Z')).toBe(Date.UTC(2024, 0, 2) * MS);
    expect(parseCanonicalTime('2024-01-02T00:00:00.000X')).toBeNaN();
    expect(parseCanonicalTime('2024-01-02T0a:00:00.000Z')).toBeNaN();
  });
});

describe('formatTime', () => {
  it('writes milliseconds by default and microseconds when asked', () => {
    const us = Date.UTC(2025, 4, 8, 13, 5, 9) * MS + 7;
    expect(formatTime(us)).toBe('2025-05-08T13:05:09.000Z');
    expect(formatTime(us, 'us')).toBe('2025-05-08T13:05:09.000007Z');
  });
  it('handles times before 1970', () => {
    expect(formatTime(Date.UTC(1969, 11, 31, 23, 59, 59, 500) * MS)).toBe('1969-12-31T23:59:59.500Z');
  });
});

describe('intervals and months', () => {
  it.each([
    ['1s', 1e6],
    ['1m', 60e6],
    ['15m', 900e6],
    ['4h', 4 * 3600e6],
    ['1d', 86400e6],
    ['1w', 7 * 86400e6],
  ])('%s is %d us', (text, us) => {
    expect(parseInterval(text)).toEqual({ text, us, months: 0 });
  });
  it.each(['0m', 'm', '1y', '1.5h', ''])('refuses %j', (text) => {
    expect(parseInterval(text)).toBeUndefined();
  });
  it('adds calendar months with the day clamped', () => {
    const jan31 = Date.UTC(2024, 0, 31) * MS;
    expect(addMonths(jan31, 1)).toBe(Date.UTC(2024, 1, 29) * MS);
    expect(addMonths(jan31, 13)).toBe(Date.UTC(2025, 1, 28) * MS);
    const monthly = parseInterval('1M')!;
    expect(addInterval(Date.UTC(2023, 11, 1) * MS, monthly)).toBe(Date.UTC(2024, 0, 1) * MS);
    expect(parseInterval('1mo')!.months).toBe(1);
  });
  it('parses durations', () => {
    expect(parseDuration('250ms')).toBe(250_000);
    expect(parseDuration('1.5h')).toBe(5400e6);
    expect(parseDuration('0s')).toBeUndefined();
    expect(parseDuration('5 parsecs')).toBeUndefined();
  });
});

describe('TimeReader', () => {
  it('reads what parseTime reads, into its fields, and refuses what it refuses', () => {
    const reader = new TimeReader();
    for (const v of [
      '2024-01-01T00:01:00.000Z',
      '2024-01-01T00:01:00.123456Z',
      '2024-02-29T23:59:59.999Z',
      '2024-01-01 00:01:00',
      '2024-01-01T00:01:00+02:00',
      '1704067260000',
      1704067260000,
      1704067260000123,
    ]) {
      const t = parseTime(v)!;
      expect(reader.read(v), String(v)).toBe(true);
      expect({ us: reader.us, precision: reader.precision, canonical: reader.canonical }).toEqual(t);
    }
    for (const bad of ['2024-02-30T00:00:00.000Z', 'yesterday', undefined, null, {}]) {
      expect(parseTime(bad)).toBeUndefined();
      expect(reader.read(bad)).toBe(false);
    }
  });
});
