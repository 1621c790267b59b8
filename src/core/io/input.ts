/**
 * Opening input: a file path, or `-`/nothing for standard input. Gzip is detected by its magic bytes
 * (not the file name), so `tickpipe sanitize data.ndjson.gz` and `zcat`-less pipes both work.
 */

import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CorruptInput, TickpipeError, UsageError } from '../errors.js';
import { untilAborted, untilAbortedAtLine } from './abortable.js';

export interface Input {
  /** The name used in messages: `stdin` or the path as given. */
  readonly name: string;
  /** Raw bytes, decompressed when the source is gzip. */
  readonly chunks: AsyncIterable<Buffer>;
  /** Compressed or plain size in bytes, when known (for progress). */
  readonly size: number | undefined;
  /** Bytes read from the source so far (compressed bytes for gzip). */
  bytesRead(): number;
  /** Releases the source (a quiet stdin would otherwise keep the process alive after an interrupt). */
  close(): void;
  /** The signal that stops reading, if any: once it fires, `chunks` ends where it is. */
  readonly signal?: AbortSignal | undefined;
}

export interface StdinLike extends AsyncIterable<Buffer | string> {
  readonly isTTY?: boolean;
  destroy?(): void;
}

/** Read size: 64 KiB measured as fast as larger reads here, with the smallest peak memory. */
export const READ_CHUNK = 64 * 1024;

/** Opens `path` (or stdin for undefined or `-`). Refuses an interactive terminal as input. */
export function openInput(path: string | undefined, stdin: StdinLike, signal?: AbortSignal): Input {
  let counter = 0;
  let source: AsyncIterable<Buffer | string> & { destroy?(): void };
  let name: string;
  let size: number | undefined;
  if (path === undefined || path === '-') {
    if (stdin.isTTY === true) {
      throw new UsageError(
        'no input: give a FILE argument or pipe records in (for example `tickpipe generate candles | tickpipe sanitize`)',
      );
    }
    source = stdin;
    name = 'stdin';
  } else {
    try {
      const st = statSync(path);
      if (st.isDirectory()) throw new UsageError(`${path}: is a directory, expected a file of records`);
      size = st.size;
    } catch (error) {
      if (error instanceof TickpipeError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
    source = createReadStream(path, { highWaterMark: READ_CHUNK });
    name = path;
  }
  const counted = countBytes(
    source,
    (n) => {
      counter += n;
    },
    signal,
  );
  return {
    name,
    chunks: gunzipIfCompressed(counted, name),
    size,
    bytesRead: () => counter,
    close: () => source.destroy?.(),
    signal,
  };
}

async function* countBytes(
  source: AsyncIterable<Buffer | string>,
  add: (n: number) => void,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  for await (const chunk of untilAborted(source, signal)) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    add(buf.length);
    yield buf;
  }
}

/**
 * Passes bytes through, or gunzips them when the stream starts with the gzip magic number. A corrupt
 * stream is a CorruptInput naming `name` (`capture.gz: corrupt gzip input: ...`); an error of the
 * source itself is passed on as it is.
 */
export async function* gunzipIfCompressed(
  source: AsyncIterable<Buffer>,
  name?: string,
): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let first = await it.next();
  // A first chunk of one byte cannot be told apart; read on until two bytes are seen.
  while (!first.done && first.value.length < 2) {
    const next = await it.next();
    if (next.done) break;
    first = { done: false, value: Buffer.concat([first.value, next.value]) };
  }
  if (first.done) return;
  const head = first.value;
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => it };
  if (head[0] === 0x1f && head[1] === 0x8b) {
    async function* all(): AsyncGenerator<Buffer> {
      yield head;
      yield* rest;
    }
    // Output chunks of READ_CHUNK, not zlib's 16 KiB: a quarter of the round trips to the thread
    // that inflates (measured: a gzipped capture read and parsed about a quarter faster).
    // pipe() forwards no errors: the source's go to gunzip by hand (an unhandled 'error' event on the
    // source would otherwise end the process, as an interrupt during a gzip capture did).
    const from = Readable.from(all(), { objectMode: false });
    const gunzip = createGunzip({ chunkSize: READ_CHUNK });
    let sourceError: unknown;
    from.on('error', (error) => {
      sourceError = error;
      gunzip.destroy(error);
    });
    from.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (error) {
      if (sourceError !== undefined && error === sourceError) throw error;
      throw new CorruptInput(name, `corrupt gzip input: ${(error as Error).message}`);
    } finally {
      from.destroy();
    }
    return;
  }
  yield head;
  yield* rest;
}

/**
 * The bytes of a file on disk, gunzipped when they are gzip. When `signal` fires they end at the
 * last complete line, so the readers downstream finish normally (SIGINT and SIGTERM exit 130/143
 * after flushing, not with an AbortError).
 */
export function fileLines(
  path: string,
  signal: AbortSignal | undefined,
  name = path,
  onBytes?: (n: number) => void,
): AsyncIterable<Buffer> {
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>;
  return untilAbortedAtLine(gunzipIfCompressed(onBytes ? counted(raw, onBytes) : raw, name), signal);
}

/** `chunks`, telling `onBytes` each chunk's length (the bytes read from disk, for progress). */
async function* counted(chunks: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    onBytes(chunk.length);
    yield chunk;
  }
}
