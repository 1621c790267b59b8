/**
 * The checks one record takes on its own, as it is read (before the reorder window): a candle's
 * ohlc (low and high contain open and close) and candle_time (time is open_time plus the interval),
 * and crossed quotes and books.
 */

import { addInterval } from '../records/interval.js';
import { derive } from '../records/record.js';
import { formatTime } from '../records/time.js';
import { best, type Entry } from './entries.js';
import type { Policy } from './policy.js';
import type { Problems } from './problems.js';

export function recordChecks(e: Entry, problems: Problems, policy: Policy): boolean {
  const rec = e.rec;
  if (rec.type === 'candle') return candleChecks(e, problems, policy);
  if (rec.type === 'quote') {
    if ((rec.bid_price as number) > (rec.ask_price as number)) {
      return problems.handle('crossed', rec, `bid_price ${rec.bid_price} > ask_price ${rec.ask_price}`, e);
    }
    return true;
  }
  if (rec.type === 'book') {
    const bestBid = best(rec.bids as readonly (readonly [number, number])[], true);
    const bestAsk = best(rec.asks as readonly (readonly [number, number])[], false);
    if (bestBid >= bestAsk) {
      return problems.handle('crossed', rec, `best bid ${bestBid} >= best ask ${bestAsk}`, e);
    }
  }
  return true;
}

function candleChecks(e: Entry, problems: Problems, policy: Policy): boolean {
  const rec = e.rec;
  const open = rec.open as number;
  const high = rec.high as number;
  const low = rec.low as number;
  const close = rec.close as number;
  if (low > open || low > close || high < open || high < close || high < low) {
    const message = `low ${low} and high ${high} do not contain open ${open} and close ${close}`;
    if (!problems.handle('ohlc', rec, message, e)) return false;
    if (policy.ohlc === 'fix') {
      e.rec = derive(e.rec, {
        high: Math.max(open, high, low, close),
        low: Math.min(open, high, low, close),
      });
    }
  }
  const expected = addInterval(e.openUs, e.interval!);
  if (expected !== e.timeUs) {
    const want = formatTime(expected, e.precision);
    if (
      !problems.handle('candle_time', rec, `time ${rec.time} is not open_time + ${rec.interval} (${want})`, e)
    ) {
      return false;
    }
    if (policy.candle_time === 'fix') {
      e.rec = derive(e.rec, { time: want });
      e.timeUs = expected;
    }
  }
  return true;
}
