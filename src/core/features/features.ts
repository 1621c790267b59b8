/**
 * `tickpipe features`: appends indicator columns to candle records, per instrument and interval, in
 * one streaming pass. Other records pass through unchanged. docs/features.md.
 *
 * Two ways in, one stage: `features(records, stage)` for library use, and `featuresNdjson(bytes,
 * stage)`, the command's byte path: each line is parsed as usual, and a candle is written as its own
 * input text less the closing brace, then the columns (`,"sma_20":101.5}`), straight into the output
 * bytes, with no copy of the record and no string built for it (docs/architecture.md). Both write
 * the same bytes (tests/features.test.ts).
 */

import { isUtf8 } from 'node:buffer';
import type { NdjsonInput } from '../book/orderbook-io.js';
import { DataError, describeFound, UsageError } from '../errors.js';
import { ByteOut } from '../io/bytes.js';
import { DEFAULT_MAX_LINE_BYTES, eachLine, type LineCounter, parseLine, wholeLines } from '../io/lines.js';

import type { ByteStream, RecordStream, Stage } from '../io/stream.js';
import { runStage } from '../io/stream.js';
import { boundProblem, inBounds } from '../records/bounds.js';
import { attachText, derive, rawOf, serialize, type WireRecord, whereOf } from '../records/record.js';
import { type CandleIn, type Feature, parseFeature } from './registry.js';
import { CandleScan, scanCandle } from './scan.js';
import { writeShortest } from './shortest.js';

export interface FeaturesOptions {
  /** The `--add` specs, in column order. */
  readonly specs: readonly string[];
  readonly source?: string;
}

const FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

/** The ASCII white space String.prototype.trimEnd removes (tab, line feed, vertical tab, form feed, carriage return, space). */
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** `null` as a big-endian 32-bit word. */
const NULL_WORD = 0x6e756c6c;

/** The DataView of the last input block copied from (one per block, not per line). */
let fromView: DataView | undefined;
let fromBuf: Buffer | undefined;

/**
 * `line[s, end)` appended to `out` (room made); returns the index after it. Eight bytes a step
 * through DataViews (as two 32-bit integers): Buffer#copy makes a view object per call, which for a line of 300 bytes cost
 * more than the copy and most of the garbage of the byte path.
 */
function copyBytes(line: Buffer, s: number, end: number, out: ByteOut): number {
  if (fromBuf !== line) {
    fromBuf = line;
    fromView = new DataView(line.buffer, line.byteOffset, line.length);
  }
  const from = fromView!;
  const to = out.view();
  let at = out.at;
  let k = s;
  // Integers, not doubles: a double's bytes could be a NaN, whose bits need not survive.
  for (; k + 8 <= end; k += 8, at += 8) {
    to.setInt32(at, from.getInt32(k));
    to.setInt32(at + 4, from.getInt32(k + 4));
  }
  const b = out.buf;
  for (; k < end; k++) b[at++] = line[k]!;
  return at;
}

/** True when `v` is the string whose (ASCII) bytes are `b[s, e)`. */
function isText(v: unknown, b: Buffer, s: number, e: number): boolean {
  if (typeof v !== 'string' || v.length !== e - s) return false;
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) !== b[s + i]) return false;
  return true;
}

export class FeatureStage implements Stage {
  private readonly series = new Map<string, Feature[]>();
  readonly columns: readonly string[];
  /** `,"column":` for each column, as text and as bytes. */
  private readonly heads: readonly string[];
  /**
   * The heads' bytes as big-endian 32-bit words, four bytes a store (the last word of a head
   * padded with bytes that what follows overwrites): column i's are `headWords[headFirst[i]]` up
   * to `headFirst[i + 1]`, its length `headLength[i]` bytes.
   */
  private readonly headWords: Int32Array;
  private readonly headFirst: Int32Array;
  private readonly headLength: Int32Array;
  /** The last candle's series (candles of one instrument and interval usually come in runs). */
  private lastExchange: unknown;
  private lastSymbol: unknown;
  private lastInterval: unknown;
  private last: Feature[] | undefined;
  /** The current candle's values, in column order, NaN for null (reused; unboxed doubles). */
  private readonly values: Float64Array;
  /** The scanner's result (reused) and the column names as it matches them (`sma_20":`). */
  private readonly scan = new CandleScan();
  private readonly columnNames: readonly Buffer[];
  /** The most bytes the columns add to a line. */
  private readonly room: number;
  /**
   * The input block being read (`mirrorOf`) and its copy at `mirrorAt` in the output buffer
   * `mirror` (`startBlock`): a line is then copied from there with `copyWithin`, one native call
   * and no view made, for as long as the output written stays below it.
   */
  private mirrorOf: Buffer | undefined;
  private mirror: Buffer | undefined;
  private mirrorAt = 0;

  constructor(private readonly options: FeaturesOptions) {
    if (options.specs.length === 0) throw new UsageError('give at least one --add (such as --add sma:20)');
    const cols = options.specs.flatMap((s) => parseFeature(s).columns);
    const seen = new Set<string>();
    for (const c of cols) {
      if (seen.has(c)) throw new UsageError(`--add: the column ${c} is asked for twice`);
      seen.add(c);
    }
    this.columns = cols;
    this.heads = cols.map((c) => `,${JSON.stringify(c)}:`);
    const headBytes = this.heads.map((h) => Buffer.from(h, 'utf8'));
    this.headFirst = new Int32Array(cols.length + 1);
    this.headLength = Int32Array.from(headBytes, (h) => h.length);
    const words: number[] = [];
    headBytes.forEach((h, i) => {
      const padded = Buffer.alloc(Math.ceil(h.length / 4) * 4);
      h.copy(padded);
      for (let k = 0; k < padded.length; k += 4) words.push(padded.readInt32BE(k));
      this.headFirst[i + 1] = words.length;
    });
    this.headWords = Int32Array.from(words);
    this.columnNames = cols.map((c) => Buffer.from(`${c}":`, 'utf8'));
    // A number's text is at most 25 bytes ("-1.2345678901234567e-308"), a head's padding at most
    // 3, then `}` and a newline.
    this.room = headBytes.reduce((n, h) => n + h.length + 3 + 25, 2);
    this.values = new Float64Array(cols.length);
  }

  /** The features of a series, made on its first candle; remembered as the last series. */
  private seriesOf(exchange: unknown, symbol: unknown, interval: unknown): Feature[] {
    const key = `${String(exchange)}\u0000${String(symbol)}\u0000${String(interval)}`;
    let fs = this.series.get(key);
    if (fs === undefined) {
      fs = this.options.specs.map((s) => parseFeature(s));
      this.series.set(key, fs);
    }
    this.last = fs;
    this.lastExchange = exchange;
    this.lastSymbol = symbol;
    this.lastInterval = interval;
    return fs;
  }

  /** Updates the candle's series and fills `values`; throws for a field that is not a number. */
  private compute(rec: WireRecord): void {
    const fs =
      this.last !== undefined &&
      rec.exchange === this.lastExchange &&
      rec.symbol === this.lastSymbol &&
      rec.interval === this.lastInterval
        ? this.last
        : this.seriesOf(rec.exchange, rec.symbol, rec.interval);
    for (const f of FIELDS) {
      const v = rec[f];
      const problem =
        typeof v === 'number'
          ? boundProblem(f, v, f === 'volume' ? 'nonnegative' : 'positive')
          : `expected a number for "${f}", found ${describeFound(v)}`;
      if (problem !== undefined) throw new DataError(whereOf(rec, this.options.source), problem);
    }
    this.update(fs, rec as unknown as CandleIn);
  }

  private update(fs: readonly Feature[], c: CandleIn): void {
    let j = 0;
    for (const f of fs) {
      f.update(c, this.values, j);
      j += f.columns.length;
    }
  }

  /**
   * The record's text less its closing brace, when the columns can be appended to it: it has its
   * input text and none of the columns (a column it has is replaced, and then the record is
   * serialised whole).
   */
  private stem(rec: WireRecord): string | undefined {
    const raw = rawOf(rec)?.trimEnd();
    if (raw === undefined || !raw.endsWith('}') || this.hasColumn(rec)) return undefined;
    return raw.slice(0, -1);
  }

  push(rec: WireRecord, out: WireRecord[]): void {
    if (rec.type !== 'candle') {
      out.push(rec);
      return;
    }
    this.compute(rec);
    const added: Record<string, number | null> = {};
    let text = '';
    for (let i = 0; i < this.columns.length; i++) {
      const v = this.values[i]!;
      const x = Number.isNaN(v) ? null : v;
      added[this.columns[i]!] = x;
      // String(x) is the shortest round-trip form JSON.stringify writes.
      text += `${this.heads[i]}${x === null ? 'null' : String(x)}`;
    }
    const stem = this.stem(rec);
    if (stem !== undefined) {
      const copy = Object.assign({}, rec, added) as WireRecord;
      attachText(copy, `${stem}${text}}`);
      out.push(copy);
    } else out.push(derive(rec, added));
  }

  /**
   * Byte mode: the output line of the record parsed from `line[s, stop)` into `out`, the same text
   * `push` gives it. A candle whose line is valid UTF-8 ending in `}` (and white space) has the
   * line's own bytes copied, less the brace, then the columns written as bytes.
   */
  pushBytes(rec: WireRecord, line: Buffer, s: number, stop: number, out: ByteOut): void {
    let end = stop;
    if (rec.type === 'candle') {
      while (end > s && isSpace(line[end - 1]!)) end--;
      if (end > s && line[end - 1] === 125 && !this.hasColumn(rec) && isUtf8(line.subarray(s, end))) end--;
      else end = -1;
    } else end = -1;
    if (end === -1) {
      const one: WireRecord[] = [];
      this.push(rec, one);
      for (const r of one) out.line(serialize(r));
      return;
    }
    this.compute(rec);
    this.writeLine(line, s, end, out);
  }

  /**
   * Byte mode's fast way: the candle on `line[s, stop)` read by `scanCandle` (no JSON.parse, no
   * record) and its output line written into `out`, the same bytes `pushBytes` writes for it. False,
   * with nothing done, for a line the scanner declines (scan.ts says which): then the caller parses
   * it and calls `pushBytes`.
   */
  pushLine(line: Buffer, s: number, stop: number, out: ByteOut): boolean {
    const r = this.scan;
    if (!scanCandle(line, s, stop, r, this.columnNames)) return false;
    // A number out of the format's bounds (1e400, a negative price) is refused by the record path.
    const p = 'positive';
    if (!(inBounds(r.open, p) && inBounds(r.high, p) && inBounds(r.low, p) && inBounds(r.close, p)))
      return false;
    if (!inBounds(r.volume, 'nonnegative')) return false;
    const fs =
      this.last !== undefined &&
      isText(this.lastExchange, line, r.exchangeStart, r.exchangeEnd) &&
      isText(this.lastSymbol, line, r.symbolStart, r.symbolEnd) &&
      isText(this.lastInterval, line, r.intervalStart, r.intervalEnd)
        ? this.last
        : this.seriesOf(
            line.toString('latin1', r.exchangeStart, r.exchangeEnd),
            line.toString('latin1', r.symbolStart, r.symbolEnd),
            line.toString('latin1', r.intervalStart, r.intervalEnd),
          );
    this.update(fs, r);
    this.writeLine(line, s, stop - 1, out);
    return true;
  }

  /**
   * Byte mode: `block`, the input whose lines come next, with `out` the buffer they are written to.
   * The block is copied once to the end of `out`'s buffer, from where each line's bytes are copied
   * to the output with `copyWithin`, while the output (which only ever grows from the start) has
   * not reached the line's copy. The block must stay unchanged while its lines are pushed.
   */
  startBlock(block: Buffer, out: ByteOut): void {
    const b = out.buf;
    this.mirrorOf = undefined;
    if (b.length - out.at < block.length) return;
    this.mirrorAt = b.length - block.length;
    b.set(block, this.mirrorAt);
    this.mirror = b;
    this.mirrorOf = block;
  }

  /** `line[s, end)` (a candle's text less its closing brace), the columns, `}` and a newline into `out`. */
  private writeLine(line: Buffer, s: number, end: number, out: ByteOut): void {
    out.ensure(end - s + this.room);
    const b = out.buf;
    let at = out.at;
    // Everything written is below `at`, so the copy of the line is intact when it starts at or after it.
    if (line === this.mirrorOf && b === this.mirror && at <= this.mirrorAt + s) {
      b.copyWithin(at, this.mirrorAt + s, this.mirrorAt + end);
      at += end - s;
    } else at = copyBytes(line, s, end, out);
    const view = out.view();
    const words = this.headWords;
    const first = this.headFirst;
    for (let i = 0; i < this.columns.length; i++) {
      for (let w = first[i]!, to = at; w < first[i + 1]!; w++, to += 4) view.setInt32(to, words[w]!);
      at += this.headLength[i]!;
      const x = this.values[i]!;
      if (Number.isNaN(x)) {
        view.setInt32(at, NULL_WORD);
        at += 4;
      } else at = writeShortest(b, at, x);
    }
    b[at++] = 125; // }
    b[at++] = 10;
    out.at = at;
  }

  private hasColumn(rec: WireRecord): boolean {
    for (const col of this.columns) if (col in rec) return true;
    return false;
  }

  finish(): void {}
}

/** Runs the stage over a stream (the one core call for library use; the command uses `featuresNdjson`). */
export function features(input: RecordStream, stage: FeatureStage): RecordStream {
  return runStage(input, stage);
}

/**
 * The `features` command's core call: NDJSON bytes in, NDJSON bytes out, with exactly the output of
 * `features` over the same input's records (tests/features.test.ts compares them).
 */
export async function* featuresNdjson(input: NdjsonInput, stage: FeatureStage): ByteStream {
  const { source, policy } = input;
  const max = input.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const at: LineCounter = { line: 1 };
  for await (const bytes of wholeLines(input.chunks, source, max, at, input.signal)) {
    const out = new ByteOut(bytes.length * 2 + 4096);
    stage.startBlock(bytes, out);
    let records = 0;
    eachLine(bytes, at, source, max, (s, stop, line) => {
      if (stage.pushLine(bytes, s, stop, out)) records++;
      else {
        const rec = parseLine(bytes.toString('utf8', s, stop), line, source, policy);
        if (rec === undefined) return;
        try {
          stage.pushBytes(rec, bytes, s, stop, out);
          records++;
        } catch (error) {
          // A candle refused (a number out of bounds) goes to --on-error like a bad line; nothing
          // of it was written, and its series did not take it.
          if (!(error instanceof DataError) || policy === undefined) throw error;
          policy.report(error.where, error.detail);
        }
      }
    });
    if (records > 0) yield { bytes: out.bytes(), records };
  }
}
