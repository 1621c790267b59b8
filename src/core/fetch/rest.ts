/**
 * The venues' REST APIs, for what the archives do not have yet (today; yesterday before it is
 * published) and for what only REST has (instruments, book snapshots). Every response goes through
 * the same row parsers as the archive's CSV rows, so the records are the same whichever source
 * delivered them.
 */

import { DataError } from '../errors.js';
import type { ErrorPolicy } from '../io/lines.js';
import { toNumber } from '../records/bounds.js';
import { parseInterval } from '../records/interval.js';
import type { WireRecord } from '../records/record.js';
import { formatTime, parseCanonicalTime, US_PER_HOUR, US_PER_MS } from '../records/time.js';
import { RecordValidator } from '../records/validate.js';
import { aggTradeParser, klineParser } from './binance/csv.js';
import { optionKlineFields } from './binance/options.js';
import { CandleGrid } from './coverage.js';
import type { HttpClient } from './http.js';
import { type ParsedRow, RowError, type RowParser } from './rows.js';
import type { TimedBatch, TimeRange } from './timed.js';
import type { Exchange } from './venues.js';

export interface RestContext {
  readonly http: HttpClient;
  readonly exchange: Exchange;
  readonly restUrl: string;
  readonly policy: ErrorPolicy;
  /** Now, epoch microseconds: candles that have not closed by then are not emitted. */
  readonly now: number;
  /** A part of the range REST did not deliver: reported as a failure (exit 1). */
  readonly missing?: ((symbol: string, range: TimeRange, url: string, reason: string) => void) | undefined;
  /** Said on stderr whatever the verbosity (repeated candles dropped). */
  readonly warn?: ((message: string) => void) | undefined;
}

/** Reports what a candle grid found missing or repeated once the paging is over. */
export function closeGrid(ctx: RestContext, symbol: string, grid: CandleGrid, url: string): void {
  if (grid.duplicates > 0)
    ctx.warn?.(
      `${symbol}: ${grid.duplicates} repeated candle${grid.duplicates === 1 ? '' : 's'} from REST dropped (first: open time ${formatTime(grid.firstDuplicate!)})`,
    );
  for (const hole of grid.finish())
    ctx.missing?.(symbol, hole, url, `REST did not return ${grid.describe(hole)}`);
}

export const ms = (us: number): number => Math.floor(us / US_PER_MS);

function parseRows(
  rows: unknown[],
  parser: RowParser,
  url: string,
  policy: ErrorPolicy,
  toFields: (row: unknown) => string[],
): ParsedRow[] {
  const out: ParsedRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    try {
      out.push(parser.parse(toFields(rows[i])));
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      policy.report(`${url} [${i}]`, error.message);
    }
  }
  return out;
}

function batch(rows: readonly ParsedRow[]): TimedBatch {
  return { records: rows.map((r) => r.record), keys: rows.map((r) => r.key) };
}

export function expectArray(value: unknown, url: string): unknown[] {
  if (!Array.isArray(value))
    throw new DataError(url, `expected a JSON array, found ${JSON.stringify(value).slice(0, 80)}`);
  return value;
}

/**
 * A time in epoch milliseconds as a venue's JSON gives it: a safe integer, or a string of its
 * digits; NaN for anything else (`Number()` would read `"0x19DE2E51C00"` as a time and `""` as 0).
 */
export function venueMs(v: unknown): number {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : Number.NaN;
  return typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : Number.NaN;
}

const validator = new RecordValidator();

/**
 * A record made from a REST response, its values as the venue sent them, checked as every consumer
 * checks it (records/validate.ts): the record to emit, normalised (a decimal string such as
 * `"61800.20"` as its number), or undefined after reporting it to the policy at `where` (the URL
 * and the row's index). A price of 0, -5, `"0x1C1C"`, `""` or `" 4200"` is refused, not written.
 */
export function acceptRest(ctx: RestContext, where: string, rec: WireRecord): WireRecord | undefined {
  const problem = validator.check(rec);
  if (problem === undefined) return validator.record;
  ctx.policy.report(where, problem);
  return undefined;
}

function binanceKlineWeight(ex: Exchange): number {
  return ex.id === 'binance_spot' ? 2 : ex.id === 'binance_options' ? 1 : 10;
}

/**
 * Binance klines over `range` (by open time), paged forward; only closed candles. A short page does
 * not end the range (the venue may cap a page below the limit): paging goes on from the last candle
 * until the range is covered or a page is empty. Every open time on the grid is delivered once or
 * reported through `ctx.missing`; repeats are dropped (docs/fetch.md, "Faults").
 */
export async function* binanceKlines(
  ctx: RestContext,
  symbol: string,
  interval: string,
  range: TimeRange,
): AsyncGenerator<TimedBatch> {
  const ex = ctx.exchange;
  const parser = klineParser({ exchange: ex.id, symbol, interval, inverse: ex.inverse });
  const grid = new CandleGrid(parseInterval(interval)!, range, ctx.now);
  let start = range.from;
  let url = '';
  while (start < range.to && !grid.complete) {
    url = `${ctx.restUrl}${ex.rest}/klines?symbol=${symbol}&interval=${interval}&startTime=${ms(start)}&endTime=${ms(range.to) - 1}&limit=${ex.klineLimit}`;
    const rows = expectArray(
      await ctx.http.getJson(url, { weight: binanceKlineWeight(ex), weightLimit: ex.weightLimit }),
      url,
    );
    if (rows.length === 0) break;
    // Options klines are objects; every other market's are arrays.
    const toFields =
      ex.id === 'binance_options' ? optionKlineFields : (r: unknown) => (r as unknown[]).map(String);
    const parsed = parseRows(rows, parser, url, ctx.policy, toFields);
    // A candle still open at `now` is not a candle yet.
    const closed = parsed.filter(
      (p) => parseCanonicalTime((p.record as unknown as { time: string }).time) <= ctx.now,
    );
    const kept = closed.filter((p) => p.key >= range.from && p.key < range.to && grid.accept(p.key));
    if (kept.length > 0) yield batch(kept);
    const last = parsed.at(-1);
    if (last === undefined || closed.length < parsed.length) break;
    if (last.key < start) throw new DataError(url, 'klines went backwards');
    start = last.key + US_PER_MS;
  }
  closeGrid(ctx, symbol, grid, url || ctx.restUrl);
}

/**
 * Binance aggregate trades over `range`: the first page by time (windows of under an hour, as the
 * API requires), then by `fromId` until a trade at or after the end.
 */
export async function* binanceAggTrades(
  ctx: RestContext,
  symbol: string,
  range: TimeRange,
): AsyncGenerator<TimedBatch> {
  const ex = ctx.exchange;
  const parser = aggTradeParser({ exchange: ex.id, symbol });
  const weight = ex.id === 'binance_spot' ? 4 : 20;
  const toFields = (r: unknown): string[] => {
    const t = r as Record<string, unknown>;
    return [t.a, t.p, t.q, t.f, t.l, t.T, t.m].map(String);
  };
  let fromId: number | undefined;
  let windowStart = range.from;
  for (;;) {
    let url: string;
    if (fromId === undefined) {
      if (windowStart >= range.to) return;
      const windowEnd = Math.min(range.to, windowStart + US_PER_HOUR);
      url = `${ctx.restUrl}${ex.rest}/aggTrades?symbol=${symbol}&startTime=${ms(windowStart)}&endTime=${ms(windowEnd) - 1}&limit=1000`;
      windowStart = windowEnd;
    } else {
      url = `${ctx.restUrl}${ex.rest}/aggTrades?symbol=${symbol}&fromId=${fromId}&limit=1000`;
    }
    const rows = expectArray(await ctx.http.getJson(url, { weight, weightLimit: ex.weightLimit }), url);
    if (rows.length === 0) {
      if (fromId !== undefined) return;
      continue;
    }
    const parsed = parseRows(rows, parser, url, ctx.policy, toFields);
    const inRange = parsed.filter((p) => p.key >= range.from && p.key < range.to);
    if (inRange.length > 0) yield batch(inRange);
    const last = parsed.at(-1);
    if (last === undefined) return;
    if (last.key >= range.to) return;
    if (fromId !== undefined && rows.length < 1000 && last.key < range.to) {
      // The newest trades so far: nothing after them yet.
      return;
    }
    fromId = Number((last.record as unknown as { id: number }).id) + 1;
  }
}

/** Binance funding rates (futures) over `range`. */
export async function* binanceFunding(
  ctx: RestContext,
  symbol: string,
  range: TimeRange,
): AsyncGenerator<TimedBatch> {
  const ex = ctx.exchange;
  let start = range.from;
  for (;;) {
    if (start >= range.to) return;
    const url = `${ctx.restUrl}${ex.rest}/fundingRate?symbol=${symbol}&startTime=${ms(start)}&endTime=${ms(range.to) - 1}&limit=1000`;
    const rows = expectArray(await ctx.http.getJson(url, { weight: 1, weightLimit: ex.weightLimit }), url);
    if (rows.length === 0) return;
    const records: WireRecord[] = [];
    const keys: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as Record<string, unknown>;
      const t = venueMs(r.fundingTime);
      if (Number.isNaN(t) || r.fundingRate === undefined) {
        ctx.policy.report(
          `${url} [${i}]`,
          `expected fundingTime and fundingRate, found ${JSON.stringify(r).slice(0, 80)}`,
        );
        continue;
      }
      const us = t * US_PER_MS;
      if (us < range.from || us >= range.to) continue;
      // Old rows have no mark price ("", "0.00000000" or none): the rate is kept without one.
      const m = r.markPrice;
      const mark = m === '' || m === undefined || toNumber(m) <= 0 ? undefined : m;
      const rec = acceptRest(ctx, `${url} [${i}]`, {
        type: 'funding',
        time: formatTime(us, 'ms'),
        exchange: ex.id,
        symbol,
        rate: r.fundingRate,
        ...(mark === undefined ? {} : { mark_price: mark }),
      });
      if (rec === undefined) continue;
      records.push(rec);
      keys.push(us);
    }
    if (records.length > 0) yield { records, keys };
    const lastT = venueMs((rows.at(-1) as Record<string, unknown>).fundingTime) * US_PER_MS;
    if (rows.length < 1000 || !(lastT >= start)) return;
    start = lastT + US_PER_MS;
  }
}

function filterValue(filters: unknown, type: string, field: string): unknown {
  if (!Array.isArray(filters)) return undefined;
  const f = filters.find((x) => (x as { filterType?: unknown }).filterType === type) as
    | Record<string, unknown>
    | undefined;
  const v = f?.[field];
  return v;
}

/**
 * `instrument` records from Binance `exchangeInfo`: PRICE_FILTER tickSize, LOT_SIZE stepSize, and
 * the minimum notional from NOTIONAL or MIN_NOTIONAL `minNotional` (spot) or MIN_NOTIONAL
 * `notional` (futures). `time` is the response's `serverTime`.
 */
export function binanceInstruments(
  info: unknown,
  ex: Exchange,
  symbols: readonly string[],
  url: string,
): WireRecord[] {
  const body = info as { serverTime?: unknown; symbols?: unknown };
  if (!Array.isArray(body?.symbols))
    throw new DataError(url, 'expected an exchangeInfo response with "symbols"');
  const want = new Set(symbols);
  const time =
    typeof body.serverTime === 'number' ? formatTime(body.serverTime * US_PER_MS, 'ms') : undefined;
  const out: WireRecord[] = [];
  for (const s of body.symbols as Record<string, unknown>[]) {
    const symbol = String(s.symbol);
    if (want.size > 0 && !want.has(symbol)) continue;
    const filters = s.filters;
    const tick = filterValue(filters, 'PRICE_FILTER', 'tickSize');
    const lot = filterValue(filters, 'LOT_SIZE', 'stepSize');
    const minNotional =
      filterValue(filters, 'NOTIONAL', 'minNotional') ??
      filterValue(filters, 'MIN_NOTIONAL', 'minNotional') ??
      filterValue(filters, 'MIN_NOTIONAL', 'notional') ??
      0;
    const contractType = s.contractType;
    const kind = ex.id === 'binance_spot' ? 'spot' : contractType === 'PERPETUAL' ? 'perpetual' : 'future';
    const rec: Record<string, unknown> = { type: 'instrument' };
    if (time !== undefined) rec.time = time;
    Object.assign(rec, {
      exchange: ex.id,
      symbol,
      base: String(s.baseAsset),
      quote: String(s.quoteAsset),
      kind,
      tick_size: tick,
      lot_size: lot,
      min_notional: minNotional,
    });
    if (s.contractSize !== undefined) rec.contract_size = s.contractSize;
    if (typeof s.status === 'string') rec.status = s.status;
    else if (typeof s.contractStatus === 'string') rec.status = s.contractStatus;
    const problem = validator.check(rec as WireRecord);
    if (problem !== undefined) throw new DataError(`${url}: ${symbol}`, problem);
    out.push(validator.record);
  }
  for (const sym of want)
    if (!out.some((r) => r.symbol === sym)) throw new DataError(url, `no symbol ${sym} in exchangeInfo`);
  return out;
}

export async function binanceExchangeInfo(
  ctx: RestContext,
  symbols: readonly string[],
): Promise<WireRecord[]> {
  const ex = ctx.exchange;
  const query =
    ex.id === 'binance_spot' && symbols.length > 0
      ? `?symbols=${encodeURIComponent(JSON.stringify(symbols))}`
      : '';
  const url = `${ctx.restUrl}${ex.rest}/exchangeInfo${query}`;
  const info = await ctx.http.getJson(url, {
    weight: ex.id === 'binance_spot' ? 20 : 1,
    weightLimit: ex.weightLimit,
  });
  return binanceInstruments(info, ex, symbols, url);
}

/** A `book` snapshot from Binance's depth endpoint (`limit` levels a side). */
export async function binanceDepth(ctx: RestContext, symbol: string, limit: number): Promise<WireRecord> {
  const ex = ctx.exchange;
  const url = `${ctx.restUrl}${ex.rest}/depth?symbol=${symbol}&limit=${limit}`;
  const weight =
    ex.id === 'binance_spot'
      ? limit <= 100
        ? 5
        : limit <= 500
          ? 25
          : limit <= 1000
            ? 50
            : 250
      : limit <= 100
        ? 5
        : limit <= 500
          ? 10
          : 20;
  const body = (await ctx.http.getJson(url, { weight, weightLimit: ex.weightLimit })) as Record<
    string,
    unknown
  >;
  if (typeof body.lastUpdateId !== 'number')
    throw new DataError(url, 'expected a depth snapshot with "lastUpdateId"');
  // Futures snapshots carry the event time; spot's do not, so the receive time stands in.
  const eventMs = typeof body.E === 'number' ? body.E : Math.floor(ctx.now / US_PER_MS);
  const book: WireRecord = {
    type: 'book',
    time: formatTime(eventMs * US_PER_MS, 'ms'),
    exchange: ex.id,
    symbol,
    snapshot: true,
    sequence: body.lastUpdateId,
    bids: expectArray(body.bids, url),
    asks: expectArray(body.asks, url),
  };
  const problem = validator.check(book);
  if (problem !== undefined) throw new DataError(url, problem);
  return validator.record;
}
