/**
 * A progress line on stderr for long runs: records, rate, and the share of a file read. Redrawn a
 * few times a second from a timer that does not keep the process alive; cleared before any other
 * diagnostic and at the end.
 */

import type { Writable } from 'node:stream';
import type { Input } from '../core/io/input.js';

export class Progress {
  private records = 0;
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;
  private shown = false;

  constructor(
    private readonly stderr: Writable,
    private readonly label: string,
    private readonly input?: Input,
    /** More to show after the counts (fetch: files and bytes downloaded). */
    private readonly detail?: () => string,
  ) {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  count(n: number): void {
    this.records += n;
  }

  private draw(): void {
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(this.records / seconds) : 0;
    let text = `${this.label}: ${this.records.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')}/s`;
    const size = this.input?.size;
    if (size !== undefined && size > 0 && this.input !== undefined) {
      text += `, ${Math.min(100, (100 * this.input.bytesRead()) / size).toFixed(0)}% of ${this.input.name}`;
    }
    if (this.detail !== undefined) text += `, ${this.detail()}`;
    this.stderr.write(`\r\x1b[K${text}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) {
      this.stderr.write('\r\x1b[K');
      this.shown = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }
}
