import { UsageError } from '../errors.js';
import { parseDuration, US_PER_DAY } from '../records/time.js';

/**
 * The interval a metric is expressed in (`{value, interval}`), or the length of the periods equity
 * returns are taken over. `daily` is one day; `annual_252` a trading year of 252 days (equities);
 * `annual_365` a calendar year of 365 days (crypto trades every day); a duration (`30d`, `4h`) is
 * itself. Lengths are in microseconds, the engine's unit of time.
 */
export interface StatInterval {
  /** The canonical name written in output: `daily`, `annual_252`, `annual_365`, or the duration (`30d`). */
  readonly name: string;
  readonly us: number;
}

export const DAILY: StatInterval = { name: 'daily', us: US_PER_DAY };
export const ANNUAL_252: StatInterval = { name: 'annual_252', us: 252 * US_PER_DAY };
export const ANNUAL_365: StatInterval = { name: 'annual_365', us: 365 * US_PER_DAY };

const NAMED: Record<string, StatInterval> = {
  daily: DAILY,
  annual_252: ANNUAL_252,
  annual_365: ANNUAL_365,
};

/**
 * Parses an interval: `daily`, `annual_252`, `annual_365` (case-insensitive, `-` accepted for `_`),
 * or a duration such as `30d`, `4h`, `1w`. Throws a UsageError naming `flag` otherwise.
 *
 * @example parseStatInterval('Annual-252') // { name: 'annual_252', us: 21772800000000 }
 */
export function parseStatInterval(text: string, flag = '--interval'): StatInterval {
  const key = text.trim().toLowerCase().replace(/-/g, '_');
  const named = NAMED[key];
  if (named !== undefined) return named;
  const us = parseDuration(key);
  if (us !== undefined) return Object.values(NAMED).find((n) => n.us === us) ?? { name: key, us };
  throw new UsageError(
    `${flag}: expected daily, annual_252, annual_365 or a duration such as 30d or 4h, found "${text}"`,
  );
}
