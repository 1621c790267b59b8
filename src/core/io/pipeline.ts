/**
 * Reading records from an input and writing a stream to a writer: the two ends every command has.
 */

import type { WireRecord } from '../records/record.js';
import type { Input } from './input.js';
import { type ErrorPolicy, parseRecords, splitLines } from './lines.js';
import type { ByteBatch, ByteStream, RecordStream } from './stream.js';
import type { NdjsonWriter } from './writer.js';

/** The records of an input, parsed, with bad lines handled by `policy`. */
export function readRecords(input: Input, policy: ErrorPolicy, maxLineBytes?: number): RecordStream {
  return parseRecords(splitLines(input.chunks, input.name, maxLineBytes, input.signal), input.name, policy);
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
