/**
 * The data as workers hold it: columns in shared memory, one copy for all workers. Records of one
 * shape (type, keys in order, and the kind of each value) share a table whose columns are typed
 * arrays on SharedArrayBuffers: numbers as doubles, booleans and nulls as such, canonical time
 * texts as epoch microseconds (formatted again on the way out, exactly the text read, which a
 * round trip checks per value), other texts as indices into one table of distinct texts. A record
 * that does not fit (nested values: book levels, instrument rules) is kept as an object (cloned
 * to each worker). A run rebuilds records a slice at a time, so a worker's memory is the shared
 * columns plus one slice, not a copy of the data (docs/sweep.md, "Workers").
 */

import type { PreparedData } from '../engine/data.js';
import type { WireRecord } from '../records/record.js';
import { formatTime, parseTime, type TimePrecision } from '../records/time.js';

/** Value kinds: n number, s text, m/u time text (ms/us), b boolean, z null. */
type Kind = 'n' | 's' | 'm' | 'u' | 'b' | 'z';

interface Shape {
  readonly keys: readonly string[];
  readonly kinds: readonly Kind[];
  /** One column per key: doubles (n, m, u, b) or text indices (s); none for null. */
  readonly cols: ReadonlyArray<Float64Array | Int32Array | null>;
}

export interface ColumnarData {
  readonly length: number;
  readonly us: Float64Array;
  /** Per record: 0 ms, 1 us; 2 (with ms/us in bit 0) when the time text is canonical. */
  readonly timeInfo: Uint8Array;
  /** Per record: its shape, or -1 for a record kept whole. */
  readonly shapeOf: Int32Array;
  readonly rowOf: Int32Array;
  readonly shapes: readonly Shape[];
  readonly texts: readonly string[];
  readonly whole: ReadonlyMap<number, WireRecord>;
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

/** `plain`: texts already seen not to be times (exchange, symbol: most texts repeat). */
function kindOf(v: unknown, plain: Set<string>): Kind | undefined {
  switch (typeof v) {
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    case 'string': {
      if (plain.has(v)) return 's';
      const t = parseTime(v);
      if (t?.canonical && formatTime(t.us, t.precision) === v) return t.precision === 'us' ? 'u' : 'm';
      if (t === undefined && plain.size < 65_536) plain.add(v);
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

function sameShape(
  d: { keys: readonly string[]; kinds: readonly Kind[] },
  keys: string[],
  kinds: Kind[],
): boolean {
  if (d.keys.length !== keys.length) return false;
  for (let k = 0; k < keys.length; k++) if (d.keys[k] !== keys[k] || d.kinds[k] !== kinds[k]) return false;
  return true;
}

export function toColumns(data: PreparedData): ColumnarData {
  const n = data.records.length;
  const shapeOf = shared(Int32Array, n);
  const rowOf = shared(Int32Array, n);
  const bySignature = new Map<string, number>();
  const draft: { keys: string[]; kinds: Kind[]; rows: number }[] = [];
  const whole = new Map<number, WireRecord>();
  const kinds: Kind[] = [];
  const plain = new Set<string>();
  let last = -1;
  for (let i = 0; i < n; i++) {
    const rec = data.records[i]! as unknown as Record<string, unknown>;
    const keys = Object.keys(rec);
    kinds.length = 0;
    let fits = true;
    for (const k of keys) {
      const kind = kindOf(rec[k], plain);
      if (kind === undefined) {
        fits = false;
        break;
      }
      kinds.push(kind);
    }
    if (!fits) {
      shapeOf[i] = -1;
      whole.set(i, data.records[i]!);
      continue;
    }
    // Most records have the shape of the one before: compared directly, no signature built.
    let s = last >= 0 && sameShape(draft[last]!, keys, kinds) ? last : undefined;
    const sig = s === undefined ? `${keys.join('\u0000')}\u0001${kinds.join('')}` : '';
    if (s === undefined) s = bySignature.get(sig);
    if (s === undefined) {
      s = draft.length;
      bySignature.set(sig, s);
      draft.push({ keys, kinds: [...kinds], rows: 0 });
    }
    shapeOf[i] = s;
    rowOf[i] = draft[s]!.rows++;
    last = s;
  }
  const textIndex = new Map<string, number>();
  const texts: string[] = [];
  const shapes: Shape[] = draft.map((d) => ({
    keys: d.keys,
    kinds: d.kinds,
    cols: d.kinds.map((k) =>
      k === 'z' ? null : k === 's' ? shared(Int32Array, d.rows) : shared(Float64Array, d.rows),
    ),
  }));
  for (let i = 0; i < n; i++) {
    const s = shapeOf[i]!;
    if (s < 0) continue;
    const rec = data.records[i]! as unknown as Record<string, unknown>;
    const shape = shapes[s]!;
    const row = rowOf[i]!;
    for (let k = 0; k < shape.keys.length; k++) {
      const v = rec[shape.keys[k]!];
      const col = shape.cols[k];
      switch (shape.kinds[k]) {
        case 'n':
          col![row] = v as number;
          break;
        case 'b':
          col![row] = v ? 1 : 0;
          break;
        case 'm':
        case 'u':
          col![row] = parseTime(v)!.us;
          break;
        case 's': {
          let t = textIndex.get(v as string);
          if (t === undefined) {
            t = texts.length;
            texts.push(v as string);
            textIndex.set(v as string, t);
          }
          col![row] = t;
          break;
        }
        default:
          break;
      }
    }
  }
  const us = shared(Float64Array, n);
  us.set(data.us);
  const timeInfo = shared(Uint8Array, n);
  for (let i = 0; i < n; i++)
    timeInfo[i] = (data.precision[i] === 'us' ? 1 : 0) | (data.text[i] !== undefined ? 2 : 0);
  return { length: n, us, timeInfo, shapeOf, rowOf, shapes, texts, whole };
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
function compile(shape: Shape, texts: readonly string[]): RowBuilder {
  const fields = shape.keys.map((key, k) => {
    const col = `c${k}[row]`;
    const value = {
      n: col,
      s: `texts[${col}]`,
      m: `fmt(${col}, false)`,
      u: `fmt(${col}, true)`,
      b: `${col} === 1`,
      z: 'null',
    }[shape.kinds[k]!];
    const name = JSON.stringify(key);
    return `${key === '__proto__' ? `[${name}]` : name}: ${value}`;
  });
  const names = shape.keys.map((_, k) => `c${k}`);
  const factory = new Function(...names, 'texts', 'fmt', `return (row) => ({ ${fields.join(', ')} });`) as (
    ...a: unknown[]
  ) => RowBuilder;
  return factory(...shape.cols, texts, timeTexts());
}

/**
 * formatTime with a memory of the last two texts it made: a candle's `open_time` is the `time` of
 * the candle before, so most time texts are made once per run instead of twice. Same text, same
 * function; only fewer calls.
 */
function timeTexts(): (us: number, micro: boolean) => string {
  let aUs = Number.NaN;
  let aMicro = false;
  let aText = '';
  let bUs = Number.NaN;
  let bMicro = false;
  let bText = '';
  return (us, micro) => {
    if (us === aUs && micro === aMicro) return aText;
    if (us === bUs && micro === bMicro) return bText;
    bUs = aUs;
    bMicro = aMicro;
    bText = aText;
    aUs = us;
    aMicro = micro;
    aText = formatTime(us, micro ? 'us' : 'ms');
    return aText;
  };
}

/** Runs read the columns, a record rebuilt when it is reached. */
export function columnarRunData(c: ColumnarData): RunData {
  const builders = c.shapes.map((shape) => compile(shape, c.texts));
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
        fn(rec, t, (info & 2) === 2 ? (rec.time as string) : undefined, p);
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
