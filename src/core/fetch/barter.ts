/**
 * barter-rs market data files: a JSON array of `MarketStreamEvent`s, as barter's backtest examples
 * read them. Each item is `{"Item": {"Ok": {time_exchange, time_received, exchange, instrument, kind}}}`
 * with `kind` one of `Trade`, `OrderBookL1` or `Candle`, or `{"Reconnecting": "<exchange>"}`.
 *
 * - `Trade` becomes a `trade` (side lower-cased), `OrderBookL1` a `quote`, `Candle` a `candle`
 *   (its interval from --interval).
 * - `Reconnecting` becomes a `disconnect` record for that exchange, at the time of the last event
 *   before it (the moment the feed was last known good).
 * - `instrument` is an index into the instruments of barter's `system_config.json` (`--config`);
 *   without it, `--symbol` names the one instrument.
 * - `time_received` (nanoseconds) is kept as `local_time`, to the microsecond.
 * - `{"Item": {"Err": ...}}` items are reported under --on-error.
 *
 * The file is read whole (barter's files are small; a large one is better converted once and cached).
 */

import { DataError, describeFound, UsageError } from '../errors.js';
import type { ErrorPolicy } from '../io/lines.js';
import { addInterval, parseInterval } from '../records/interval.js';
import type { WireRecord } from '../records/record.js';
import { formatTime, parseTime } from '../records/time.js';
import { RecordValidator } from '../records/validate.js';
import { decimalValue } from './rows.js';
import type { TimedBatch } from './timed.js';

export interface BarterConfig {
  /** Instrument index → the venue symbol (`name_exchange`). */
  readonly symbols: readonly string[];
}

/** Reads the instruments of a barter `system_config.json` (or backtest config with `instruments`). */
export function parseBarterConfig(text: string, path: string): BarterConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: invalid JSON: ${(error as Error).message}`);
  }
  const list =
    (value as { instruments?: unknown })?.instruments ??
    (value as { system_config?: { instruments?: unknown } })?.system_config?.instruments;
  if (!Array.isArray(list))
    throw new UsageError(`${path}: no "instruments" array (expected a barter system_config.json)`);
  const symbols = list.map((inst, i) => {
    const name = (inst as { name_exchange?: unknown })?.name_exchange;
    if (typeof name !== 'string') throw new UsageError(`${path}: instruments[${i}] has no "name_exchange"`);
    return name.toUpperCase();
  });
  return { symbols };
}

interface Options {
  readonly symbol?: string | undefined;
  readonly interval?: string | undefined;
  readonly policy: ErrorPolicy;
  readonly barterConfig?: BarterConfig | undefined;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

export async function* barterRecords(
  chunks: AsyncIterable<Buffer>,
  source: string,
  options: Options,
): AsyncGenerator<TimedBatch> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  const text = Buffer.concat(parts).toString('utf8');
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    throw new DataError(source, `invalid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(items))
    throw new DataError(source, 'expected a JSON array of barter MarketStreamEvents');
  const records: WireRecord[] = [];
  const validator = new RecordValidator();
  const keys: number[] = [];
  let lastUs: number | undefined;
  let lastPrecision: 'ms' | 'us' = 'ms';
  const pendingDisconnects: string[] = [];
  const symbolOf = (index: unknown, where: string): string | undefined => {
    if (typeof index === 'string') return index.toUpperCase();
    if (options.barterConfig !== undefined) {
      const s = typeof index === 'number' ? options.barterConfig.symbols[index] : undefined;
      if (s === undefined) {
        options.policy.report(where, `instrument ${str(index)} is not in the --config instruments`);
        return undefined;
      }
      return s;
    }
    if (options.symbol !== undefined) return options.symbol;
    throw new UsageError(
      `${where}: instrument ${str(index)} is an index into barter's system config: give --config system_config.json (or --symbol)`,
    );
  };
  const disconnect = (exchange: string, us: number, precision: 'ms' | 'us'): void => {
    records.push({ type: 'disconnect', time: formatTime(us, precision), exchange, reason: 'reconnecting' });
    keys.push(us);
  };
  for (let i = 0; i < items.length; i++) {
    const where = `${source}[${i}]`;
    const item = items[i] as Record<string, unknown>;
    if (item !== null && typeof item === 'object' && 'Reconnecting' in item) {
      const exchange = str(item.Reconnecting);
      if (lastUs === undefined) pendingDisconnects.push(exchange);
      else disconnect(exchange, lastUs, lastPrecision);
      continue;
    }
    const wrapped = (item as { Item?: Record<string, unknown> } | null)?.Item;
    if (wrapped === undefined || wrapped === null) {
      options.policy.report(where, 'expected {"Item": ...} or {"Reconnecting": ...}');
      continue;
    }
    if ('Err' in wrapped) {
      options.policy.report(where, `an error event: ${JSON.stringify(wrapped.Err).slice(0, 80)}`);
      continue;
    }
    const ev = wrapped.Ok as Record<string, unknown> | undefined;
    const t = parseTime(ev?.time_exchange);
    if (ev === undefined || t === undefined) {
      options.policy.report(where, 'expected an event with a "time_exchange"');
      continue;
    }
    const symbol = symbolOf(ev.instrument, where);
    if (symbol === undefined) continue;
    const exchange = str(ev.exchange);
    const local = parseTime(ev.time_received);
    for (const ex of pendingDisconnects.splice(0)) disconnect(ex, t.us, t.precision);
    lastUs = t.us;
    lastPrecision = t.precision;
    const base = {
      time: formatTime(t.us, t.precision),
      ...(local === undefined ? {} : { local_time: formatTime(local.us, local.precision) }),
      exchange,
      symbol,
    };
    const kind = (ev.kind ?? {}) as Record<string, Record<string, unknown>>;
    const before = records.length;
    try {
      if (!event(kind, base, where, t)) continue;
    } catch (error) {
      if (!(error instanceof BadValue)) throw error;
      records.length = before;
      options.policy.report(where, error.message);
      continue;
    }
    // Checked as every reader checks it (records/validate.ts): a price of 0 or -5, a side of
    // "abc", an id past 2^53 are refused at the event, not written.
    const problem = validator.check(records[before]!);
    if (problem !== undefined) {
      records.length = before;
      options.policy.report(where, problem);
      continue;
    }
    records[before] = validator.record;
    keys.push(t.us);
  }
  if (records.length > 0) yield { records, keys };

  /** Appends the record of one event; false (reported) for a kind tickpipe does not read. */
  function event(
    kind: Record<string, Record<string, unknown>>,
    base: { time: string; exchange: string; symbol: string; local_time?: string },
    where: string,
    t: NonNullable<ReturnType<typeof parseTime>>,
  ): boolean {
    if (kind.Trade !== undefined) {
      const k = kind.Trade;
      const id = k.id;
      records.push({
        type: 'trade',
        ...base,
        id: typeof id === 'number' || typeof id === 'string' ? id : str(id),
        price: finite(k.price, 'price'),
        amount: finite(k.amount, 'amount'),
        side: str(k.side).toLowerCase(),
      });
    } else if (kind.OrderBookL1 !== undefined) {
      const k = kind.OrderBookL1 as {
        best_bid?: { price: unknown; amount: unknown };
        best_ask?: { price: unknown; amount: unknown };
      };
      records.push({
        type: 'quote',
        ...base,
        bid_price: finite(k.best_bid?.price, 'best_bid.price'),
        bid_amount: finite(k.best_bid?.amount, 'best_bid.amount'),
        ask_price: finite(k.best_ask?.price, 'best_ask.price'),
        ask_amount: finite(k.best_ask?.amount, 'best_ask.amount'),
      });
    } else if (kind.Candle !== undefined) {
      const k = kind.Candle;
      if (options.interval === undefined)
        throw new UsageError(`${where}: barter candles do not say their interval: give --interval`);
      const iv = parseInterval(options.interval);
      if (iv === undefined) throw new UsageError(`--interval: not an interval: "${options.interval}"`);
      const close = parseTime(k.close_time) ?? t;
      records.push({
        type: 'candle',
        ...base,
        time: formatTime(close.us, close.precision),
        interval: options.interval,
        open_time: formatTime(addInterval(close.us, iv, -1), close.precision),
        open: finite(k.open, 'open'),
        high: finite(k.high, 'high'),
        low: finite(k.low, 'low'),
        close: finite(k.close, 'close'),
        volume: finite(k.volume, 'volume'),
        ...(k.trade_count === undefined ? {} : { trades: finite(k.trade_count, 'trade_count') }),
      });
    } else {
      options.policy.report(where, `unsupported event kind ${Object.keys(kind).join(',') || 'none'}`);
      return false;
    }
    return true;
  }
}

class BadValue extends Error {}

/** A finite JSON number, or a decimal string; anything else (1e400, "abc", null) is refused. */
function finite(value: unknown, name: string): number {
  const n =
    typeof value === 'number'
      ? Number.isFinite(value)
        ? value
        : undefined
      : typeof value === 'string'
        ? decimalValue(value)
        : undefined;
  if (n === undefined)
    throw new BadValue(
      `expected a finite number for "${name}", found ${typeof value === 'number' ? `${value} (beyond what a double holds)` : describeFound(value)}`,
    );
  return n;
}
