/**
 * The data as workers hold it: columns in shared memory, one copy for all workers. Records of one
 * shape (type, keys in order, and the kind of each value) share a table whose columns are typed
 * arrays on SharedArrayBuffers: numbers as doubles, booleans and nulls as such, canonical time
 * texts (those that formatting their time gives back, checked per value) as indices into one table
 * of distinct time texts, other texts as indices into one table of distinct texts. A record
 * that does not fit (nested values: book levels, instrument rules) is kept as an object (cloned
 * to each worker). A run rebuilds records a slice at a time, so a worker's memory is the shared
 * columns plus one slice, not a copy of the data (docs/sweep.md, "Workers").
 */

import { badTime, ClockReader } from '../engine/clock.js';
import type { PreparedData } from '../engine/data.js';
import { isTimed } from '../engine/intake.js';
import { type WireRecord, whereOf } from '../records/record.js';
import type { TimePrecision } from '../records/time.js';
import { NOT_A_TIME, TimeTable } from './time-table.js';

/** Value kinds: n number, s text, m/u time text (ms/us), b boolean, z null. */
type Kind = 'n' | 's' | 'm' | 'u' | 'b' | 'z';

interface Shape {
  readonly keys: readonly string[];
  readonly kinds: readonly Kind[];
  /** One column per key: doubles (n, b), text indices (s) or time text indices (m, u); none for null. */
  readonly cols: ReadonlyArray<Float64Array | Int32Array | null>;
}

export interface ColumnarData {
  readonly length: number;
  readonly us: Float64Array;
  /**
   * Per record: bit 0 the precision (0 ms, 1 us); bits 1 and 2 the clock text when canonical: 1 the
   * record's `time`, 2 its `local_time`, 3 another (in `otherText`), 0 none.
   */
  readonly timeInfo: Uint8Array;
  /** Per record: its shape, or -1 for a record kept whole. */
  readonly shapeOf: Int32Array;
  readonly rowOf: Int32Array;
  readonly shapes: readonly Shape[];
  readonly texts: readonly string[];
  /**
   * The distinct canonical time texts, in the order first read, as the text of a JSON array: one
   * string, so that a worker gets them in one copy, and parses them once into a flat string each.
   * Every run then reads the same texts instead of formatting every time of every record again (a
   * split of one joined string would give slices of it, which the engine and the summarizer read
   * markedly slower: docs/performance.md, "sweep").
   */
  readonly timeTexts: string;
  readonly whole: ReadonlyMap<number, WireRecord>;
  readonly otherText: ReadonlyMap<number, string>;
}

/** What a run reads: each record with its time already read. */
export interface RunData {
  readonly length: number;
  isTimed(i: number): boolean;
  each(
    from: number,
    to: number,
    fn: (rec: WireRecord, us: number, text: string | undefined, p: TimePrecision) => void,
  ): void;
}

/** The time table entry of the last value kindOf found to be a canonical time text. */
let kindAt = 0;

/** `plain`: texts already seen not to be times (exchange, symbol: most texts repeat). */
function kindOf(v: unknown, plain: Set<string>, times: TimeTable): Kind | undefined {
  switch (typeof v) {
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    case 'string': {
      if (plain.has(v)) return 's';
      const at = times.indexOf(v);
      if (at >= 0) {
        kindAt = at;
        return times.isMicro(at) ? 'u' : 'm';
      }
      if (at === NOT_A_TIME && plain.size < 65_536) plain.add(v);
      return 's';
    }
    default:
      return v === null ? 'z' : undefined;
  }
}

const shared = <T extends Float64Array | Int32Array | Uint8Array>(
  C: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
): T => new C(new SharedArrayBuffer(Math.max(1, n) * C.BYTES_PER_ELEMENT));

/** A column being filled: a typed array that doubles when full, copied to shared memory at the end. */
class Grow<T extends Float64Array | Int32Array | Uint8Array> {
  private a: T;
  n = 0;
  constructor(
    private readonly C: { new (n: number): T; new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  ) {
    this.a = new C(1024);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new this.C(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  /** The values in shared memory (this column is empty after). */
  share(): T {
    const out = shared(this.C, this.n);
    out.set(this.a.subarray(0, this.n) as never);
    this.a = new this.C(0);
    return out;
  }
}

function sameShape(
  d: { keys: readonly string[]; kinds: readonly Kind[] },
  keys: string[],
  kinds: Kind[],
): boolean {
  if (d.keys.length !== keys.length) return false;
  for (let k = 0; k < keys.length; k++) if (d.keys[k] !== keys[k] || d.kinds[k] !== kinds[k]) return false;
  return true;
}

interface DraftShape {
  readonly keys: string[];
  readonly kinds: Kind[];
  readonly cols: (Grow<Float64Array> | Grow<Int32Array> | null)[];
  rows: number;
}

/**
 * The columns, filled a record at a time, so that a sweep can read its input straight into them and
 * never hold the parsed records all at once (`columnsOf`); `toColumns` is the same over records
 * already held.
 */
export class ColumnsBuilder {
  private readonly shapeOf = new Grow(Int32Array);
  private readonly rowOf = new Grow(Int32Array);
  private readonly us = new Grow(Float64Array);
  private readonly timeInfo = new Grow(Uint8Array);
  private readonly bySignature = new Map<string, number>();
  private readonly draft: DraftShape[] = [];
  private readonly whole = new Map<number, WireRecord>();
  /** Clock texts that are neither the record's `time` nor its `local_time`, by record. */
  private readonly otherText = new Map<number, string>();
  private readonly kinds: Kind[] = [];
  private readonly plain = new Set<string>();
  private readonly textIndex = new Map<string, number>();
  private readonly texts: string[] = [];
  private readonly times = new TimeTable();
  /** This record's time table entries, by key (kindOf finds them). */
  private readonly keyAt: number[] = [];
  private last = -1;
  length = 0;

  /** Adds a record with its clock time (`us`, NaN if untimed), the clock text if canonical, and its precision. */
  add(record: WireRecord, us: number, text: string | undefined, precision: TimePrecision): void {
    const i = this.length++;
    const rec = record as unknown as Record<string, unknown>;
    this.us.push(us);
    let info = precision === 'us' ? 1 : 0;
    if (text !== undefined) {
      if (text === rec.time) info |= 2;
      else if (text === rec.local_time) info |= 4;
      else {
        info |= 6;
        this.otherText.set(i, text);
      }
    }
    this.timeInfo.push(info);
    const keys = Object.keys(rec);
    const kinds = this.kinds;
    kinds.length = 0;
    const keyAt = this.keyAt;
    const times = this.times;
    times.hint(text, us, precision);
    for (const k of keys) {
      const kind = kindOf(rec[k], this.plain, times);
      keyAt[kinds.length] = kindAt;
      if (kind === undefined) {
        this.shapeOf.push(-1);
        this.rowOf.push(0);
        this.whole.set(i, record);
        return;
      }
      kinds.push(kind);
    }
    // Most records have the shape of the one before: compared directly, no signature built.
    const draft = this.draft;
    let s = this.last >= 0 && sameShape(draft[this.last]!, keys, kinds) ? this.last : undefined;
    const sig = s === undefined ? `${keys.join('\u0000')}\u0001${kinds.join('')}` : '';
    if (s === undefined) s = this.bySignature.get(sig);
    if (s === undefined) {
      s = draft.length;
      this.bySignature.set(sig, s);
      draft.push({
        keys,
        kinds: [...kinds],
        cols: kinds.map((k) =>
          k === 'z' ? null : k === 'n' || k === 'b' ? new Grow(Float64Array) : new Grow(Int32Array),
        ),
        rows: 0,
      });
    }
    const shape = draft[s]!;
    this.shapeOf.push(s);
    this.rowOf.push(shape.rows++);
    this.last = s;
    for (let k = 0; k < shape.keys.length; k++) {
      const v = rec[shape.keys[k]!];
      const col = shape.cols[k]!;
      switch (shape.kinds[k]) {
        case 'n':
          col.push(v as number);
          break;
        case 'b':
          col.push(v ? 1 : 0);
          break;
        case 'm':
        case 'u':
          col.push(keyAt[k]!);
          break;
        case 's': {
          let t = this.textIndex.get(v as string);
          if (t === undefined) {
            t = this.texts.length;
            this.texts.push(v as string);
            this.textIndex.set(v as string, t);
          }
          col.push(t);
          break;
        }
        default:
          break;
      }
    }
  }

  /** The columns in shared memory (the builder is spent). */
  finish(): ColumnarData {
    const shapes: Shape[] = this.draft.map((d) => ({
      keys: d.keys,
      kinds: d.kinds,
      cols: d.cols.map((c) => (c === null ? null : c.share())),
    }));
    return {
      length: this.length,
      us: this.us.share(),
      timeInfo: this.timeInfo.share(),
      shapeOf: this.shapeOf.share(),
      rowOf: this.rowOf.share(),
      shapes,
      texts: this.texts,
      timeTexts: this.times.json(),
      whole: this.whole,
      otherText: this.otherText,
    };
  }
}

export function toColumns(data: PreparedData): ColumnarData {
  const b = new ColumnsBuilder();
  for (let i = 0; i < data.records.length; i++)
    b.add(data.records[i]!, data.us[i]!, data.text[i], data.precision[i]!);
  return b.finish();
}

/**
 * The columns of a stream of validated market records, read as prepareData reads them (engine/data.ts:
 * each record's clock time once; a timed record without one is an error located at its line), with
 * no record kept once it is in the columns (except those kept whole).
 */
export async function columnsOf(
  input: AsyncIterable<readonly WireRecord[]>,
  source?: string,
): Promise<ColumnarData> {
  const b = new ColumnsBuilder();
  const cr = new ClockReader();
  for await (const batch of input)
    for (const rec of batch) {
      if (!isTimed(rec.type)) b.add(rec, Number.NaN, undefined, 'ms');
      else {
        if (!cr.read(rec)) throw badTime(whereOf(rec, source), rec);
        b.add(rec, cr.us, cr.text, cr.precision);
      }
    }
  return b.finish();
}

/** Builds the record of one row of a shape. */
type RowBuilder = (row: number) => WireRecord;

/**
 * One builder per shape, compiled once per worker: an object literal with the shape's keys in order,
 * so that every rebuilt record gets the hidden class and in-object fields JSON.parse would give it
 * (a record grown key by key from `{}` keeps most fields out of object, and the engine reading it
 * then pays about as much again as building it). Keys go in as JSON string literals (`__proto__`
 * computed, so that it stays an own key as JSON.parse makes it); values are read from the columns
 * the builder closes over; nothing else is spliced into the code.
 */
function compile(shape: Shape, texts: readonly string[], times: readonly string[]): RowBuilder {
  const fields = shape.keys.map((key, k) => {
    const col = `c${k}[row]`;
    const value = {
      n: col,
      s: `texts[${col}]`,
      m: `times[${col}]`,
      u: `times[${col}]`,
      b: `${col} === 1`,
      z: 'null',
    }[shape.kinds[k]!];
    const name = JSON.stringify(key);
    return `${key === '__proto__' ? `[${name}]` : name}: ${value}`;
  });
  const names = shape.keys.map((_, k) => `c${k}`);
  const factory = new Function(...names, 'texts', 'times', `return (row) => ({ ${fields.join(', ')} });`) as (
    ...a: unknown[]
  ) => RowBuilder;
  return factory(...shape.cols, texts, times);
}

/** Runs read the columns, a record rebuilt when it is reached. */
export function columnarRunData(c: ColumnarData): RunData {
  // Each text a flat string of its own, read by every run.
  const times = JSON.parse(c.timeTexts) as string[];
  const builders = c.shapes.map((shape) => compile(shape, c.texts, times));
  const build = (i: number): WireRecord => {
    const s = c.shapeOf[i]!;
    return s < 0 ? c.whole.get(i)! : builders[s]!(c.rowOf[i]!);
  };
  return {
    length: c.length,
    isTimed: (i) => !Number.isNaN(c.us[i]!),
    each(from, to, fn) {
      for (let i = from; i < to; i++) {
        const rec = build(i);
        const t = c.us[i]!;
        const info = c.timeInfo[i]!;
        const p: TimePrecision = (info & 1) === 1 ? 'us' : 'ms';
        const which = info & 6;
        const text =
          which === 0
            ? undefined
            : which === 2
              ? (rec.time as string)
              : which === 4
                ? (rec.local_time as string)
                : c.otherText.get(i);
        fn(rec, t, text, p);
      }
    },
  };
}

/** Runs read the prepared records in place (in process). */
export function preparedRunData(d: PreparedData): RunData {
  return {
    length: d.records.length,
    isTimed: (i) => !Number.isNaN(d.us[i]!),
    each(from, to, fn) {
      for (let i = from; i < to; i++) fn(d.records[i]!, d.us[i]!, d.text[i], d.precision[i]!);
    },
  };
}
