/**
 * Binance options REST market data (eapi.binance.com, documented in Binance's "Options" market-data
 * pages): `/eapi/v1/mark`, the mark price with its implied volatilities and greeks, as one
 * `option_mark` record per option contract, stamped with the time of the request (the body carries
 * none). The body is an array of objects with decimal strings:
 *
 *     [{"symbol":"BTC-200730-9000-C","markPrice":"1343.2883","bidIV":"1.40000077","askIV":"1.50000153",
 *       "markIV":"1.45000000","delta":"0.55937056","theta":"3739.82509871","gamma":"0.00010969",
 *       "vega":"978.58874732","highPriceLimit":"1618.241","lowPriceLimit":"1068.3356",
 *       "riskFreeInterest":"0.1"}]
 *
 * An implied volatility below 0 (the venue's "no bid"/"no ask") is left out. Option klines
 * (`/eapi/v1/klines`) go through rest.ts's kline paging (options.ts maps their objects).
 */

import type { WireRecord } from '../../records/record.js';
import { formatTime } from '../../records/time.js';
import { expectArray, type RestContext } from '../rest.js';
import { decimalValue, RowError } from '../rows.js';

/** [record field, body field, required] in output order. */
const MARK_FIELDS: readonly (readonly [string, string, boolean])[] = [
  ['mark_price', 'markPrice', true],
  ['bid_iv', 'bidIV', false],
  ['ask_iv', 'askIV', false],
  ['mark_iv', 'markIV', false],
  ['delta', 'delta', false],
  ['gamma', 'gamma', false],
  ['vega', 'vega', false],
  ['theta', 'theta', false],
  ['high_price_limit', 'highPriceLimit', false],
  ['low_price_limit', 'lowPriceLimit', false],
  ['risk_free_rate', 'riskFreeInterest', false],
];
const IV = new Set(['bid_iv', 'ask_iv', 'mark_iv']);

function markRecord(exchange: string, time: string, row: unknown): WireRecord {
  if (row === null || typeof row !== 'object' || Array.isArray(row))
    throw new RowError(`expected a mark object, found ${JSON.stringify(row)?.slice(0, 80)}`);
  const r = row as Record<string, unknown>;
  if (typeof r.symbol !== 'string' || r.symbol.length === 0)
    throw new RowError(`expected a symbol, found ${JSON.stringify(r.symbol)}`);
  const rec: Record<string, unknown> = { type: 'option_mark', time, exchange, symbol: r.symbol };
  for (const [field, key, required] of MARK_FIELDS) {
    const v = r[key];
    if (v === undefined || v === '') {
      if (required) throw new RowError(`expected a number for "${key}", found nothing`);
      continue;
    }
    const n = typeof v === 'number' ? v : typeof v === 'string' ? decimalValue(v) : undefined;
    if (n === undefined || !Number.isFinite(n))
      throw new RowError(`expected a number for "${key}", found ${JSON.stringify(v)?.slice(0, 40)}`);
    if (IV.has(field) && n < 0) continue;
    rec[field] = n;
  }
  return rec as WireRecord;
}

/** The mark prices of `symbols` (every option when none is given), now. */
export async function binanceOptionMarks(
  ctx: RestContext,
  symbols: readonly string[],
): Promise<WireRecord[]> {
  const ex = ctx.exchange;
  const out: WireRecord[] = [];
  const time = formatTime(ctx.now, 'ms');
  for (const symbol of symbols.length === 0 ? [undefined] : symbols) {
    const url = `${ctx.restUrl}${ex.rest}/mark${symbol === undefined ? '' : `?symbol=${symbol}`}`;
    const rows = expectArray(await ctx.http.getJson(url, { weight: 5, weightLimit: ex.weightLimit }), url);
    for (let i = 0; i < rows.length; i++) {
      try {
        out.push(markRecord(ex.id, time, rows[i]));
      } catch (error) {
        if (!(error instanceof RowError)) throw error;
        ctx.policy.report(`${url} [${i}]`, error.message);
      }
    }
  }
  return out;
}
