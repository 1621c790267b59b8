/**
 * The one NDJSON writer.
 *
 * - One `write` per batch of records (their lines in one Buffer), so the cost per record is a copy.
 * - Honours backpressure: when the stream's buffer is full it waits for `drain`.
 * - Treats EPIPE (the reader went away, as `| head -1` does) as the end of output: it stops
 *   writing, reports `closed`, and the pipeline winds down quietly with exit 0.
 * - Never ends the underlying stream when it is the process's stdout, so nothing is cut off.
 * - With a TableFormatter (`--format csv|tsv`), writes records as rows instead (table.ts).
 * - Any other write error (a full disk: `> /dev/full`) becomes one located error,
 *   `stdout: no space left on device` (exit 1), raised by the next write or by `flush`.
 */

import type { Writable } from 'node:stream';
import { serialize, type WireRecord } from '../records/record.js';
import { ByteOut } from './bytes.js';
import { systemError } from './errno.js';
import { type ByteBatch, batchBytes } from './stream.js';
import type { TableFormatter } from './table.js';

export class NdjsonWriter {
  private closedByReader = false;
  private failure: Error | undefined;
  private waiting: (() => void) | undefined;
  records = 0;

  constructor(
    private readonly out: Writable,
    private readonly onClosed: () => void = () => {},
    private readonly table?: TableFormatter,
    private readonly name = 'stdout',
  ) {
    out.on('error', this.onError);
    out.on('close', this.onClose);
  }

  private readonly onError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
      this.closedByReader = true;
      this.onClosed();
    } else {
      this.failure ??= systemError(this.name, error);
    }
    this.wake();
  };

  private readonly onClose = (): void => {
    this.wake();
  };

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  /** True once the reader has gone away: further writes are dropped. */
  get closed(): boolean {
    return this.closedByReader;
  }

  /** Writes records, resolving when the stream can take more. Throws on a real write error. */
  async write(records: readonly WireRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.table !== undefined) {
      await this.writeText(this.table.format(records), records.length);
      return;
    }
    const bytes = batchBytes(records);
    if (bytes !== undefined) {
      await this.writeText(bytes, records.length);
      return;
    }
    // Lines written into one Buffer: cheaper than joining them into a string the stream then encodes.
    const out = new ByteOut(records.length * 256 + 1024);
    for (let i = 0; i < records.length; i++) out.line(serialize(records[i]!));
    await this.writeText(out.bytes(), records.length);
  }

  /** Writes a batch already serialised, resolving when the stream can take more. */
  async writeBytes(batch: ByteBatch): Promise<void> {
    if (batch.bytes.length === 0) return;
    if (this.table !== undefined) {
      // A byte path's NDJSON, read back as records: the table is the slow path, and rare.
      const lines = batch.bytes.toString('utf8').split('\n');
      await this.write(lines.filter((l) => l.length > 0).map((l) => JSON.parse(l) as WireRecord));
      return;
    }
    await this.writeText(batch.bytes, batch.records);
  }

  /** Writes pre-serialised lines (each without a newline). */
  async writeLines(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.writeText(`${lines.join('\n')}\n`, lines.length);
  }

  private async writeText(text: string | Buffer, count: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closedByReader || this.out.destroyed) return;
    this.records += count;
    const ok = this.out.write(text);
    if (!ok && !this.closedByReader) {
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        this.out.once('drain', this.onDrain);
      });
    }
    if (this.failure) throw this.failure;
  }

  private readonly onDrain = (): void => {
    this.wake();
  };

  /** Waits until everything written has been handed to the operating system. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.closedByReader && !this.out.destroyed && this.out.writableLength > 0) {
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        this.out.once('drain', this.onDrain);
      });
    }
    // A failed write is reported on the next tick (a file's writes are synchronous, their errors
    // are not): look once more before calling the output delivered.
    if (this.failure === undefined && !this.closedByReader)
      await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.failure) throw this.failure;
  }

  /** Detaches listeners (the stream itself is left open). */
  release(): void {
    this.out.off('error', this.onError);
    this.out.off('close', this.onClose);
    this.out.off('drain', this.onDrain);
  }
}
