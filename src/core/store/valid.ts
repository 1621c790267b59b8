/**
 * Validation by column (`backtest --store`): whether every row of a chunk is a market record that
 * `RecordValidator.check` (records/validate.ts) passes unchanged, tested on the chunk's columns
 * (a few comparisons per value, no record read, no time text parsed). When it is, the chunk's
 * records are marked validated with their times, and the engine takes them as they are; when any
 * row is not (a value out of bounds, a field missing, a row with `extra`, which may hold a decimal
 * string or another time form), the chunk is not marked and each record is validated as usual, so
 * what is refused, and the message, is what `store read | backtest` gives.
 *
 * The rules are the validator's for the typed columns (docs/format.md, "Validation"): a column's
 * value is a double, so "a number" is all that is left to check of it; its bound, whole numbers
 * where the validator wants them, times in [1970, 2100). A time column's text is canonical by
 * construction (times.ts), at the precision the value has.
 */

import { type Bound, MAX_MAGNITUDE, MAX_TIME_US, MIN_POSITIVE } from '../records/bounds.js';
import { parseInterval } from '../records/interval.js';
import type { ValidatedTimes } from '../records/validate.js';
import type { Columns } from './columns.js';
import type { Schema } from './schema.js';

/** How a column's values are checked. */
type Check = Bound | 'whole' | 'id' | 'sequence' | 'time' | 'text' | 'interval' | 'side';

/** [column, check, optional] of each type the validator checks, as RecordValidator does. */
const RULES: Readonly<Record<string, readonly (readonly [string, Check, boolean])[]>> = {
  candle: [
    ['interval', 'interval', false],
    ['open_time', 'time', false],
    ['open', 'positive', false],
    ['high', 'positive', false],
    ['low', 'positive', false],
    ['close', 'positive', false],
    ['volume', 'nonnegative', false],
    ['quote_volume', 'nonnegative', true],
    ['taker_buy_volume', 'nonnegative', true],
    ['trades', 'whole', true],
  ],
  trade: [
    ['id', 'id', false],
    ['price', 'positive', false],
    ['amount', 'positive', false],
    ['side', 'side', false],
  ],
  quote: [
    ['bid_price', 'positive', false],
    ['bid_amount', 'nonnegative', false],
    ['ask_price', 'positive', false],
    ['ask_amount', 'nonnegative', false],
    ['sequence', 'sequence', true],
  ],
  funding: [
    ['rate', 'any', false],
    ['mark_price', 'positive', true],
    ['interval_hours', 'positive', true],
  ],
};

/** Every market record's: `market()` of the validator. */
const COMMON: readonly (readonly [string, Check, boolean])[] = [
  ['exchange', 'text', false],
  ['symbol', 'text', false],
  ['time', 'time', false],
  ['local_time', 'time', true],
];

/** The checks of a schema, by column index; undefined for a type the validator has no rules for here. */
export class ColumnValidator {
  private readonly checks:
    | readonly (readonly [number, Check, boolean, ReturnType<typeof range> | undefined])[]
    | undefined;
  private readonly timeAt: number;
  private readonly localAt: number;

  constructor(schema: Schema) {
    const at = (name: string): number => schema.columns.findIndex((col) => col.name === name);
    const rules = RULES[schema.type];
    this.checks =
      rules === undefined
        ? undefined
        : [...COMMON, ...rules].map(([name, check, optional]) => {
            const i = at(name);
            if (i < 0) throw new Error(`store schema of ${schema.type}: no column ${name}`);
            const text = check === 'text' || check === 'interval' || check === 'side';
            return [i, check, optional, text ? undefined : range(check)] as const;
          });
    this.timeAt = at('time');
    this.localAt = at('local_time');
  }

  /**
   * The times of the chunk's records when every row passes (copies: the columns are reused by the
   * next chunk), else undefined.
   */
  times(cols: Columns): ValidatedTimes | undefined {
    const checks = this.checks;
    if (checks === undefined) return undefined;
    const rows = cols.rows;
    for (let r = 0; r < rows; r++) if (cols.extra[r] !== null) return undefined;
    for (const [i, check, optional, bounds] of checks) {
      const ok =
        bounds === undefined
          ? texts(cols.str[i], rows, check, optional)
          : numbers(cols.num[i], rows, bounds, optional);
      if (!ok) return undefined;
    }
    const local = cols.num[this.localAt];
    return {
      time: cols.num[this.timeAt]!.slice(0, rows),
      local: local === undefined ? undefined : local.slice(0, rows),
    };
  }
}

/**
 * A numeric check as a closed range and whether the value must be whole: `inBounds`' ranges for
 * the bounds (the validator's own constants), safe integers for ids and sequences, times as
 * integers from 0 to before MAX_TIME_US (a TIMESTAMP column holds whole microseconds).
 */
function range(check: Check): { lo: number; hi: number; whole: boolean } {
  switch (check) {
    case 'positive':
      return { lo: MIN_POSITIVE, hi: MAX_MAGNITUDE, whole: false };
    case 'nonnegative':
      return { lo: 0, hi: MAX_MAGNITUDE, whole: false };
    case 'any':
      return { lo: -MAX_MAGNITUDE, hi: MAX_MAGNITUDE, whole: false };
    case 'whole':
      return { lo: 0, hi: MAX_MAGNITUDE, whole: true };
    case 'id':
      return { lo: -Number.MAX_SAFE_INTEGER, hi: Number.MAX_SAFE_INTEGER, whole: true };
    case 'sequence':
      return { lo: 0, hi: Number.MAX_SAFE_INTEGER, whole: true };
    case 'time':
      return { lo: 0, hi: MAX_TIME_US - 1, whole: true };
    default:
      throw new Error(`not a numeric check: ${check}`);
  }
}

/**
 * Whether every value of a numeric column is in `lo..hi` (and whole if asked); NaN: absent, passing
 * when optional. One tight loop per column, no test of the kind of check per value.
 */
function numbers(
  values: Float64Array | undefined,
  rows: number,
  { lo, hi, whole }: { lo: number; hi: number; whole: boolean },
  optional: boolean,
): boolean {
  if (values === undefined) return optional; // absent in the whole file
  for (let r = 0; r < rows; r++) {
    const v = values[r]!;
    if (v >= lo && v <= hi) {
      if (whole && !Number.isInteger(v)) return false;
    } else if (!(optional && Number.isNaN(v))) return false;
  }
  return true;
}

/** Whether every value of a VARCHAR column passes `check` (null: absent). */
function texts(
  values: readonly (string | null)[] | undefined,
  rows: number,
  check: Check,
  optional: boolean,
): boolean {
  if (values === undefined) return optional;
  let last: string | undefined; // the last value that passed
  for (let r = 0; r < rows; r++) {
    const v = values[r]!;
    if (v === last) continue; // a constant column, or a run of one value: checked already
    if (v === null) {
      if (optional) continue;
      return false;
    }
    const ok =
      check === 'text'
        ? v.length > 0
        : check === 'side'
          ? v === 'buy' || v === 'sell'
          : parseInterval(v) !== undefined;
    if (!ok) return false;
    last = v;
  }
  return true;
}
