/**
 * Bybit's REST API for candles (Bybit's archive has trades only): v5 klines, paged forward, through
 * the same boundary check as every REST record (fetch/rest.ts `acceptRest`).
 */

import { DataError } from '../../errors.js';
import { BYBIT_INTERVAL } from '../../exchanges/bybit/intervals.js';
import { parseInterval } from '../../records/interval.js';
import type { WireRecord } from '../../records/record.js';
import { formatTime, US_PER_HOUR, US_PER_MS } from '../../records/time.js';
import { CandleGrid } from '../coverage.js';
import { acceptRest, closeGrid, expectArray, ms, type RestContext, venueMs } from '../rest.js';
import type { TimedBatch, TimeRange } from '../timed.js';

/**
 * Bybit v5 klines: `list` is newest first, `[startTime, open, high, low, close, volume, turnover]`
 * (strings). Paged forward in windows of at most `limit` candles so output streams in time order.
 */
export async function* bybitKlines(
  ctx: RestContext,
  symbol: string,
  interval: string,
  intervalUs: number,
  range: TimeRange,
): AsyncGenerator<TimedBatch> {
  const ex = ctx.exchange;
  const code = BYBIT_INTERVAL[interval]!;
  const months = interval === '1M';
  const step = months ? 31 * 24 * US_PER_HOUR : intervalUs;
  const grid = new CandleGrid(parseInterval(interval)!, range, ctx.now);
  let url = ctx.restUrl;
  let start = range.from;
  while (start < range.to) {
    const end = Math.min(range.to, start + step * (months ? 1 : ex.klineLimit));
    url = `${ctx.restUrl}/v5/market/kline?category=${ex.rest}&symbol=${symbol}&interval=${code}&start=${ms(start)}&end=${ms(end) - 1}&limit=${ex.klineLimit}`;
    const body = (await ctx.http.getJson(url)) as {
      retCode?: unknown;
      retMsg?: unknown;
      result?: { list?: unknown };
    };
    if (body?.retCode !== 0)
      throw new DataError(url, `Bybit error ${String(body?.retCode)}: ${String(body?.retMsg)}`);
    const list = expectArray(body.result?.list, url).slice().reverse();
    const records: WireRecord[] = [];
    const keys: number[] = [];
    for (let i = 0; i < list.length; i++) {
      const r = list[i] as unknown[];
      const openMs = Array.isArray(r) ? venueMs(r[0]) : Number.NaN;
      if (Number.isNaN(openMs) || r.length < 7) {
        ctx.policy.report(`${url} [${i}]`, `expected a kline row, found ${JSON.stringify(r).slice(0, 80)}`);
        continue;
      }
      const vals = r.slice(1, 7);
      const openUs = openMs * US_PER_MS;
      if (openUs < range.from || openUs >= range.to) continue;
      const closeUs = months ? nextMonth(openUs) : openUs + intervalUs;
      if (closeUs > ctx.now) continue;
      // Checked before the grid takes it: a refused candle is reported missing, not delivered.
      const rec = acceptRest(ctx, `${url} [${i}]`, {
        type: 'candle',
        time: formatTime(closeUs, 'ms'),
        exchange: ex.id,
        symbol,
        interval,
        open_time: formatTime(openUs, 'ms'),
        open: vals[0],
        high: vals[1],
        low: vals[2],
        close: vals[3],
        volume: vals[4],
        quote_volume: vals[5],
      });
      if (rec === undefined || !grid.accept(openUs)) continue;
      records.push(rec);
      keys.push(openUs);
    }
    if (records.length > 0) yield { records, keys };
    start = end;
  }
  closeGrid(ctx, symbol, grid, url);
}

function nextMonth(us: number): number {
  const d = new Date(us / US_PER_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) * US_PER_MS;
}
