/**
 * `sanitize --calendar weekdays` and `--session`: daily stock data has no weekend gaps, and intraday
 * data none outside the session; gaps inside the calendar are still found and filled.
 */

import { describe, expect, it } from 'vitest';
import { parseInterval } from '../src/core/records/interval.js';
import { Calendar, parseCalendar, parseSession } from '../src/core/sanitize/calendar.js';
import { parseLines, runInProcess } from './helpers/cli.js';
import { describeShared, sharedFile } from './helpers/shared-data.js';

const us = (iso: string): number => Date.parse(iso) * 1000;
const iso = (t: number): string => new Date(t / 1000).toISOString();
const D = parseInterval('1d')!;
const H = parseInterval('1h')!;
const W = parseInterval('1w')!;

describe('Calendar.next', () => {
  const weekdays = new Calendar('weekdays');
  const session = new Calendar('weekdays', parseSession('14:30-21:00'));
  const everyDay = new Calendar('24x7', parseSession('09:00-17:00'));
  it.each([
    ['24x7 keeps every time', new Calendar(), '2024-01-06T00:00:00.000Z', D, '2024-01-06T00:00:00.000Z'],
    ['weekdays: Friday stays', weekdays, '2024-01-05T00:00:00.000Z', D, '2024-01-05T00:00:00.000Z'],
    ['weekdays: Saturday to Monday', weekdays, '2024-01-06T00:00:00.000Z', D, '2024-01-08T00:00:00.000Z'],
    ['weekdays: Sunday to Monday', weekdays, '2024-01-07T00:00:00.000Z', D, '2024-01-08T00:00:00.000Z'],
    [
      'weekdays: a Saturday hour to Monday midnight',
      weekdays,
      '2024-01-06T13:00:00.000Z',
      H,
      '2024-01-08T00:00:00.000Z',
    ],
    [
      'weekdays: weekly candles ignore it',
      weekdays,
      '2024-01-06T00:00:00.000Z',
      W,
      '2024-01-06T00:00:00.000Z',
    ],
    [
      'session: before the start to the start',
      session,
      '2024-01-03T10:00:00.000Z',
      H,
      '2024-01-03T14:30:00.000Z',
    ],
    ['session: inside stays', session, '2024-01-03T20:30:00.000Z', H, '2024-01-03T20:30:00.000Z'],
    [
      'session: the end is closed, to the next day',
      session,
      '2024-01-03T21:00:00.000Z',
      H,
      '2024-01-04T14:30:00.000Z',
    ],
    ['session: after Friday to Monday', session, '2024-01-05T21:30:00.000Z', H, '2024-01-08T14:30:00.000Z'],
    ['session: daily candles ignore it', session, '2024-01-05T00:00:00.000Z', D, '2024-01-05T00:00:00.000Z'],
    ['24x7 session: Saturday is a day', everyDay, '2024-01-05T17:00:00.000Z', H, '2024-01-06T09:00:00.000Z'],
  ] as const)('%s', (_name, cal, at, interval, expected) => {
    expect(iso(cal.next(us(at), interval))).toBe(expected);
  });

  it('refuses a session that is not HH:MM-HH:MM with the start first, and an unknown calendar', () => {
    for (const bad of ['21:00-14:30', '14:30', '9-17', '25:00-26:00', '10:60-11:00'])
      expect(() => parseSession(bad)).toThrow(/--session: expected HH:MM-HH:MM/);
    expect(() => parseCalendar('weekends')).toThrow(/--calendar: expected one of 24x7, weekdays/);
  });
});

const candle = (open: string, close = 100): string => {
  const t = us(open);
  return JSON.stringify({
    type: 'candle',
    time: iso(t + 3_600_000_000),
    exchange: 'other',
    symbol: 'AAPL',
    interval: '1h',
    open_time: open,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 10,
  });
};

describe('sanitize --session', () => {
  // Hours of Friday 5 and Monday 8 January 2024, a 14:30-21:00 session; 16:30 on Monday is missing.
  const hours = ['14:30', '15:30', '16:30', '17:30', '18:30', '19:30', '20:30'];
  const input = [
    ...hours.map((h) => candle(`2024-01-05T${h}:00.000Z`)),
    ...hours.filter((h) => h !== '16:30').map((h) => candle(`2024-01-08T${h}:00.000Z`)),
  ].join('\n');

  it('finds the one gap inside the session and fills it, nothing overnight or at the weekend', async () => {
    const r = await runInProcess(
      [
        'sanitize',
        '--calendar',
        'weekdays',
        '--session',
        '14:30-21:00',
        '--fill-gaps',
        'flat',
        '--report',
        '/dev/null',
      ],
      `${input}\n`,
    );
    expect(r.code).toBe(0);
    const out = parseLines(r.stdout);
    const synthetic = out.filter((c) => c.synthetic === true);
    expect(synthetic.map((c) => c.open_time)).toEqual(['2024-01-08T16:30:00.000Z']);
    expect(r.stderr).toMatch(/gap +1 +filled/);
    expect(r.stderr).toContain(
      '1 1h candle missing from 2024-01-08T16:30:00.000Z before 2024-01-08T17:30:00.000Z',
    );
  });

  it('without the calendar the night and the weekend are gaps', async () => {
    const r = await runInProcess(['sanitize'], `${input}\n`);
    // Friday 21:30 to Monday 14:30 is 65 hours missing; 16:30 on Monday one more.
    expect(r.stderr).toContain(
      '65 1h candles missing from 2024-01-05T21:30:00.000Z before 2024-01-08T14:30:00.000Z',
    );
  });
});

describeShared('sanitize --calendar weekdays on real daily stock data', () => {
  it('orcl-1995-2014: only weekday gaps (holidays) are left, counted independently', async () => {
    const fetched = await runInProcess([
      'fetch',
      '--file',
      sharedFile('backtrader', 'orcl-1995-2014.txt'),
      '-q',
    ]);
    expect(fetched.code).toBe(0);
    const candles = parseLines(fetched.stdout);
    // The reference: weekdays strictly between two consecutive candles' days.
    let gaps = 0;
    let missing = 0;
    for (let i = 1; i < candles.length; i++) {
      let n = 0;
      const a = Date.parse(candles[i - 1]!.open_time as string);
      const b = Date.parse(candles[i]!.open_time as string);
      for (let t = a + 86_400_000; t < b; t += 86_400_000) {
        const dow = new Date(t).getUTCDay();
        if (dow !== 0 && dow !== 6) n++;
      }
      if (n > 0) gaps++;
      missing += n;
    }
    expect(gaps).toBeGreaterThan(100);
    const r = await runInProcess(
      ['sanitize', '--calendar', 'weekdays', '--fill-gaps', 'flat'],
      fetched.stdout,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`gap +${gaps} +filled`));
    const out = parseLines(r.stdout);
    const synthetic = out.filter((c) => c.synthetic === true);
    expect(synthetic).toHaveLength(missing);
    for (const c of synthetic) expect([0, 6]).not.toContain(new Date(c.open_time as string).getUTCDay());
    // Without the calendar every weekend is a gap too.
    const weekendGaps = await runInProcess(['sanitize'], fetched.stdout);
    const m = /gap +([\d,]+)/.exec(weekendGaps.stderr);
    expect(Number(m![1]!.replaceAll(',', ''))).toBeGreaterThan(gaps + 900);
  });

  it('2006-min-005 (5-minute index bars, 09:05-17:30 opens): 20 gaps without the calendar, none with it', async () => {
    const fetched = await runInProcess(['fetch', sharedFile('backtrader', '2006-min-005.txt'), '-q']);
    const plain = await runInProcess(['sanitize'], fetched.stdout);
    expect(plain.stderr).toMatch(/gap +20 +kept/);
    expect(plain.stderr).toContain(
      '186 5m candles missing from 2006-01-02T17:35:00.000Z before 2006-01-03T09:05:00.000Z',
    );
    const r = await runInProcess(
      // --no-quiet: a clean run's report is left out when stderr is not a terminal (docs/cli.md).
      ['sanitize', '--calendar', 'weekdays', '--session', '09:05-17:35', '--fill-gaps', 'flat', '--no-quiet'],
      fetched.stdout,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/2,142 records read from stdin, 2,142 written; no problems found/);
  });
});
