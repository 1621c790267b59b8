/**
 * The orderbook stage's two ways in: `orderbook(records)` for library use, and
 * `orderbookNdjson(bytes)`, the command's, which reads book lines with `scanBook` and writes
 * everything as bytes; both write the same bytes for the same input (tests/orderbook.test.ts).
 */

import { ByteOut } from '../io/bytes.js';
import {
  DEFAULT_MAX_LINE_BYTES,
  type ErrorPolicy,
  type LineCounter,
  parseLine,
  tooLong,
  wholeLines,
} from '../io/lines.js';
import { type ByteStream, batchBytes, type RecordStream, runStage, setBatchBytes } from '../io/stream.js';
import { rawOf, type WireRecord } from '../records/record.js';
import { NO_RECORDS, type OrderbookStage } from './orderbook.js';
import { BookScan, scanBook } from './scan.js';

/** Runs the stage over a stream (the one core call for library use; the command uses `orderbookNdjson`). */
export async function* orderbook(input: RecordStream, stage: OrderbookStage): RecordStream {
  for await (const batch of runStage(input, stage)) {
    if (batchBytes(batch) === undefined) setBatchBytes(batch, encode(batch));
    yield batch;
  }
}

/** A batch as the bytes the writer will write: each record's own text (the input line, or the JSON a quote was built with). */
function encode(batch: readonly WireRecord[]): Buffer {
  const out = new ByteOut(batch.length * 400 + 1024);
  for (const rec of batch) out.line(rawOf(rec) ?? JSON.stringify(rec));
  return out.bytes();
}

export interface NdjsonInput {
  /** The input's bytes (`Input.chunks`). */
  readonly chunks: AsyncIterable<Buffer>;
  /** The input's name, for messages. */
  readonly source: string;
  /** What a bad line does (lines that are not records). */
  readonly policy: ErrorPolicy;
  readonly maxLineBytes?: number;
  /** The input's stop signal (`Input.signal`): an interrupted last line is dropped, not read. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The `orderbook` command's core call: NDJSON bytes in, NDJSON bytes out, with exactly the output of
 * `orderbook` over the same input's records (tests/orderbook.test.ts compares them).
 *
 * Every record it writes is built as bytes, and a book line is read as bytes by `scanBook` (no
 * JSON.parse, no arrays, no strings but its time); any other line, and any book line the scan does
 * not take, goes the ordinary way: parseLine (with the error policy), then `push`. On the bench's
 * book file this is the difference between 0.3 and 0.5 of the parse-only baseline
 * (docs/performance.md).
 */
export async function* orderbookNdjson(input: NdjsonInput, stage: OrderbookStage): ByteStream {
  const { source, policy } = input;
  const max = input.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const at: LineCounter = { line: 1 };
  const scan = new BookScan();
  for await (const bytes of wholeLines(input.chunks, source, max, at, input.signal)) {
    // Quotes are about as long as the book lines they come from; the buffer grows when not.
    const out = new ByteOut(bytes.length + 4096);
    stage.sinkInto(out);
    let line = at.line;
    let s = 0;
    try {
      while (s < bytes.length) {
        let e = bytes.indexOf(10, s);
        if (e === -1) e = bytes.length;
        const stop = e > s && bytes[e - 1] === 13 ? e - 1 : e;
        if (stop - s > max) throw tooLong(source, line, max);
        if (!(scanBook(bytes, s, stop, scan) && stage.pushScanned(bytes, scan, line))) {
          const rec = parseLine(bytes.toString('utf8', s, stop), line, source, policy);
          if (rec !== undefined) stage.push(rec, NO_RECORDS);
        }
        line++;
        s = e + 1;
      }
    } finally {
      at.line = line;
    }
    const records = stage.unsink();
    if (records > 0) yield { bytes: out.bytes(), records };
  }
  const tail = new ByteOut(4096);
  stage.sinkInto(tail);
  stage.finish(NO_RECORDS);
  const records = stage.unsink();
  if (records > 0) yield { bytes: tail.bytes(), records };
}
