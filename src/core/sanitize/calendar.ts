/**
 * Trading calendars for gap detection and gap filling (`sanitize --calendar`, `--session`): which
 * candle open times a series is expected to have. Crypto trades around the clock (`24x7`, the
 * default); stock data has no candles on Saturdays and Sundays (`weekdays`), and intraday stock data
 * none outside the session hours. All times are UTC.
 *
 * Rules (docs/sanitize.md, "Calendars"):
 * - `weekdays`: no candle opens on a Saturday or a Sunday (UTC); the next one after Friday's is
 *   Monday's.
 * - `--session HH:MM-HH:MM` (start before end, the same UTC day): candles of intervals shorter than
 *   a day open from the start up to before the end; the next one after the last of a day is the next
 *   (week)day's at the start. Daily and longer candles ignore the session.
 * - Weekly and monthly candles ignore the calendar.
 */

import { UsageError } from '../errors.js';
import type { Interval } from '../records/interval.js';
import { US_PER_DAY, US_PER_MINUTE } from '../records/time.js';

export const CALENDARS = ['24x7', 'weekdays'] as const;
export type CalendarName = (typeof CALENDARS)[number];

export interface Session {
  /** Microseconds after UTC midnight. */
  readonly startUs: number;
  readonly endUs: number;
}

export class Calendar {
  constructor(
    readonly name: CalendarName = '24x7',
    readonly session?: Session,
  ) {}

  /** True when the calendar expects every open time (24x7 without a session). */
  get always(): boolean {
    return this.name === '24x7' && this.session === undefined;
  }

  /** The first open time at or after `us` the calendar has for candles of `interval`. */
  next(us: number, interval: Interval): number {
    if (this.always || interval.months > 0 || interval.us > US_PER_DAY) return us;
    let t = us;
    const s = interval.us < US_PER_DAY ? this.session : undefined;
    // At most three passes: past Friday's session end to Saturday, the weekend to Monday, Monday's start.
    for (let i = 0; i < 4; i++) {
      const day = Math.floor(t / US_PER_DAY);
      if (this.name === 'weekdays') {
        // 1970-01-01 was a Thursday: day % 7 is 2 on Saturdays and 3 on Sundays.
        const dow = ((day % 7) + 7) % 7;
        if (dow === 2 || dow === 3) {
          t = (day + (dow === 2 ? 2 : 1)) * US_PER_DAY + (s?.startUs ?? 0);
          continue;
        }
      }
      if (s === undefined) return t;
      const within = t - day * US_PER_DAY;
      if (within < s.startUs) return day * US_PER_DAY + s.startUs;
      if (within < s.endUs) return t;
      t = (day + 1) * US_PER_DAY + s.startUs;
    }
    return t;
  }
}

/** `--session 14:30-21:00`: a UTC session, its start before its end. */
export function parseSession(text: string): Session {
  const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(text.trim());
  const minutes = (h: string, mm: string): number | undefined => {
    const v = Number(h) * 60 + Number(mm);
    return Number(h) <= 24 && Number(mm) < 60 && v <= 24 * 60 ? v : undefined;
  };
  const start = m === null ? undefined : minutes(m[1]!, m[2]!);
  const end = m === null ? undefined : minutes(m[3]!, m[4]!);
  if (start === undefined || end === undefined || start >= end)
    throw new UsageError(
      `--session: expected HH:MM-HH:MM in UTC with the start before the end (14:30-21:00), found "${text}"`,
    );
  return { startUs: start * US_PER_MINUTE, endUs: end * US_PER_MINUTE };
}

export function parseCalendar(name: string, session?: string): Calendar {
  if (!(CALENDARS as readonly string[]).includes(name))
    throw new UsageError(`--calendar: expected one of ${CALENDARS.join(', ')}, found "${name}"`);
  return new Calendar(name as CalendarName, session === undefined ? undefined : parseSession(session));
}
