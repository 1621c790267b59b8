/**
 * Reading records from an input and writing a stream to a writer: the two ends every command has.
 */

import type { WireRecord } from '../records/record.js';
import { CandleLineScanner } from './candle-scan.js';
import type { Input } from './input.js';
import {
  DEFAULT_MAX_LINE_BYTES,
  type ErrorPolicy,
  eachLine,
  type LineCounter,
  parseLine,
  parseRecords,
  splitLines,
  wholeLines,
} from './lines.js';
import { type ByteBatch, type ByteStream, type RecordStream, setBatchBytes } from './stream.js';
import type { NdjsonWriter } from './writer.js';

/** The records of an input, parsed, with bad lines handled by `policy`. */
export function readRecords(input: Input, policy: ErrorPolicy, maxLineBytes?: number): RecordStream {
  return parseRecords(splitLines(input.chunks, input.name, maxLineBytes, input.signal), input.name, policy);
}

/**
 * As `readRecords`, with candle lines read from their bytes (io/candle-scan.ts) and every other line
 * parsed as there: the same records, numbered the same, the same errors, but the scanned candles do
 * not carry their text (for a consumer that never writes its input back: the backtest).
 */
export async function* readCandleRecords(
  input: Input,
  policy: ErrorPolicy,
  maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
): RecordStream {
  const source = input.name;
  const at: LineCounter = { line: 1 };
  const scanner = new CandleLineScanner();
  for await (const bytes of wholeLines(input.chunks, source, maxLineBytes, at, input.signal)) {
    const out: WireRecord[] = [];
    let exact = bytes[bytes.length - 1] === 10;
    eachLine(bytes, at, source, maxLineBytes, (s, stop, line) => {
      const rec =
        scanner.read(bytes, s, stop, line) ??
        parseLine(bytes.toString('utf8', s, stop), line, source, policy);
      if (rec === undefined) exact = false;
      else out.push(rec);
    });
    // As parseRecords: a batch whose every line became a record, with no CR, is its bytes when written.
    if (exact && bytes.indexOf(13) === -1) setBatchBytes(out, bytes);
    if (out.length > 0) yield out;
  }
}

/** How often a CPU-bound pipeline lets the event loop run (signals, stdout errors, progress). */
const YIELD_EVERY_MS = 25;

/**
 * Writes a stream until it ends or the reader goes away. A pipeline that never waits on I/O (input
 * from a fast file, output to /dev/null) still yields to the event loop every few milliseconds, so
 * a Ctrl-C or an EPIPE is seen promptly.
 */
export async function writeAll(
  stream: RecordStream | ByteStream,
  writer: NdjsonWriter,
  onBatch?: (records: number) => void,
): Promise<void> {
  let last = Date.now();
  for await (const batch of stream) {
    if (writer.closed) break;
    if (isRecords(batch)) {
      await writer.write(batch);
      onBatch?.(batch.length);
    } else {
      await writer.writeBytes(batch);
      onBatch?.(batch.records);
    }
    if (writer.closed) break;
    const now = Date.now();
    if (now - last >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = Date.now();
    }
  }
}

function isRecords(batch: readonly WireRecord[] | ByteBatch): batch is readonly WireRecord[] {
  return Array.isArray(batch);
}
