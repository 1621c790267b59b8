import { addMonths, US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND } from './time.js';

/**
 * A candle interval such as `1s`, `1m`, `15m`, `4h`, `1d`, `1w` or `1M` (a calendar month; `1mo` is
 * accepted, as Binance's archive names monthly klines). Fixed intervals are a number of microseconds;
 * months are calendar arithmetic.
 */
export interface Interval {
  readonly text: string;
  /** Length in microseconds, or 0 for calendar months. */
  readonly us: number;
  /** Whole calendar months, or 0 for fixed intervals. */
  readonly months: number;
}

const UNIT_US: Record<string, number> = {
  s: US_PER_SECOND,
  m: US_PER_MINUTE,
  h: US_PER_HOUR,
  d: US_PER_DAY,
  w: 7 * US_PER_DAY,
};

const cache = new Map<string, Interval | null>();

/** Parses an interval, or returns undefined for anything else (`90x`, `0m`, `m`). */
export function parseInterval(text: string): Interval | undefined {
  const hit = cache.get(text);
  if (hit !== undefined) return hit ?? undefined;
  const m = /^([1-9]\d{0,5})(s|m|h|d|w|M|mo)$/.exec(text);
  let result: Interval | null = null;
  if (m !== null) {
    const n = Number(m[1]);
    const unit = m[2]!;
    result =
      unit === 'M' || unit === 'mo'
        ? { text, us: 0, months: n }
        : { text, us: n * UNIT_US[unit]!, months: 0 };
  }
  if (cache.size < 1000) cache.set(text, result);
  return result ?? undefined;
}

/** The start of the next interval after `us`. */
export function addInterval(us: number, interval: Interval, times = 1): number {
  return interval.months === 0 ? us + interval.us * times : addMonths(us, interval.months * times);
}
