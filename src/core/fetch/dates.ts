/**
 * `--from` and `--to` for cron jobs: besides a UTC date or an ISO time, times relative to now
 * (`TICKPIPE_NOW` in tests and reproducible runs):
 *
 * - `now`; `today` (00:00 UTC today); `yesterday` (00:00 UTC yesterday);
 * - `-7d`, `-2w`: whole days before today's 00:00 UTC, so a nightly `--from -7d --to today` is
 *   seven whole days, the archive's daily files exactly;
 * - `-12h`, `-30m`, `-90s`: that long before now, to the microsecond.
 */

import { parseDuration, parseTime, US_PER_DAY } from '../records/time.js';

/** Epoch microseconds of `text` with `now` for relative forms, or undefined when it is none of them. */
export function parseWhen(text: string, now: number): number | undefined {
  const t = text.trim();
  const midnight = Math.floor(now / US_PER_DAY) * US_PER_DAY;
  if (t === 'now') return now;
  if (t === 'today') return midnight;
  if (t === 'yesterday') return midnight - US_PER_DAY;
  if (t.startsWith('-')) {
    const body = t.slice(1);
    const us = parseDuration(body);
    if (us === undefined) return undefined;
    if (/[dw]$/.test(body)) {
      // Whole days only: -1.5d has no day boundary to stand on.
      if (us % US_PER_DAY !== 0) return undefined;
      return midnight - us;
    }
    return now - us;
  }
  return parseTime(t)?.us;
}
