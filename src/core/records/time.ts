/**
 * Time on the wire and inside the core.
 *
 * Inside the core a time is an integer number of microseconds since the Unix epoch (UTC): exact for
 * every timestamp a venue sends and safe in a double until the year 2255. On the wire a time is an
 * ISO-8601 UTC string with millisecond or microsecond precision (docs/format.md). Readers also accept
 * epoch numbers, told apart by magnitude (Binance spot archives switched from milliseconds to
 * microseconds on 2025-01-01, so a unit cannot be assumed per source).
 */

export const US_PER_MS = 1_000;
export const US_PER_SECOND = 1_000_000;
export const US_PER_MINUTE = 60 * US_PER_SECOND;
export const US_PER_HOUR = 60 * US_PER_MINUTE;
export const US_PER_DAY = 24 * US_PER_HOUR;

/** The precision a time was written with; output keeps it. */
export type TimePrecision = 'ms' | 'us';

/** Epoch numbers at or above this are microseconds (16 digits, from 2001-09-09 on). */
const MIN_EPOCH_US = 1e14;
/** Epoch numbers at or above this and below MIN_EPOCH_US are milliseconds (from 1973-03-03 on). */
const MIN_EPOCH_MS = 1e11;

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). Pure
 * integer arithmetic: no Date object, no locale, no allocation.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(i + k) - 48;
    if (d >>> 0 > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** The date part of the last canonical time parsed, and its epoch microseconds at midnight. */
// 11 characters, the last not 'T': no string that passed the separator checks starts with it.
let lastDate = '----------X';
let lastDateUs = 0;

/**
 * Parses the canonical wire form, `YYYY-MM-DDTHH:MM:SS.sssZ` or `YYYY-MM-DDTHH:MM:SS.ssssssZ`, to epoch
 * microseconds, or returns NaN when the string is not exactly in that form. This is the hot path:
 * every record from a tickpipe tool is written this way, and consecutive records mostly share their
 * date, so the date's day count is cached.
 */
export function parseCanonicalTime(s: string): number {
  const len = s.length;
  if (len !== 24 && len !== 27) return Number.NaN;
  if (
    s.charCodeAt(10) !== 84 || // T
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46 || // .
    s.charCodeAt(len - 1) !== 90 // Z
  ) {
    return Number.NaN;
  }
  let dayUs: number;
  if (s.startsWith(lastDate)) {
    dayUs = lastDateUs;
  } else {
    if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return Number.NaN;
    const year = digits(s, 0, 4);
    const month = digits(s, 5, 2);
    const day = digits(s, 8, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
    dayUs = daysFromCivil(year, month, day) * US_PER_DAY;
    lastDate = s.slice(0, 10);
    lastDateUs = dayUs;
  }
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  const fraction = len === 24 ? digits(s, 20, 3) * 1000 : digits(s, 20, 6);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || fraction < 0) {
    return Number.NaN;
  }
  return dayUs + hour * US_PER_HOUR + minute * US_PER_MINUTE + second * US_PER_SECOND + fraction;
}

const ISO_GENERAL =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export interface ParsedTime {
  /** Epoch microseconds. */
  readonly us: number;
  readonly precision: TimePrecision;
  /** True when the value was already in the canonical wire form and needs no rewriting. */
  readonly canonical: boolean;
}

/**
 * Parses any accepted time value: a canonical string (fast path), another ISO-8601 form (a date
 * alone is midnight UTC; no zone means UTC; an offset is applied; digits past microseconds are
 * truncated), or an epoch number in milliseconds (13 digits) or microseconds (16 digits). Decimal
 * strings of epoch numbers are accepted too, as venues send them. Returns undefined when the value
 * is none of these.
 */
export function parseTime(value: unknown): ParsedTime | undefined {
  if (typeof value === 'string') {
    const fast = parseCanonicalTime(value);
    if (!Number.isNaN(fast))
      return { us: fast, precision: value.length === 27 ? 'us' : 'ms', canonical: true };
    return parseIsoGeneral(value) ?? parseEpochString(value);
  }
  if (typeof value === 'number') return parseEpochNumber(value);
  return undefined;
}

/**
 * parseTime for hot loops: reads a record's time into its own fields instead of returning a new
 * object, with the canonical wire form taking the allocation-free path. One reader per stage.
 */
export class TimeReader {
  us = Number.NaN;
  precision: TimePrecision = 'ms';
  /** True when the value was already in the canonical wire form. */
  canonical = true;

  /** Reads `value`; false (fields unchanged) when it is not a time. */
  read(value: unknown): boolean {
    if (typeof value === 'string') {
      const us = parseCanonicalTime(value);
      if (!Number.isNaN(us)) {
        this.us = us;
        this.precision = value.length === 27 ? 'us' : 'ms';
        this.canonical = true;
        return true;
      }
    }
    const t = parseTime(value);
    if (t === undefined) return false;
    this.us = t.us;
    this.precision = t.precision;
    this.canonical = t.canonical;
    return true;
  }
}

function parseIsoGeneral(s: string): ParsedTime | undefined {
  const m = ISO_GENERAL.exec(s);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const frac = m[7] ?? '';
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = Number(`${frac}000000`.slice(0, 6));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const body = zone.slice(1).replace(':', '');
    const oh = Number(body.slice(0, 2));
    const om = body.length > 2 ? Number(body.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const us =
    daysFromCivil(year, month, day) * US_PER_DAY +
    hour * US_PER_HOUR +
    (minute - offsetMinutes) * US_PER_MINUTE +
    second * US_PER_SECOND +
    fraction;
  return { us, precision: frac.length > 3 ? 'us' : 'ms', canonical: false };
}

function parseEpochString(s: string): ParsedTime | undefined {
  if (!/^\d{11,17}$/.test(s)) return undefined;
  return parseEpochNumber(Number(s));
}

/** Epoch milliseconds or microseconds, told apart by magnitude. */
export function parseEpochNumber(n: number): ParsedTime | undefined {
  if (!Number.isFinite(n) || n < MIN_EPOCH_MS) return undefined;
  if (n >= MIN_EPOCH_US) {
    if (n >= 1e17) return undefined;
    return { us: Math.trunc(n), precision: 'us', canonical: false };
  }
  return { us: Math.round(n * US_PER_MS), precision: 'ms', canonical: false };
}

const TWO_DIGITS: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

let cachedDay = Number.NaN;
let cachedDayPrefix = '';

export function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [m <= 2 ? y + 1 : y, m, d];
}

/**
 * Formats epoch microseconds as the canonical wire string. The date part is cached per day, which
 * makes formatting a stream of times cheap (a generated million candles format in a few ms).
 */
export function formatTime(us: number, precision: TimePrecision = 'ms'): string {
  const day = Math.floor(us / US_PER_DAY);
  if (day !== cachedDay) {
    const [y, m, d] = civilFromDays(day);
    const yyyy = y >= 0 && y < 10000 ? String(y).padStart(4, '0') : String(y);
    cachedDayPrefix = `${yyyy}-${TWO_DIGITS[m]}-${TWO_DIGITS[d]}T`;
    cachedDay = day;
  }
  let rest = us - day * US_PER_DAY;
  const hour = Math.floor(rest / US_PER_HOUR);
  rest -= hour * US_PER_HOUR;
  const minute = Math.floor(rest / US_PER_MINUTE);
  rest -= minute * US_PER_MINUTE;
  const second = Math.floor(rest / US_PER_SECOND);
  rest -= second * US_PER_SECOND;
  const fraction =
    precision === 'us'
      ? String(rest).padStart(6, '0')
      : String(Math.floor(rest / US_PER_MS)).padStart(3, '0');
  return `${cachedDayPrefix}${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${fraction}Z`;
}

/** Adds whole calendar months (for `1M` candles), clamping the day to the month's length. */
export function addMonths(us: number, months: number): number {
  const day = Math.floor(us / US_PER_DAY);
  const within = us - day * US_PER_DAY;
  const [y, m, d] = civilFromDays(day);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const nd = Math.min(d, daysInMonth(ny, nm));
  return daysFromCivil(ny, nm, nd) * US_PER_DAY + within;
}

const DURATION_UNITS: Record<string, number> = {
  us: 1,
  ms: US_PER_MS,
  s: US_PER_SECOND,
  m: US_PER_MINUTE,
  h: US_PER_HOUR,
  d: US_PER_DAY,
  w: 7 * US_PER_DAY,
};

/** Parses a duration such as `250ms`, `30s`, `5m`, `1h`, `1d`, `2w` into microseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d|w)$/.exec(text.trim());
  if (m === null) return undefined;
  const us = Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return us > 0 ? Math.round(us) : undefined;
}
