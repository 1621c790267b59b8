/**
 * The plan of a fetch: a symbol's range as units in time order, whole past months from the
 * archive's monthly files, other whole past days from its daily files, and what the archive cannot
 * have yet (today) from REST; and the days of a month whose monthly file is missing.
 */

import { daysFromCivil, formatTime, US_PER_DAY } from '../records/time.js';
import type { SourceMode } from './fetch.js';
import type { TimeRange } from './timed.js';
import { BINANCE_DAILY_ONLY, BINANCE_DATA_TYPE, type Exchange, type Kind } from './venues.js';

/** A part of a symbol's range: one archive file's, or a span fetched from REST. */
export type Unit =
  | {
      readonly type: 'archive';
      readonly period: 'monthly' | 'daily';
      readonly date: string;
      readonly range: TimeRange;
    }
  | { readonly type: 'rest'; readonly range: TimeRange };

function dayText(day: number): string {
  return formatTime(day * US_PER_DAY).slice(0, 10);
}

/** The part of `r` on day `d` (days since the epoch). */
function dayPart(d: number, r: TimeRange): TimeRange {
  return { from: Math.max(r.from, d * US_PER_DAY), to: Math.min(r.to, (d + 1) * US_PER_DAY) };
}

function monthStartDay(day: number): number {
  const t = dayText(day);
  return daysFromCivil(Number(t.slice(0, 4)), Number(t.slice(5, 7)), 1);
}

function nextMonthDay(day: number): number {
  const t = dayText(day);
  const y = Number(t.slice(0, 4));
  const m = Number(t.slice(5, 7));
  return m === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1);
}

/** What the plan depends on besides the range. */
export interface PlanContext {
  readonly exchange: Exchange;
  readonly kind: Kind;
  readonly source: SourceMode;
  /** Epoch microseconds. */
  readonly now: number;
}

/** The units of one symbol's range, in time order. */
export function planUnits(r: TimeRange, c: PlanContext): Unit[] {
  const { exchange, kind, source, now } = c;
  const units: Unit[] = [];
  const today = Math.floor(now / US_PER_DAY);
  const currentMonth = monthStartDay(today);
  const firstDay = Math.floor(r.from / US_PER_DAY);
  const endDay = Math.ceil(r.to / US_PER_DAY);
  const dataType = BINANCE_DATA_TYPE[kind];
  const monthlyOnly = exchange.venue === 'binance' && dataType === 'fundingRate';
  const hasMonthly = exchange.venue === 'binance' && !BINANCE_DAILY_ONLY.has(dataType ?? '');
  // Binance's archive has every kind planned here (options: not candles); Bybit's has trades only.
  const hasArchive =
    exchange.venue === 'binance' ? (exchange.archiveKinds?.has(kind) ?? true) : kind === 'trades';
  const pushRest = (from: number, to: number): void => {
    const last = units.at(-1);
    if (last?.type === 'rest' && last.range.to === from)
      units[units.length - 1] = { type: 'rest', range: { from: last.range.from, to } };
    else units.push({ type: 'rest', range: { from, to } });
  };
  let day = firstDay;
  while (day < endDay) {
    const mStart = monthStartDay(day);
    const mEnd = nextMonthDay(day);
    if (source !== 'rest' && hasArchive) {
      const monthRange = {
        from: Math.max(r.from, mStart * US_PER_DAY),
        to: Math.min(r.to, mEnd * US_PER_DAY),
      };
      const wholeMonth =
        day === mStart && mEnd <= endDay && r.from <= mStart * US_PER_DAY && r.to >= mEnd * US_PER_DAY;
      if (hasMonthly && mEnd <= currentMonth && (wholeMonth || monthlyOnly)) {
        units.push({
          type: 'archive',
          period: 'monthly',
          date: dayText(mStart).slice(0, 7),
          range: monthRange,
        });
        day = mEnd;
        continue;
      }
      if (monthlyOnly) {
        // Funding is published monthly only: the current month comes from REST.
        pushRest(monthRange.from, monthRange.to);
        day = mEnd;
        continue;
      }
      if (day < today) {
        units.push({ type: 'archive', period: 'daily', date: dayText(day), range: dayPart(day, r) });
        day++;
        continue;
      }
    }
    const dr = dayPart(day, r);
    pushRest(dr.from, dr.to);
    day++;
  }
  return units.filter((u) => u.range.from < u.range.to);
}

/** The daily units of a month's range (its monthly file is not published yet). */
export function dailyUnits(range: TimeRange): Unit[] {
  const first = Math.floor(range.from / US_PER_DAY);
  const last = Math.ceil(range.to / US_PER_DAY);
  const days: Unit[] = [];
  for (let d = first; d < last; d++)
    days.push({ type: 'archive', period: 'daily', date: dayText(d), range: dayPart(d, range) });
  return days;
}

/** Rows and times in the manifest describe the whole file only when the range did not cut it. */
export function unitIsWholeFile(unit: Extract<Unit, { type: 'archive' }>): boolean {
  const first = Math.floor(unit.range.from / US_PER_DAY);
  if (unit.range.from !== first * US_PER_DAY) return false;
  const end = unit.period === 'daily' ? first + 1 : nextMonthDay(first);
  return unit.range.to === end * US_PER_DAY;
}
