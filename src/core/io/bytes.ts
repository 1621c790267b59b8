/**
 * A growable output buffer for building a batch's bytes: lines written into one Buffer measured
 * faster than joining them as strings (a line built from many pieces is a rope that a join must
 * flatten first; `Buffer.write` copies it directly).
 */

export class ByteOut {
  buf: Buffer;
  at = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  /** Appends `text` (UTF-8) and a newline. */
  line(text: string): void {
    this.ensure(text.length * 3 + 1);
    this.at += this.buf.write(text, this.at, 'utf8');
    this.buf[this.at++] = 10;
  }

  /** Appends bytes (room made first with `ensure`). */
  copy(b: Uint8Array): void {
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** Appends text that is ASCII (times, number texts; room made first with `ensure`): its bytes are its characters. */
  ascii(text: string): void {
    this.at += (this.buf as unknown as { latin1Write(s: string, at: number): number }).latin1Write(
      text,
      this.at,
    );
  }

  private viewOf: Buffer | undefined;
  private dataView: DataView | undefined;

  /** A DataView of the current buffer (for writing several bytes at once). */
  view(): DataView {
    if (this.viewOf !== this.buf) {
      this.viewOf = this.buf;
      this.dataView = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    }
    return this.dataView!;
  }

  /** The bytes written so far. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}
