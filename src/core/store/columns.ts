/**
 * A chunk of a store read as plain columns, and the records built from them (`store read`'s
 * records, and `backtest --store`'s and `sweep --store`'s input): no NDJSON text, no JSON, except
 * the `extra` of a row that has one.
 *
 * `selectRows` (duck.ts) gives every column but the VARCHAR ones as a DOUBLE with NaN for NULL, so
 * a chunk's numbers are copied into Float64Arrays once, with no validity masks or boxed values.
 * A record has the fields of docs/store.md, "Reading back": the typed columns in the schema's order
 * (absent where NULL), `extra`'s values winning, then `extra`'s own fields.
 */

import type { DuckDBDataChunk, DuckDBVector } from '@duckdb/node-api';
import type { WireRecord } from '../records/record.js';
import { CHUNK_ROWS, duckdbBindings, type FilePlan } from './duck.js';
import type { Column, ColumnKind, Schema } from './schema.js';
import { TimeTexts } from './times.js';

export interface Columns {
  readonly rows: number;
  /** Per schema column: its values (NaN: absent) for every kind but varchar; undefined if not read. */
  readonly num: readonly (Float64Array | undefined)[];
  /** Per schema column: its texts (null: absent) for varchar columns; undefined if not read. */
  readonly str: readonly ((string | null)[] | undefined)[];
  /** Per row: `extra`'s JSON text, or null. */
  readonly extra: readonly (string | null)[];
  /** Per row: the time key (epoch µs). */
  readonly keys: Float64Array;
  /** Per schema column: its one value when it is a VARCHAR with the same value in every row. */
  readonly constant: readonly (string | undefined)[];
}

/**
 * How one file is read (from its FilePlan): which schema columns the SELECT has, in its order;
 * the others are NULL in every row, or a VARCHAR with one value, given without reading it.
 */
export class Layout {
  /** The schema columns selected, in the SELECT's order. */
  readonly read: readonly Column[];
  private readonly at: readonly number[];
  private readonly constant: readonly (string | undefined)[];
  private readonly extra: boolean;
  private readonly keyAt: number;
  /** Per schema column, buffers reused chunk after chunk (a read holds one chunk at a time). */
  private readonly numBuffers: (Float64Array | undefined)[];
  private readonly strBuffers: ((string | null)[] | undefined)[];
  private readonly nulls: (string | null)[] = new Array<string | null>(CHUNK_ROWS).fill(null);

  constructor(
    readonly schema: Schema,
    plan: FilePlan,
  ) {
    this.keyAt = schema.columns.findIndex((col) => col.name === schema.key);
    const at: number[] = [];
    const constant: (string | undefined)[] = [];
    const read: Column[] = [];
    schema.columns.forEach((col, i) => {
      const value = plan.constant.get(col.name);
      if (i !== this.keyAt && col.kind === 'varchar' && value !== undefined) {
        at.push(-1);
        constant.push(value);
      } else if (i !== this.keyAt && plan.absent.has(col.name)) {
        at.push(-1);
        constant.push(undefined);
      } else {
        at.push(read.length);
        constant.push(undefined);
        read.push(col);
      }
    });
    this.read = read;
    this.at = at;
    this.constant = constant;
    this.extra = !plan.absent.has('extra');
    this.numBuffers = schema.columns.map((col, i) =>
      at[i]! >= 0 && col.kind !== 'varchar' ? new Float64Array(CHUNK_ROWS) : undefined,
    );
    this.strBuffers = schema.columns.map((col, i) =>
      col.kind === 'varchar' && (at[i]! >= 0 || constant[i] !== undefined)
        ? new Array<string | null>(CHUNK_ROWS).fill(constant[i] ?? null)
        : undefined,
    );
  }

  /** Whether the SELECT has `extra` (after the columns). */
  get readsExtra(): boolean {
    return this.extra;
  }

  /**
   * A chunk of the SELECT as columns. The arrays are this layout's own, overwritten by the next
   * chunk: what is built from them must be built before the next is read.
   */
  columns(chunk: DuckDBDataChunk): Columns {
    const rows = chunk.rowCount;
    const width = this.schema.columns.length;
    const num: (Float64Array | undefined)[] = new Array(width);
    const str: ((string | null)[] | undefined)[] = new Array(width);
    for (let c = 0; c < width; c++) {
      const at = this.at[c]!;
      if (at < 0) {
        str[c] = this.strBuffers[c]; // a constant (filled once), or undefined: absent
        continue;
      }
      if (this.schema.columns[c]!.kind === 'varchar') str[c] = texts(chunk, at, rows, this.strBuffers[c]!);
      else num[c] = doubles(chunk, at, rows, this.numBuffers[c]!);
    }
    const extra = this.extra ? texts(chunk, this.read.length, rows, [] as (string | null)[]) : this.nulls;
    return { rows, num, str, extra, keys: num[this.keyAt]!, constant: this.constant };
  }
}

/**
 * A DOUBLE column of a chunk: its data copied out in one call (DuckDB's C API through the Node
 * bindings, which the Node API is built on). `selectRows` gives no NULL in a DOUBLE column (NaN
 * instead), so there is no validity mask to read. Item by item through the Node API's vector
 * cost a call per value, 13 million on a million candles (docs/performance.md, "store").
 */
function doubles(chunk: DuckDBDataChunk, at: number, rows: number, out: Float64Array): Float64Array {
  const bytes = duckdbBindings.vector_get_data(
    duckdbBindings.data_chunk_get_vector(chunk.chunk, at),
    rows * 8,
  );
  if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, rows);
  out.set(new Float64Array(bytes.slice().buffer, 0, rows));
  return out;
}

/**
 * A VARCHAR column of a chunk, NULL as null: the validity mask read once (a bit per row), and
 * only the rows that have a text read through the Node API's vector (whose own validity test
 * costs two BigInt operations per row; `extra` is NULL in nearly every row).
 */
function texts(chunk: DuckDBDataChunk, at: number, rows: number, out: (string | null)[]): (string | null)[] {
  const raw = duckdbBindings.data_chunk_get_vector(chunk.chunk, at);
  const valid = duckdbBindings.vector_get_validity(raw, Math.ceil(rows / 64) * 8) as Uint8Array | null;
  let vector: DuckDBVector | undefined;
  for (let r = 0; r < rows; r++) {
    // The mask is 64-bit words, little-endian: row r is bit r % 8 of byte r / 8.
    if (valid !== null && ((valid[r >> 3]! >> (r & 7)) & 1) === 0) {
      out[r] = null;
      continue;
    }
    vector ??= chunk.getColumnVector(at);
    out[r] = vector.getItem(r) as string | null;
  }
  return out;
}

/** A time column a file does not have: every row absent (as many rows as a chunk has). */
const NOT_READ = new Float64Array(CHUNK_ROWS).fill(Number.NaN);

type Make = (
  num: readonly (Float64Array | undefined)[],
  str: readonly ((string | null)[] | undefined)[],
  /** Per time column (in `timeCols`' order), the texts of the part's rows (TimeTexts.part). */
  tt: readonly (string | undefined)[][],
  r: number,
) => WireRecord;

/**
 * Builds the records of a read's rows; one per read (it keeps the last time texts).
 *
 * A row without `extra` is built by an object literal made for the columns it has (compiled once
 * per set of present columns, from the schema's own names only): the record is allocated at its
 * size in one step, as JSON.parse would, rather than grown field by field. A million candles built
 * field by field spent more time in garbage collection than in everything else the read did.
 */
export class RecordBuilder {
  private readonly times = new TimeTexts();
  private readonly names: readonly string[];
  private readonly kinds: readonly ColumnKind[];
  private readonly makers = new Map<number, Make>();
  /** `records`' present columns per row (a part is at most a chunk), reused. */
  private readonly masks = new Int32Array(CHUNK_ROWS);
  /** The schema's time columns, and per time column the texts of a part's rows, by row. */
  private readonly timeCols: readonly number[];
  private readonly tt: (string | undefined)[][];
  private readonly timeNums: Float64Array[];

  constructor(readonly schema: Schema) {
    this.names = schema.columns.map((col) => col.name);
    this.kinds = schema.columns.map((col) => col.kind);
    this.timeCols = this.kinds.flatMap((kind, i) => (kind === 'time' ? [i] : []));
    this.tt = this.timeCols.map(() => new Array<string | undefined>(CHUNK_ROWS).fill(undefined));
    this.timeNums = this.timeCols.map(() => new Float64Array(0));
    if (this.names.length > 30) throw new Error(`store schema of ${schema.type}: too many columns`);
  }

  /**
   * The records of rows [from, to) into `out` from index 0: `record` of each, with the set of
   * present columns found column by column (a tight loop over each column) rather than row by row.
   */
  records(cols: Columns, from: number, to: number, out: WireRecord[]): void {
    const n = to - from;
    const masks = this.masks;
    if (n > masks.length) throw new Error(`records of ${n} rows at once: at most ${masks.length}`);
    masks.fill(0, 0, n);
    const { num, str, extra } = cols;
    for (let i = 0; i < num.length; i++) {
      const bit = 1 << i;
      const f = num[i];
      if (f !== undefined) {
        for (let r = 0; r < n; r++) if (!Number.isNaN(f[from + r]!)) masks[r]! |= bit;
        continue;
      }
      const t = str[i];
      if (t !== undefined) for (let r = 0; r < n; r++) if ((t[from + r] ?? null) !== null) masks[r]! |= bit;
    }
    const tt = this.timeTexts(cols, from, to);
    let mask = -1;
    let make: Make | undefined;
    for (let r = 0; r < n; r++) {
      const row = from + r;
      const text = extra[row];
      if (text !== null && text !== undefined) {
        out[r] = this.withExtra(cols, row, JSON.parse(text), tt);
        continue;
      }
      if (masks[r] !== mask) {
        mask = masks[r]!;
        make = this.maker(mask);
      }
      out[r] = make!(num, str, tt, row);
    }
  }

  /** The texts of the time columns for rows [from, to) (TimeTexts.part); a column not read is all absent. */
  private timeTexts(cols: Columns, from: number, to: number): readonly (string | undefined)[][] {
    const nums = this.timeNums;
    for (let j = 0; j < nums.length; j++) nums[j] = cols.num[this.timeCols[j]!] ?? NOT_READ;
    this.times.part(nums, from, to, this.tt);
    return this.tt;
  }

  /** The record of row `r`. */
  record(cols: Columns, r: number): WireRecord {
    const text = cols.extra[r];
    if (text !== null && text !== undefined)
      return this.withExtra(cols, r, JSON.parse(text), this.timeTexts(cols, r, r + 1));
    let mask = 0;
    const { num, str } = cols;
    for (let i = 0; i < num.length; i++) {
      const f = num[i];
      const present = f === undefined ? (str[i]?.[r] ?? null) !== null : !Number.isNaN(f[r]);
      if (present) mask |= 1 << i;
    }
    return this.maker(mask)(num, str, this.timeTexts(cols, r, r + 1), r);
  }

  private maker(mask: number): Make {
    let make = this.makers.get(mask);
    if (make === undefined) {
      make = this.compile(mask);
      this.makers.set(mask, make);
    }
    return make;
  }

  private compile(mask: number): Make {
    const fields = [`type: ${JSON.stringify(this.schema.type)}`];
    for (let i = 0; i < this.names.length; i++) {
      if ((mask & (1 << i)) === 0) continue;
      const kind = this.kinds[i];
      const value =
        kind === 'varchar'
          ? `str[${i}][r]`
          : kind === 'time'
            ? `tt[${this.timeCols.indexOf(i)}][r]`
            : kind === 'boolean'
              ? `num[${i}][r] === 1`
              : `num[${i}][r]`;
      fields.push(`${JSON.stringify(this.names[i])}: ${value}`);
    }
    return new Function('num', 'str', 'tt', 'r', `return { ${fields.join(', ')} };`) as Make;
  }

  /** A row with `extra`: its values win over the columns', its own fields come last. */
  private withExtra(
    cols: Columns,
    r: number,
    extra: Record<string, unknown>,
    tt: readonly (string | undefined)[][],
  ): WireRecord {
    const { names, kinds, schema } = this;
    const rec: Record<string, unknown> = { type: schema.type };
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (name in extra) {
        rec[name] = extra[name];
        continue;
      }
      const f = cols.num[i];
      if (f === undefined) {
        const s = cols.str[i]?.[r];
        if (s !== null && s !== undefined) rec[name] = s;
        continue;
      }
      const v = f[r]!;
      if (Number.isNaN(v)) continue; // NULL: the field was absent
      const kind = kinds[i];
      rec[name] = kind === 'time' ? tt[this.timeCols.indexOf(i)]![r] : kind === 'boolean' ? v === 1 : v;
    }
    for (const key in extra) if (!schema.names.has(key)) rec[key] = extra[key];
    return rec as WireRecord;
  }
}
