/**
 * Schema validation and normalisation of market records, per type (docs/format.md).
 *
 * `RecordValidator.check` is on the hot path of every tool that consumes market data, so it allocates
 * nothing for a record that is already canonical: it reads each field once with `typeof` tests and
 * reports the first problem as a sentence (`expected a number for "price", found "abc"`). A record
 * that is valid but not canonical (a decimal string where a number belongs, an epoch number where an
 * ISO time belongs) comes back as a derived copy with those fields normalised.
 */

import { describeFound } from '../errors.js';
import {
  BOUND_TEXT,
  type Bound,
  DECIMAL,
  inBounds,
  MAX_TIME_US,
  RANGE_TEXT,
  SEQUENCE_TEXT,
  safeSequence,
  signOk,
  toNumber,
} from './bounds.js';
import { DERIVATIVE_FIELDS } from './derivative-fields.js';
import { type Interval, parseInterval } from './interval.js';
import { derive, type WireRecord } from './record.js';
import { formatTime, parseCanonicalTime, parseTime, type TimePrecision } from './time.js';

/**
 * The times of a batch of market records known to pass `RecordValidator.check` unchanged (each
 * canonical and in bounds: a store's, checked by column as it was read), in epoch µs, per record:
 * `time`, and `local_time` (NaN where a record has none; undefined: none has). A time has
 * microsecond precision when it has microseconds. A consumer that validates may take them instead
 * of validating (engine/intake.ts).
 */
export interface ValidatedTimes {
  readonly time: Float64Array;
  readonly local: Float64Array | undefined;
}

const VALIDATED: unique symbol = Symbol('tickpipe.validatedTimes');

/** Marks `batch` as valid market records with these times (see ValidatedTimes). */
export function markValidated(batch: readonly WireRecord[], times: ValidatedTimes): void {
  (batch as unknown as { [VALIDATED]?: ValidatedTimes })[VALIDATED] = times;
}

export function validatedTimes(batch: readonly WireRecord[]): ValidatedTimes | undefined {
  return (batch as unknown as { [VALIDATED]?: ValidatedTimes })[VALIDATED];
}

export const KNOWN_KINDS = new Set(['spot', 'perpetual', 'future']);

/** A record checked where it was read (io/candle-scan.ts): itself, its `time` and `open_time`. */
const CHECKED: unique symbol = Symbol('tickpipe.checked');
const CHECKED_TIME: unique symbol = Symbol('tickpipe.checkedTime');
const CHECKED_OPEN: unique symbol = Symbol('tickpipe.checkedOpenTime');

interface Checked {
  [CHECKED]?: object;
  [CHECKED_TIME]?: number;
  [CHECKED_OPEN]?: number;
}

/**
 * Marks a candle its reader has checked as `check` would (valid and canonical: no `local_time`,
 * canonical times, numbers in bounds) with its times parsed: `check` then takes it as it is. A copy
 * (`derive`, a spread) is not the record marked, and is checked afresh.
 */
export function markChecked(rec: object, timeUs: number, openTimeUs: number): void {
  const r = rec as Checked;
  r[CHECKED] = rec;
  r[CHECKED_TIME] = timeUs;
  r[CHECKED_OPEN] = openTimeUs;
}

export class RecordValidator {
  /** The record after normalisation (the input itself when nothing changed). */
  record: WireRecord = { type: '' };
  /** `time` in epoch microseconds, NaN when the record has none. */
  timeUs = Number.NaN;
  /** The precision `time` was written with. */
  timePrecision: TimePrecision = 'ms';
  /**
   * Market records (candle, trade, quote, book, funding): `local_time` in epoch microseconds, NaN
   * when the record has none; with `timeUs`, what a consumer that orders by time needs, read once
   * (the backtest engine's clock: engine/intake.ts).
   */
  localTimeUs = Number.NaN;
  /** The precision `local_time` was written with. */
  localPrecision: TimePrecision = 'ms';
  /** Candles: `open_time` in epoch microseconds. */
  openTimeUs = Number.NaN;
  /** Candles: the parsed interval. */
  interval: Interval | undefined;
  private patch: Record<string, unknown> | undefined;
  private problem: string | undefined;
  private precision: TimePrecision = 'ms';

  // The field readers take the value, read at the call site with a fixed property name (a fast,
  // monomorphic load), rather than the record and a key (a megamorphic keyed load).

  /**
   * Validates a market record of a known type. Returns undefined when valid (see `record`, `timeUs`),
   * or the first problem found as a sentence. Records of other types are returned as they are.
   */
  check(rec: WireRecord): string | undefined {
    this.patch = undefined;
    this.problem = undefined;
    this.record = rec;
    this.timeUs = Number.NaN;
    this.localTimeUs = Number.NaN;
    this.openTimeUs = Number.NaN;
    this.interval = undefined;
    const c = rec as Checked;
    if (c[CHECKED] === rec) {
      this.timeUs = c[CHECKED_TIME]!;
      this.timePrecision = (rec.time as string).length === 27 ? 'us' : 'ms';
      this.openTimeUs = c[CHECKED_OPEN]!;
      this.precision = (rec.open_time as string).length === 27 ? 'us' : 'ms';
      this.interval = parseInterval(rec.interval as string);
      return undefined;
    }
    switch (rec.type) {
      case 'candle':
        this.checkCandle(rec);
        break;
      case 'trade':
        this.checkTrade(rec);
        break;
      case 'quote':
        this.checkQuote(rec);
        break;
      case 'book':
        this.checkBook(rec);
        break;
      case 'funding':
        this.checkFunding(rec);
        break;
      case 'instrument':
        this.checkInstrument(rec);
        break;
      case 'venue_liquidation':
      case 'volatility_index':
      case 'option_summary':
      case 'option_mark':
        this.checkDerivative(rec, DERIVATIVE_FIELDS[rec.type]!);
        break;
      case 'disconnect':
        this.str(rec.exchange, 'exchange');
        this.timeUs = this.time(rec.time, 'time', false);
        break;
      default: {
        // Unknown and account types: only the time, if present, is read (for ordering).
        const t = rec.time;
        if (t !== undefined) {
          const parsed = parseTime(t);
          if (parsed !== undefined) this.timeUs = parsed.us;
        }
        return undefined;
      }
    }
    if (this.problem !== undefined) return this.problem;
    if (this.patch !== undefined) this.record = derive(rec, this.patch);
    return undefined;
  }

  private fail(field: string, expected: string, found: unknown): void {
    if (this.problem === undefined)
      this.problem = `expected ${expected} for "${field}", found ${describeFound(found)}`;
  }

  private set(field: string, value: unknown): void {
    if (this.patch === undefined) this.patch = {};
    this.patch[field] = value;
  }

  private str(v: unknown, field: string, optional = false): string {
    if (typeof v === 'string' && v.length > 0) return v;
    if (v === undefined && optional) return '';
    this.fail(field, 'a non-empty string', v);
    return '';
  }

  /** Reads a numeric field; decimal strings are accepted and normalised to numbers. */
  num(v: unknown, field: string, bound: Bound, optional = false): number {
    let n: number;
    if (typeof v === 'number') {
      n = v;
    } else if (typeof v === 'string' && DECIMAL.test(v)) {
      n = Number(v);
      this.set(field, n);
    } else {
      if (v === undefined && optional) return Number.NaN;
      this.fail(field, BOUND_TEXT[bound], v);
      return Number.NaN;
    }
    if (!inBounds(n, bound)) {
      this.fail(field, signOk(n, bound) ? RANGE_TEXT[bound] : BOUND_TEXT[bound], v);
      return Number.NaN;
    }
    return n;
  }

  /** Reads a time field; epoch numbers and other ISO forms are normalised to the canonical string. */
  time(v: unknown, field: string, optional: boolean): number {
    if (typeof v === 'string') {
      // The canonical form is the common case: parse it without allocating.
      const us = parseCanonicalTime(v);
      if (!Number.isNaN(us)) {
        this.precision = v.length === 27 ? 'us' : 'ms';
        if (us >= 0 && us < MAX_TIME_US) return us;
        this.fail(field, 'a time from 1970-01-01 to before 2100-01-01', v);
        return Number.NaN;
      }
    }
    if (v === undefined && optional) return Number.NaN;
    const parsed = parseTime(v);
    if (parsed === undefined) {
      this.fail(field, 'an ISO-8601 time or epoch milliseconds/microseconds', v);
      return Number.NaN;
    }
    this.precision = parsed.precision;
    if (!(parsed.us >= 0 && parsed.us < MAX_TIME_US)) {
      this.fail(field, 'a time from 1970-01-01 to before 2100-01-01', v);
      return Number.NaN;
    }
    if (!parsed.canonical) this.set(field, formatTime(parsed.us, parsed.precision));
    return parsed.us;
  }

  private market(rec: WireRecord): void {
    this.str(rec.exchange, 'exchange');
    this.str(rec.symbol, 'symbol');
    this.timeUs = this.time(rec.time, 'time', false);
    this.timePrecision = this.precision;
    if (rec.local_time !== undefined) {
      this.localTimeUs = this.time(rec.local_time, 'local_time', false);
      this.localPrecision = this.precision;
    }
  }

  private checkCandle(rec: WireRecord): void {
    this.market(rec);
    const text = rec.interval;
    if (typeof text === 'string') {
      this.interval = parseInterval(text);
      if (this.interval === undefined) this.fail('interval', 'an interval such as "1m", "1h" or "1d"', text);
    } else {
      this.fail('interval', 'an interval such as "1m", "1h" or "1d"', text);
    }
    this.openTimeUs = this.time(rec.open_time, 'open_time', false);
    this.num(rec.open, 'open', 'positive');
    this.num(rec.high, 'high', 'positive');
    this.num(rec.low, 'low', 'positive');
    this.num(rec.close, 'close', 'positive');
    this.num(rec.volume, 'volume', 'nonnegative');
    if (rec.quote_volume !== undefined) this.num(rec.quote_volume, 'quote_volume', 'nonnegative');
    if (rec.taker_buy_volume !== undefined) this.num(rec.taker_buy_volume, 'taker_buy_volume', 'nonnegative');
    if (rec.trades !== undefined) {
      const n = this.num(rec.trades, 'trades', 'nonnegative');
      if (!Number.isNaN(n) && !Number.isInteger(n)) this.fail('trades', 'a whole number', rec.trades);
    }
  }

  private checkTrade(rec: WireRecord): void {
    this.market(rec);
    const id = rec.id;
    if (
      !((typeof id === 'string' && id.length > 0) || (typeof id === 'number' && Number.isSafeInteger(id)))
    ) {
      this.fail('id', 'a non-empty string or a whole number from -(2^53-1) to 2^53-1', id);
    }
    this.num(rec.price, 'price', 'positive');
    this.num(rec.amount, 'amount', 'positive');
    const side = rec.side;
    if (side !== 'buy' && side !== 'sell') this.fail('side', '"buy" or "sell"', side);
  }

  private checkQuote(rec: WireRecord): void {
    this.market(rec);
    this.num(rec.bid_price, 'bid_price', 'positive');
    this.num(rec.bid_amount, 'bid_amount', 'nonnegative');
    this.num(rec.ask_price, 'ask_price', 'positive');
    this.num(rec.ask_amount, 'ask_amount', 'nonnegative');
    if (rec.sequence !== undefined) this.sequence(rec.sequence, 'sequence');
  }

  private checkBook(rec: WireRecord): void {
    this.market(rec);
    if (typeof rec.snapshot !== 'boolean') this.fail('snapshot', 'true or false', rec.snapshot);
    this.levels(rec, 'bids');
    this.levels(rec, 'asks');
    this.sequence(rec.sequence, 'sequence');
    if (rec.first_sequence !== undefined) this.sequence(rec.first_sequence, 'first_sequence');
    if (rec.prev_sequence !== undefined) this.sequence(rec.prev_sequence, 'prev_sequence');
  }

  /** A sequence field: a safe integer (a string of its digits is normalised to the number). */
  private sequence(v: unknown, field: string): void {
    const n = safeSequence(v);
    if (Number.isNaN(n)) this.fail(field, SEQUENCE_TEXT, v);
    else if (typeof v === 'string') this.set(field, n);
  }

  private levels(rec: WireRecord, field: 'bids' | 'asks'): void {
    const v = rec[field];
    if (!Array.isArray(v)) {
      this.fail(field, 'an array of [price, amount] levels', v);
      return;
    }
    let normalised: [number, number][] | undefined;
    for (let i = 0; i < v.length; i++) {
      const level: unknown = v[i];
      if (!Array.isArray(level) || level.length < 2) {
        this.fail(`${field}[${i}]`, 'a [price, amount] pair', level);
        return;
      }
      const p = toNumber(level[0]);
      const a = toNumber(level[1]);
      if (!inBounds(p, 'positive')) {
        this.fail(
          `${field}[${i}]`,
          signOk(p, 'positive') ? 'a positive price from 1e-18 to 1e18' : 'a positive price',
          level[0],
        );
        return;
      }
      if (!inBounds(a, 'nonnegative')) {
        this.fail(
          `${field}[${i}]`,
          signOk(a, 'nonnegative') ? 'a non-negative amount up to 1e18' : 'a non-negative amount',
          level[1],
        );
        return;
      }
      if ((typeof level[0] !== 'number' || typeof level[1] !== 'number') && normalised === undefined) {
        normalised = v.slice(0, i).map((l: [number, number]) => [l[0], l[1]]);
      }
      normalised?.push([p, a]);
    }
    if (normalised !== undefined) this.set(field, normalised);
  }

  private checkFunding(rec: WireRecord): void {
    this.market(rec);
    this.num(rec.rate, 'rate', 'any');
    if (rec.mark_price !== undefined) this.num(rec.mark_price, 'mark_price', 'positive');
    if (rec.interval_hours !== undefined) this.num(rec.interval_hours, 'interval_hours', 'positive');
  }

  private checkDerivative(rec: WireRecord, fields: readonly (readonly [string, Bound, boolean])[]): void {
    this.market(rec);
    for (const [field, bound, optional] of fields) this.num(rec[field], field, bound, optional);
    if (rec.type === 'venue_liquidation' && rec.side !== 'buy' && rec.side !== 'sell')
      this.fail('side', '"buy" or "sell"', rec.side);
    if (rec.type === 'option_summary') {
      if (rec.open_time !== undefined) this.openTimeUs = this.time(rec.open_time, 'open_time', false);
      if (rec.option_type !== 'call' && rec.option_type !== 'put')
        this.fail('option_type', '"call" or "put"', rec.option_type);
    }
  }

  private checkInstrument(rec: WireRecord): void {
    this.str(rec.exchange, 'exchange');
    this.str(rec.symbol, 'symbol');
    this.str(rec.base, 'base');
    this.str(rec.quote, 'quote');
    if (typeof rec.kind !== 'string' || !KNOWN_KINDS.has(rec.kind)) {
      this.fail('kind', '"spot", "perpetual" or "future"', rec.kind);
    }
    this.num(rec.tick_size, 'tick_size', 'positive');
    this.num(rec.lot_size, 'lot_size', 'positive');
    this.num(rec.min_notional, 'min_notional', 'nonnegative');
    if (rec.contract_size !== undefined) this.num(rec.contract_size, 'contract_size', 'positive');
    if (rec.time !== undefined) this.timeUs = this.time(rec.time, 'time', false);
  }

  /** The precision of the last time field read. */
  get lastPrecision(): TimePrecision {
    return this.precision;
  }
}
