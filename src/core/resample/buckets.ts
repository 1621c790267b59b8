/**
 * Time buckets for resampling: which bucket of an interval a moment falls in, in UTC or in a venue's
 * time zone. Fixed intervals are aligned to the epoch in local time (so `4h` buckets start at 00:00,
 * 04:00, ... and `1d` at local midnight); weeks start on Monday (`2w`: every other Monday from
 * 1970-01-05); months are calendar months (`3M`: quarters from January).
 */

import { UsageError } from '../errors.js';
import type { Interval } from '../records/interval.js';
import { addMonths, civilFromDays, daysFromCivil, US_PER_DAY, US_PER_MINUTE } from '../records/time.js';

const WEEK = 7 * US_PER_DAY;
/** 1970-01-05, the first Monday of the epoch, in microseconds. */
const FIRST_MONDAY = 4 * US_PER_DAY;

/** A time zone: its offset from UTC at a moment, in microseconds (local = utc + offset). */
export interface TimeZone {
  readonly name: string;
  offset(utcUs: number): number;
}

export const UTC: TimeZone = { name: 'UTC', offset: () => 0 };

/**
 * Parses `--tz`: `UTC`, a fixed offset (`+08:00`, `-05:00`, `+0530`), or an IANA name
 * (`America/New_York`, `Asia/Tokyo`; daylight saving followed through the runtime's time-zone data).
 */
export function parseTimeZone(text: string, flag = '--tz'): TimeZone {
  const t = text.trim();
  if (/^(utc|z|gmt)$/i.test(t)) return UTC;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(t);
  if (m !== null) {
    const minutes = Number(m[2]) * 60 + Number(m[3]);
    if (Number(m[3]) >= 60 || minutes > 14 * 60)
      throw new UsageError(`${flag}: expected an offset from -14:00 to +14:00, found "${text}"`);
    const off = (m[1] === '-' ? -1 : 1) * minutes * US_PER_MINUTE;
    return { name: t, offset: () => off };
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: t,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new UsageError(
      `${flag}: expected UTC, an offset such as +08:00 or a zone such as Asia/Tokyo, found "${text}"`,
    );
  }
  const cache = new Map<number, number>();
  return {
    name: t,
    offset(utcUs: number): number {
      // Offsets change on whole quarter hours at most once in a while: one lookup per quarter hour.
      const key = Math.floor(utcUs / (15 * US_PER_MINUTE));
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const at = key * 15 * US_PER_MINUTE;
      const parts: Record<string, number> = {};
      for (const p of fmt.formatToParts(new Date(at / 1000)))
        if (p.type !== 'literal') parts[p.type] = Number(p.value);
      const local =
        daysFromCivil(parts.year!, parts.month!, parts.day!) * US_PER_DAY +
        ((parts.hour! * 60 + parts.minute!) * 60 + parts.second!) * 1_000_000;
      const off = local - at;
      if (cache.size > 10_000) cache.clear();
      cache.set(key, off);
      return off;
    },
  };
}

/** A bucket: [start, end) in UTC microseconds. */
export interface Bucket {
  readonly start: number;
  readonly end: number;
}

/** The bucket of `interval` in `tz` that contains the UTC moment `t`. */
export function bucketOf(t: number, interval: Interval, tz: TimeZone): Bucket {
  const off = tz.offset(t);
  const local = t + off;
  let startLocal: number;
  let endLocal: number;
  if (interval.months > 0) {
    const day = Math.floor(local / US_PER_DAY);
    const [y, m] = civilFromDays(day);
    const monthIndex = y * 12 + (m - 1);
    const first = Math.floor(monthIndex / interval.months) * interval.months;
    startLocal = daysFromCivil(Math.floor(first / 12), (first % 12) + 1, 1) * US_PER_DAY;
    endLocal = addMonths(startLocal, interval.months);
  } else if (interval.us % WEEK === 0) {
    startLocal = Math.floor((local - FIRST_MONDAY) / interval.us) * interval.us + FIRST_MONDAY;
    endLocal = startLocal + interval.us;
  } else {
    startLocal = Math.floor(local / interval.us) * interval.us;
    endLocal = startLocal + interval.us;
  }
  // Back to UTC with the offset in force at each edge (they differ across a daylight-saving change).
  const start = startLocal - tz.offset(startLocal - off);
  const end = endLocal - tz.offset(endLocal - off);
  return { start, end };
}
