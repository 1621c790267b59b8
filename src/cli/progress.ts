/**
 * A progress line on stderr for long runs, redrawn a few times a second from a timer that does not
 * keep the process alive, cleared before any other diagnostic and at the end.
 *
 * What it counts: the bytes of the command's input (compressed bytes for gzip), with the share read,
 * the rate and an ETA when the size is known (a FILE); the records written by a command that reads
 * no input (generate, fetch from the network, connect), with a share and ETA when the total is known
 * (generate --count).
 *
 * Which stage of a pipeline draws it (`progressWanted`): in `a | b | c` every stage has the same
 * terminal as stderr, so only one may draw. The one that does is the head of the pipeline: the stage
 * that reads a FILE (or stdin redirected from a file), or reads no input and whose stdin is not a
 * pipe. A stage whose standard input is a pipe stays quiet. Its input is the pipeline's input, and
 * with backpressure the head moves at the speed of the slowest stage, so its share read is the
 * pipeline's. Never when stderr is not a terminal or `CI` is set; `--progress` and `--no-progress`
 * decide outright.
 */

import { fstatSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Input } from '../core/io/input.js';

export interface ProgressFacts {
  /** `--progress` / `--no-progress`, or undefined when not given. */
  readonly flag: boolean | undefined;
  readonly stderrIsTTY: boolean;
  /** The CI environment variable. */
  readonly ci: string | undefined;
  /** What standard input is: a pipe (or socket), a regular file, or something else (a terminal, /dev/null). */
  readonly stdin: 'pipe' | 'file' | 'other';
  /** The command reads a FILE argument (not stdin). */
  readonly readsFile: boolean;
  /** The command reads records from stdin (no FILE). */
  readonly readsStdin: boolean;
}

/** Whether this process draws the progress line (see the module comment). */
export function progressWanted(f: ProgressFacts): boolean {
  if (f.flag !== undefined) return f.flag;
  if (f.ci !== undefined && f.ci !== '' && f.ci !== '0' && f.ci.toLowerCase() !== 'false') return false;
  if (!f.stderrIsTTY) return false;
  if (f.readsFile) return true;
  if (f.readsStdin) return f.stdin === 'file';
  return f.stdin !== 'pipe';
}

/** What this process's standard input is (only the real one can be asked). */
export function stdinKind(stdin: unknown): ProgressFacts['stdin'] {
  if (stdin !== process.stdin) return 'pipe';
  try {
    const st = fstatSync(0);
    if (st.isFIFO() || st.isSocket()) return 'pipe';
    return st.isFile() ? 'file' : 'other';
  } catch {
    return 'other';
  }
}

const MIB = 2 ** 20;

/** 1.5 MiB, 812 KiB, 17 B. */
export function formatBytes(n: number): string {
  if (n >= MIB) return `${(n / MIB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}

/** 0:07, 12:30, 1:02:03. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** What the progress line needs to know of an input: its name, its size when known, the bytes read. */
export type ProgressInput = Pick<Input, 'name' | 'size' | 'bytesRead'>;

export interface ProgressOptions {
  /** The command's input: its bytes are counted. */
  readonly input?: ProgressInput | undefined;
  /** Records expected in all, for a command without input that knows (generate --count). */
  readonly total?: number | undefined;
  /** More to show at the end of the line (fetch: files and bytes downloaded). */
  readonly detail?: (() => string) | undefined;
  /** The clock, in milliseconds (tests). */
  readonly now?: () => number;
}

export class Progress {
  private records = 0;
  private readonly now: () => number;
  private readonly started: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(
    private readonly stderr: Writable,
    private readonly label: string,
    private readonly options: ProgressOptions = {},
    draw = true,
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    if (draw) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    }
  }

  /** Records written (shown only for a command without input). */
  count(n: number): void {
    this.records += n;
  }

  /** The line as drawn now. */
  line(): string {
    const seconds = (this.now() - this.started) / 1000;
    const { input, total, detail } = this.options;
    let text: string;
    if (input !== undefined) {
      const read = input.bytesRead();
      const rate = seconds > 0 ? read / seconds : 0;
      const size = input.size;
      if (size !== undefined && size > 0) {
        const share = Math.min(1, read / size);
        text = `${this.label}: ${(100 * share).toFixed(0)}% of ${input.name} (${formatBytes(read)} of ${formatBytes(size)}), ${formatBytes(rate)}/s`;
        if (rate > 0 && share < 1) text += `, ETA ${formatDuration((size - read) / rate)}`;
      } else text = `${this.label}: ${formatBytes(read)} read from ${input.name}, ${formatBytes(rate)}/s`;
    } else {
      const rate = seconds > 0 ? Math.round(this.records / seconds) : 0;
      text = `${this.label}: ${this.records.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')}/s`;
      if (total !== undefined && total > 0) {
        const share = Math.min(1, this.records / total);
        text += `, ${(100 * share).toFixed(0)}% of ${total.toLocaleString('en-US')}`;
        if (rate > 0 && share < 1) text += `, ETA ${formatDuration((total - this.records) / rate)}`;
      }
    }
    if (detail !== undefined) text += `, ${detail()}`;
    return text;
  }

  private draw(): void {
    this.stderr.write(`\r\x1b[K${this.line()}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) {
      this.stderr.write('\r\x1b[K');
      this.shown = false;
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.clear();
  }
}
