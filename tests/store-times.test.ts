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
});
