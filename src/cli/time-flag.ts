/** The --from/--to flags of fetch, store read and backtest --store. */

import { UsageError } from '../core/errors.js';
import { parseWhen } from '../core/fetch/dates.js';
import { parseTime } from '../core/records/time.js';

/**
 * A --from/--to flag's time in epoch µs (shared with store read and backtest --store): a date, an
 * ISO time, or relative to `now` (today, yesterday, now, -7d).
 */
export function timeFlag(
  name: string,
  value: string | undefined,
  now: number = nowFromEnv() ?? Date.now() * 1000,
): number | undefined {
  if (value === undefined) return undefined;
  const t = parseWhen(value, now);
  if (t === undefined)
    throw new UsageError(
      `--${name}: expected a UTC date (2024-01-01), an ISO time, today, yesterday, now, or a time before now (-7d, -12h), found "${value}"`,
    );
  return t;
}

/** Now, epoch microseconds: TICKPIPE_NOW (an ISO time) when set, else the clock. */
export function nowFromEnv(): number | undefined {
  const text = process.env.TICKPIPE_NOW;
  if (text === undefined) return undefined;
  const t = parseTime(text);
  if (t === undefined) throw new UsageError(`TICKPIPE_NOW: expected an ISO time, found "${text}"`);
  return t.us;
}
