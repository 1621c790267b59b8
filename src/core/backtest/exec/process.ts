/**
 * A strategy process and its two pipes, with blocking I/O: the engine calls a strategy synchronously
 * and uses its intents at once, so a request is one writeSync and its reply a readSync to the
 * newline. Needs a POSIX system with `mkfifo` (docs/strategy-protocol.md, "Requirements").
 *
 * The pipes are FIFOs, because Node's own child pipes are non-blocking sockets owned by the event
 * loop. Each is opened read-write first (which never blocks on Linux) so that the two blocking opens
 * of its ends return at once; the paths are removed as soon as the ends are open. The child is started
 * by the watchdog worker (watchdog.ts), in its own process group, and the engine closes its copies of
 * the child's ends, so that the child's death gives the engine EOF on read and EPIPE on write.
 */

import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  constants as fsc,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TickpipeError } from '../../errors.js';
import { type Pinned, pinThisThread } from './affinity.js';
import {
  EXIT_CODE,
  EXIT_SIGNAL,
  EXITED,
  PID,
  SEQ,
  SLOTS,
  STATE,
  STATE_RUNNING,
  STATE_STARTING,
  STDERR_DONE,
  TAIL_BYTES,
  TAIL_LEN,
  TAIL_POS,
  TIMED_OUT,
  TIMEOUT_MS,
  WAITING,
  type WatchdogData,
} from './shared.js';

/** The longest reply line accepted; a longer one is a malformed reply, not an out-of-memory. */
export const MAX_REPLY_BYTES = 16 * 1024 * 1024;
/** How long a child is given to exit after SIGTERM (and after closing its stdin) before SIGKILL. */
const GRACE_MS = 2000;

/** The strategy process failed: it died, did not answer in time, or could not be started. */
export class StrategyProcessError extends TickpipeError {}

/** The compiled watchdog (dist/core/backtest/exec/watchdog.js), also when this runs from src/ under tests. */
function watchdogPath(): string {
  const here = fileURLToPath(new URL('./watchdog.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../../../dist/core/backtest/exec/watchdog.js', import.meta.url));
}

/** Every child still running, killed if the process exits without closing them (a second Ctrl-C). */
const live = new Set<number>();
let exitHookInstalled = false;
function killAllOnExit(): void {
  for (const pid of live) killGroup(pid, 'SIGKILL');
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

function signalName(n: number): string {
  for (const [name, v] of Object.entries(constants.signals)) if (v === n) return name;
  return `signal ${n}`;
}

export class StrategyProcess {
  private readonly s = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  private readonly tail = new Uint8Array(new SharedArrayBuffer(TAIL_BYTES));
  private readonly worker: Worker;
  private out = -1;
  private in = -1;
  private buf = Buffer.allocUnsafe(64 * 1024);
  /** Bytes of `buf` read but not yet taken (a second line the child wrote). */
  private start = 0;
  private end = 0;
  private seq = 0;
  private closed = false;
  readonly pid: number;
  /** The engine's thread and the child on one CPU (affinity.ts), undone at close. */
  private readonly pinned: Pinned | undefined;

  constructor(
    readonly command: string,
    /** How long one reply may take (a request may be given longer: the hello). */
    readonly timeoutMs: number,
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'tickpipe-exec-'));
    const fds: number[] = [];
    try {
      const req = join(dir, 'request');
      const rep = join(dir, 'reply');
      const err = join(dir, 'stderr');
      try {
        execFileSync('mkfifo', ['-m', '600', req, rep, err], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (error) {
        throw new StrategyProcessError(
          `exec: strategies need a POSIX system with mkfifo (docs/strategy-protocol.md): ${(error as Error).message}`,
        );
      }
      const pair = (path: string, extraRead = 0): [number, number] => {
        const rw = openSync(path, 'r+');
        const r = openSync(path, fsc.O_RDONLY | extraRead);
        const w = openSync(path, fsc.O_WRONLY);
        closeSync(rw);
        fds.push(r, w);
        return [r, w];
      };
      const [childIn, out] = pair(req);
      const [inFd, childOut] = pair(rep);
      const [errRead, childErr] = pair(err, fsc.O_NONBLOCK);
      this.out = out;
      this.in = inFd;
      Atomics.store(this.s, TIMEOUT_MS, timeoutMs);
      this.pinned = pinThisThread();
      const data: WatchdogData = {
        command,
        ...(this.pinned === undefined ? {} : { cpu: this.pinned.cpu }),
        stdio: [childIn, childOut, childErr],
        stderrFd: errRead,
        state: this.s.buffer as SharedArrayBuffer,
        tail: this.tail.buffer as SharedArrayBuffer,
        tickMs: Math.max(1, Math.floor(timeoutMs / 4)),
        prefix: 'strategy: ',
      };
      this.worker = new Worker(watchdogPath(), { workerData: data });
      this.worker.unref();
      // Started (or failed) in the worker: wait for it, bounded.
      const deadline = performance.now() + Math.max(10_000, timeoutMs);
      while (Atomics.load(this.s, STATE) === STATE_STARTING && performance.now() < deadline)
        Atomics.wait(this.s, STATE, STATE_STARTING, 100);
      if (Atomics.load(this.s, STATE) !== STATE_RUNNING) {
        throw new StrategyProcessError(`exec:${command}: could not start the process. ${this.lastWords()}`);
      }
      this.pid = Atomics.load(this.s, PID);
      live.add(this.pid);
      if (!exitHookInstalled) {
        process.on('exit', killAllOnExit);
        exitHookInstalled = true;
      }
      // The child holds its ends now; ours would keep EOF and EPIPE from ever coming.
      this.closeFds([childIn, childOut, childErr]);
    } catch (error) {
      this.closeFds(fds);
      this.pinned?.restore();
      throw error;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private closeFds(list: number[]): void {
    for (const fd of list)
      try {
        closeSync(fd);
      } catch {
        // closed already
      }
  }

  /**
   * Writes one request line (with its newline) and returns the reply line (without it). Throws a
   * StrategyProcessError when the child dies or does not answer within the timeout.
   */
  ask(line: string, timeoutMs = this.timeoutMs): string {
    if (this.end > this.start)
      throw new StrategyProcessError(
        `the strategy wrote a line no event asked for (one reply per event): ${this.excerpt(this.buf.toString('utf8', this.start, this.end))}`,
      );
    const s = this.s;
    Atomics.store(s, TIMEOUT_MS, timeoutMs);
    Atomics.store(s, SEQ, ++this.seq);
    Atomics.store(s, WAITING, 1);
    try {
      this.write(line);
      return this.readLine();
    } finally {
      Atomics.store(s, WAITING, 0);
    }
  }

  /** Writes a line no reply is expected to (the `end` event); a child already gone is not an error. */
  tell(line: string): void {
    try {
      this.write(line);
    } catch {
      // gone: nothing to tell
    }
  }

  private write(line: string): void {
    const bytes = Buffer.from(line);
    let off = 0;
    while (off < bytes.length) {
      try {
        off += writeSync(this.out, bytes, off);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') throw this.died();
        throw error;
      }
    }
  }

  private readLine(): string {
    let scanFrom = this.start;
    for (;;) {
      const nl = this.buf.indexOf(10, scanFrom);
      if (nl >= 0 && nl < this.end) {
        const text = this.buf.toString('utf8', this.start, nl);
        this.start = nl + 1;
        if (this.start === this.end) this.start = this.end = 0;
        return text;
      }
      scanFrom = this.end;
      if (this.end === this.buf.length) {
        if (this.start > 0) {
          this.buf.copy(this.buf, 0, this.start, this.end);
          this.end -= this.start;
          scanFrom -= this.start;
          this.start = 0;
        } else if (this.buf.length >= MAX_REPLY_BYTES) {
          throw new StrategyProcessError(
            `a reply longer than ${MAX_REPLY_BYTES} bytes without a newline: ${this.excerpt(this.buf.toString('utf8', 0, 200))}`,
          );
        } else {
          const bigger = Buffer.allocUnsafe(this.buf.length * 2);
          this.buf.copy(bigger, 0, 0, this.end);
          this.buf = bigger;
        }
      }
      let n: number;
      try {
        n = readSync(this.in, this.buf, this.end, this.buf.length - this.end, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw error;
      }
      if (n === 0) throw this.died();
      this.end += n;
    }
  }

  /** The error for a child that went away (or was killed by the watchdog), once it is reaped. */
  private died(): StrategyProcessError {
    const s = this.s;
    const timedOut = Atomics.load(s, TIMED_OUT) === 1;
    // It closed its stdout or stdin; it may still be alive (then it is killed: a reply cannot come).
    if (!this.waitFor(EXITED, GRACE_MS)) {
      killGroup(this.pid, 'SIGKILL');
      this.waitFor(EXITED, GRACE_MS);
    }
    this.waitFor(STDERR_DONE, GRACE_MS);
    this.release();
    const words = this.lastWords();
    if (timedOut)
      return new StrategyProcessError(
        `no reply within ${Atomics.load(s, TIMEOUT_MS) / 1000} s${Atomics.load(s, TIMEOUT_MS) === this.timeoutMs ? ' (--strategy-timeout)' : ''}: the strategy process was killed. ${words}`,
      );
    const code = Atomics.load(s, EXIT_CODE);
    const signal = Atomics.load(s, EXIT_SIGNAL);
    const how =
      Atomics.load(s, EXITED) !== 1
        ? 'closed its pipes'
        : signal !== 0
          ? `was killed by ${signalName(signal)}`
          : `exited with code ${code}`;
    return new StrategyProcessError(`the strategy process ${how} before replying. ${words}`);
  }

  /** The last line(s) of the child's stderr, for a message. */
  lastWords(): string {
    const len = Atomics.load(this.s, TAIL_LEN);
    const pos = Atomics.load(this.s, TAIL_POS);
    if (len === 0) return 'It wrote nothing to stderr.';
    const bytes = Buffer.alloc(len);
    for (let i = 0; i < len; i++) bytes[i] = this.tail[(pos - len + i + TAIL_BYTES) % TAIL_BYTES]!;
    const lines = bytes.toString('utf8').trimEnd().split('\n');
    const last = lines.slice(-5).join(' | ');
    return `Its last words on stderr: ${this.excerpt(last, 600)}`;
  }

  excerpt(text: string, max = 300): string {
    return text.length > max ? `${text.slice(0, max - 3)}...` : text;
  }

  private waitFor(slot: number, ms: number): boolean {
    const deadline = performance.now() + ms;
    for (;;) {
      if (Atomics.load(this.s, slot) === 1) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.s, slot, 0, Math.min(left, 50));
    }
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeFds([this.out, this.in]);
    live.delete(this.pid);
  }

  /**
   * Ends the child: our pipe ends closed, so it reads EOF (and gets EPIPE on writing), and a
   * well-behaved child exits by itself, reaping its own children; it is given GRACE_MS for that at
   * the end of a run (`ended`), a quarter of it otherwise. Then SIGTERM to its process group, and
   * SIGKILL after GRACE_MS more. Returns once it is reaped and its stderr relayed. Safe to call more
   * than once.
   */
  close(ended: boolean): void {
    const wasOpen = !this.closed;
    this.release();
    if (wasOpen && !this.waitFor(EXITED, ended ? GRACE_MS : GRACE_MS / 4)) {
      killGroup(this.pid, 'SIGTERM');
      if (!this.waitFor(EXITED, GRACE_MS)) {
        killGroup(this.pid, 'SIGKILL');
        this.waitFor(EXITED, GRACE_MS);
      }
    }
    this.waitFor(STDERR_DONE, GRACE_MS);
    if (wasOpen) this.pinned?.restore();
  }
}
