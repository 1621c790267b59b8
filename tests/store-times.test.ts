/**
 * The store readers' time texts (src/core/store/times.ts) against the wire format's own formatter:
 * the same text for every time, at the precision the value has.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTime } from '../src/core/records/time.js';
import { TimeTexts } from '../src/core/store/times.js';

const precisionOf = (us: number) => (us % 1000 === 0 ? 'ms' : 'us');

describe('TimeTexts', () => {
  it('gives formatTime’s text for any time from 1970 to 2100, ms or µs', () => {
    const texts = new TimeTexts();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_799_999_999 }), fc.boolean(), (us, whole) => {
        const t = whole ? us - (us % 1000) : us;
        expect(texts.text(t)).toBe(formatTime(t, precisionOf(t)));
      }),
      { numRuns: 20_000 },
    );
  });

  it('hand-worked cases: a leap day, the last microsecond of a year, a repeated time', () => {
    const texts = new TimeTexts();
    expect(texts.text(Date.UTC(2024, 1, 29, 23, 59, 59, 999) * 1000)).toBe('2024-02-29T23:59:59.999Z');
    expect(texts.text(Date.UTC(2023, 11, 31, 23, 59, 59, 999) * 1000 + 999)).toBe(
      '2023-12-31T23:59:59.999999Z',
    );
    expect(texts.text(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(texts.text(1)).toBe('1970-01-01T00:00:00.000001Z');
    // A time given again (a candle's time is the next one's open_time) is the same string.
    expect(texts.text(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('years outside 0000..9999 fall back to formatTime', () => {
    const texts = new TimeTexts();
    const us = -62_198_755_200_000_000; // before year 0
    expect(texts.text(us)).toBe(formatTime(us, 'ms'));
  });

  it('part: the texts of whole columns, with absent times and repeats, equal formatTime’s', () => {
    const texts = new TimeTexts();
    const time = fc.oneof(
      fc.integer({ min: 0, max: 4_102_444_799_999_999 }),
      fc.integer({ min: 0, max: 4_102_444_799_999 }).map((ms) => ms * 1000),
      fc.constant(Number.NaN),
      // Beyond 9999 and before 0000: formatTime's own text.
      fc.constantFrom(253_402_300_800_000_000, -62_198_755_200_000_000),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(time, time), { minLength: 1, maxLength: 300 }),
        fc.boolean(),
        (rows, chained) => {
          // chained: each row's first time is the last row's second, as candles' open_time and time.
          const a = new Float64Array(rows.length);
          const b = new Float64Array(rows.length);
          rows.forEach(([x, y], r) => {
            a[r] = chained && r > 0 ? b[r - 1]! : x;
            b[r] = y;
          });
          const out = [
            new Array<string | undefined>(rows.length),
            new Array<string | undefined>(rows.length),
          ];
          const from = rows.length > 2 ? 1 : 0;
          texts.part([a, b], from, rows.length, out);
          for (let r = from; r < rows.length; r++)
            [a, b].forEach((col, c) => {
              const us = col[r]!;
              expect(out[c]![r]).toBe(Number.isNaN(us) ? undefined : formatTime(us, precisionOf(us)));
            });
          // `text` after a part gives the same texts (the two kept are the part's).
          const last = b[rows.length - 1]!;
          if (!Number.isNaN(last)) expect(texts.text(last)).toBe(formatTime(last, precisionOf(last)));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
