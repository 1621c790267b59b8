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

  /** Appends the first `n` bytes of `b` (a short run: a loop, no subarray made; room made first with `ensure`). */
  copyFrom(b: Uint8Array, n: number): void {
    const o = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) o[at++] = b[i]!;
    this.at = at;
  }

  /**
   * Appends a short text that is ASCII (a time, a number's text; room made first with `ensure`):
   * its bytes are its characters (a loop: cheaper than a call into Buffer's writers for a few
   * dozen bytes).
   */
  ascii(text: string): void {
    const b = this.buf;
    let at = this.at;
    for (let i = 0; i < text.length; i++) b[at++] = text.charCodeAt(i);
    this.at = at;
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
