/**
 * `store read`'s NDJSON written straight from a chunk's columns into a Buffer: the same bytes as
 * `JSON.stringify` of the records RecordBuilder builds (tests/store.test.ts compares them), with
 * no record objects, no strings per value and no joins (the profile in docs/performance.md,
 * "store": garbage collection and string concatenation were most of the old path).
 *
 * - Field-name prefixes (`,"open":`) are constant bytes per column; a column whose value is the
 *   same in every row of a file (a series' `exchange`, `symbol`, `interval`) is one constant run
 *   of bytes, the whole field.
 * - Numbers are written once, as digits (records/number-text.ts `writeFixed`/`writeWhole`: exactly
 *   `String(v)`, which they fall back to), with the decimal places the column's values have had;
 *   times by TimeTexts.write, straight from the microseconds.
 * - A row with `extra` (values the typed columns could not hold) is built as a record and
 *   stringified: rare, and the one place the generic rules apply.
 */

import { decimalPlaces, POW10, writeFixed, writeWhole } from '../records/number-text.js';
import { type Columns, RecordBuilder } from './columns.js';
import type { ColumnKind, Schema } from './schema.js';
import { TimeTexts } from './times.js';

/** The most decimal places written by digits (writeFixed falls back to String beyond them). */
const MAX_PLACES = 12;
/** Bytes a number or a time can take (with its quotes). */
const VALUE_ROOM = 32;

export class LineWriter {
  private readonly times = new TimeTexts();
  private readonly records: RecordBuilder;
  private readonly head: Buffer;
  private readonly prefixes: readonly Buffer[];
  private readonly kinds: readonly ColumnKind[];
  /** Bytes of a whole constant field (`,"symbol":"BTCUSDT"`), by column and value. */
  private readonly constants = new Map<string, Buffer>();
  private readonly rowRoom: number;
  /** Per column: the decimal places its values have needed so far. */
  private readonly places: number[];
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;

  constructor(readonly schema: Schema) {
    this.records = new RecordBuilder(schema);
    this.head = Buffer.from(`{"type":${JSON.stringify(schema.type)}`);
    this.prefixes = schema.columns.map((col) => Buffer.from(`,${JSON.stringify(col.name)}:`));
    this.kinds = schema.columns.map((col) => col.kind);
    this.places = schema.columns.map(() => 0);
    this.rowRoom = this.head.length + 2 + this.prefixes.reduce((n, p) => n + p.length + VALUE_ROOM, 0);
  }

  /** The lines of a chunk's rows, in one Buffer, with each line's end (for a merge to cut). */
  lines(cols: Columns): { bytes: Buffer; ends: Uint32Array } {
    this.buf = Buffer.allocUnsafe(Math.max(1024, cols.rows * this.rowRoom));
    this.at = 0;
    const ends = new Uint32Array(cols.rows);
    const constant = cols.constant.map((value, i) =>
      value === undefined ? undefined : this.field(i, value),
    );
    for (let r = 0; r < cols.rows; r++) {
      const extra = cols.extra[r];
      if (extra !== null && extra !== undefined)
        this.text(`${JSON.stringify(this.records.record(cols, r))}\n`);
      else this.row(cols, r, constant);
      ends[r] = this.at;
    }
    return { bytes: this.buf.subarray(0, this.at), ends };
  }

  private row(cols: Columns, r: number, constant: readonly (Buffer | undefined)[]): void {
    this.room(this.rowRoom);
    let b = this.buf;
    let at = this.at + this.head.copy(b, this.at);
    const { kinds, prefixes, places } = this;
    for (let i = 0; i < kinds.length; i++) {
      const whole = constant[i];
      if (whole !== undefined) {
        this.room(whole.length, at);
        b = this.buf;
        at += whole.copy(b, at);
        continue;
      }
      const f = cols.num[i];
      if (f === undefined) {
        const s = cols.str[i]?.[r] ?? null;
        if (s === null) continue;
        const json = JSON.stringify(s);
        this.room(prefixes[i]!.length + Buffer.byteLength(json), at);
        b = this.buf;
        at += prefixes[i]!.copy(b, at);
        at += b.write(json, at);
        continue;
      }
      const v = f[r]!;
      if (Number.isNaN(v)) continue; // NULL: the field was absent
      at += prefixes[i]!.copy(b, at);
      switch (kinds[i]) {
        case 'time':
          b[at++] = 34;
          at = this.times.write(b, at, v);
          b[at++] = 34;
          break;
        case 'boolean':
          at += b.write(v === 1 ? 'true' : 'false', at, 'latin1');
          break;
        case 'bigint':
          if (v >= 0 && Number.isSafeInteger(v)) at = writeWhole(b, at, v);
          else at += b.write(String(v), at, 'latin1');
          break;
        default: {
          // The decimal places this column's values have had: few digits to write and trim.
          let k = places[i]!;
          const p = POW10[k]!;
          if (Math.round(v * p) / p !== v) {
            k = Math.max(k, Math.min(decimalPlaces(v), MAX_PLACES));
            places[i] = k;
          }
          at = writeFixed(b, at, v, k);
        }
      }
    }
    b[at++] = 125; // }
    b[at++] = 10; // \n
    this.at = at;
  }

  private field(i: number, value: string): Buffer {
    const key = `${i}\u0000${value}`;
    let bytes = this.constants.get(key);
    if (bytes === undefined) {
      bytes = Buffer.concat([this.prefixes[i]!, Buffer.from(JSON.stringify(value))]);
      this.constants.set(key, bytes);
    }
    return bytes;
  }

  private text(line: string): void {
    this.room(Buffer.byteLength(line));
    this.at += this.buf.write(line, this.at);
  }

  /** Makes room for `n` more bytes after `at` (the row being written), keeping what is written. */
  private room(n: number, at = this.at): void {
    if (at + n + this.rowRoom <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + n + this.rowRoom));
    this.buf.copy(grown, 0, 0, at);
    this.buf = grown;
  }
}
