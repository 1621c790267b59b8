/**
 * Splitting bytes into lines, and lines into records.
 *
 * The splitter decodes each chunk up to its last newline as one string and cuts it with indexOf: one
 * UTF-8 decode per chunk instead of per line, and lines that are cheap slices of it. This measured
 * faster than `readline` and the `ndjson` package (docs/performance.md). Only the partial line at a
 * chunk's end is carried as bytes, so a multi-byte character split across chunks is never damaged.
 */

import { DataError } from '../errors.js';
import { attachOrigin, type WireRecord } from '../records/record.js';
import { setBatchBytes } from './stream.js';

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface LineBatch {
  /** The lines, without terminators (`\n` or `\r\n`). */
  readonly lines: string[];
  /** The 1-based line number of `lines[0]`. */
  readonly firstLine: number;
  /** The exact bytes of these lines, each ending in `\n`, when known. */
  readonly bytes?: Buffer;
}

/** Where a reader of whole-line blocks has got to: the 1-based number of the next block's first line. */
export interface LineCounter {
  line: number;
}

/**
 * Chunks of bytes regrouped into blocks of whole lines: every block but the last ends with `\n`, and
 * the last may be a final line without one. Only the partial line at a chunk's end is carried over,
 * as bytes. The reader advances `at.line` past each block's lines before asking for the next (the
 * blocks are not counted here, so that a reader that counts lines anyway pays for it once); a line
 * longer than `maxLineBytes` carried across chunks is reported at the line number `at` says.
 *
 * When `signal` has fired by the end (an interrupt: the input stopped mid-stream), a last piece
 * without its newline is the start of a line never read to its end, and is dropped rather than
 * read as a (bad) line.
 */
export async function* wholeLines(
  chunks: AsyncIterable<Buffer>,
  source: string,
  maxLineBytes: number,
  at: LineCounter,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  for await (const chunk of chunks) {
    const lastNl = chunk.lastIndexOf(10);
    if (lastNl === -1) {
      carry.push(chunk);
      carryBytes += chunk.length;
      if (carryBytes > maxLineBytes) throw tooLong(source, at.line, maxLineBytes);
      continue;
    }
    let bytes: Buffer;
    if (carryBytes > 0) {
      const firstNl = chunk.indexOf(10);
      if (carryBytes + firstNl > maxLineBytes) throw tooLong(source, at.line, maxLineBytes);
      carry.push(chunk.subarray(0, lastNl + 1));
      bytes = Buffer.concat(carry, carryBytes + lastNl + 1);
    } else {
      bytes = chunk.subarray(0, lastNl + 1);
    }
    carry = [];
    carryBytes = 0;
    const rest = lastNl + 1 < chunk.length ? chunk.subarray(lastNl + 1) : undefined;
    yield bytes;
    if (rest !== undefined) {
      carry.push(rest);
      carryBytes = rest.length;
      if (carryBytes > maxLineBytes) throw tooLong(source, at.line, maxLineBytes);
    }
  }
  if (carryBytes > 0 && signal?.aborted !== true) yield Buffer.concat(carry, carryBytes);
}

/**
 * The lines of one block from `wholeLines`, as byte ranges: `each(start, stop, lineNo)` for every
 * line, `stop` before its `\n` or `\r\n`, numbered from `at.line`, which is advanced past the
 * block's lines (also when `each` throws, so the next block's numbers stay right). A line longer
 * than `maxLineBytes` is a located error. For the commands that read lines as bytes (the
 * `features` byte path); nothing is decoded.
 */
export function eachLine(
  bytes: Buffer,
  at: LineCounter,
  source: string,
  maxLineBytes: number,
  each: (start: number, stop: number, lineNo: number) => void,
): void {
  let line = at.line;
  let s = 0;
  try {
    while (s < bytes.length) {
      let e = bytes.indexOf(10, s);
      if (e === -1) e = bytes.length;
      const stop = e > s && bytes[e - 1] === 13 ? e - 1 : e;
      if (stop - s > maxLineBytes) throw tooLong(source, line, maxLineBytes);
      each(s, stop, line);
      line++;
      s = e + 1;
    }
  } finally {
    at.line = line;
  }
}

/** Lines from chunks of bytes (`wholeLines`, then one decode per block; `signal`: see there). */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  source: string,
  maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
  signal?: AbortSignal,
): AsyncGenerator<LineBatch> {
  const at: LineCounter = { line: 1 };
  for await (const bytes of wholeLines(chunks, source, maxLineBytes, at, signal)) {
    const firstLine = at.line;
    if (bytes[bytes.length - 1] !== 10) {
      // The last line, without a newline.
      let last = bytes.toString('utf8');
      if (last.charCodeAt(last.length - 1) === 13) last = last.slice(0, -1);
      at.line++;
      yield { lines: [last], firstLine };
      return;
    }
    const text = bytes.toString('utf8', 0, bytes.length - 1);
    const lines = cut(text, source, firstLine, maxLineBytes);
    at.line += lines.length;
    yield { lines, firstLine, bytes };
  }
}

function cut(text: string, source: string, firstLine: number, maxLineBytes: number): string[] {
  const lines: string[] = [];
  let start = 0;
  const len = text.length;
  while (start <= len) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = len;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    // Characters count at most 3 UTF-8 bytes per UTF-16 unit; check exactly only when near the bound.
    if (stop - start > maxLineBytes / 3 && Buffer.byteLength(text.slice(start, stop)) > maxLineBytes) {
      throw tooLong(source, firstLine + lines.length, maxLineBytes);
    }
    lines.push(text.slice(start, stop));
    start = end + 1;
  }
  return lines;
}

export function tooLong(source: string, line: number, max: number): DataError {
  return new DataError(
    `${source}:${line}`,
    `line longer than ${max} bytes (raise --max-line-bytes if it is real)`,
  );
}

export type OnError = 'fail' | 'skip' | 'warn';

/** What a reader does with a bad line, and what it remembers about them. */
export class ErrorPolicy {
  /** Bad lines or records skipped so far. */
  skipped = 0;
  /** The first skipped problem, for the closing message. */
  firstProblem: string | undefined;

  constructor(
    readonly mode: OnError = 'fail',
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /** Handles a located problem: throws in `fail` mode, else counts it (and warns in `warn` mode). */
  report(where: string, detail: string): void {
    // DataError escapes what the message quotes of the input (records/text.ts): one safe line.
    const error = new DataError(where, detail);
    if (this.mode === 'fail') throw error;
    this.skipped++;
    if (this.firstProblem === undefined) this.firstProblem = error.message;
    if (this.mode === 'warn') this.warn(error.message);
  }
}

/**
 * One line as a record, or undefined for a blank line or a bad one (which goes to the error policy).
 * A line that is not a JSON object with a string `type` is bad.
 */
export function parseLine(
  line: string,
  lineNo: number,
  source: string,
  policy: ErrorPolicy,
): WireRecord | undefined {
  if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim().length === 0)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    policy.report(`${source}:${lineNo}`, `invalid JSON: ${(error as Error).message}`);
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    policy.report(`${source}:${lineNo}`, `expected a JSON object, found ${line.slice(0, 40)}`);
    return undefined;
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || type.length === 0) {
    policy.report(
      `${source}:${lineNo}`,
      `expected a string for "type", found ${type === undefined ? 'nothing' : JSON.stringify(type)}`,
    );
    return undefined;
  }
  attachOrigin(value, lineNo, line);
  return value as WireRecord;
}

/** Parses line batches into record batches (parseLine: blank lines skipped, bad ones to the policy). */
export async function* parseRecords(
  batches: AsyncIterable<LineBatch>,
  source: string,
  policy: ErrorPolicy,
): AsyncGenerator<WireRecord[]> {
  for await (const { lines, firstLine, bytes } of batches) {
    const out: WireRecord[] = [];
    let exact = bytes !== undefined;
    for (let i = 0; i < lines.length; i++) {
      const rec = parseLine(lines[i]!, firstLine + i, source, policy);
      if (rec === undefined) exact = false;
      else out.push(rec);
    }
    // A batch whose every line became a record, with no CR anywhere, can be written back as its bytes.
    if (exact && bytes !== undefined && bytes.indexOf(13) === -1) setBatchBytes(out, bytes);
    if (out.length > 0) yield out;
  }
}
