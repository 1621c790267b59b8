/**
 * The watchdog of a strategy process (docs/strategy-protocol.md), a worker thread with its own event
 * loop, because the engine's thread may be blocked for a whole run (it waits for replies in readSync,
 * and a sweep over in-memory data never yields). It:
 * - starts the child (so that its exit is reaped here and its exit code and signal land in the
 *   shared slots, shared.ts);
 * - relays the child's stderr to fd 2, each line prefixed, keeping the last TAIL_BYTES for a crash
 *   message;
 * - kills the child's process group when one request has waited TIMEOUT_MS or more: the engine's
 *   readSync then returns the end of the reply FIFO, and the engine reports the timeout.
 */

import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import { workerData } from 'node:worker_threads';
import type { WatchdogData } from './shared.js';
import * as slot from './shared.js';

const data = workerData as WatchdogData;
const s = new Int32Array(data.state);
const tail = new Uint8Array(data.tail);
const prefix = Buffer.from(data.prefix);

function set(slot: number, value: number): void {
  Atomics.store(s, slot, value);
  Atomics.notify(s, slot);
}

/** Appends bytes to the ring of the last TAIL_BYTES of stderr. */
function keep(bytes: Buffer): void {
  let pos = Atomics.load(s, slot.TAIL_POS);
  const from = Math.max(0, bytes.length - slot.TAIL_BYTES);
  for (let i = from; i < bytes.length; i++) {
    tail[pos] = bytes[i]!;
    pos = pos + 1 === slot.TAIL_BYTES ? 0 : pos + 1;
  }
  Atomics.store(s, slot.TAIL_POS, pos);
  Atomics.store(
    s,
    slot.TAIL_LEN,
    Math.min(slot.TAIL_BYTES, Atomics.load(s, slot.TAIL_LEN) + bytes.length - from),
  );
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return; // stderr itself is gone: nothing to tell
    }
  }
}

let pending = Buffer.alloc(0);
function relay(chunk: Buffer, final: boolean): void {
  keep(chunk);
  let text = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  let nl = text.indexOf(10);
  while (nl >= 0) {
    writeAll(2, Buffer.concat([prefix, text.subarray(0, nl + 1)]));
    text = text.subarray(nl + 1);
    nl = text.indexOf(10);
  }
  pending = Buffer.from(text);
  if (final && pending.length > 0) {
    writeAll(2, Buffer.concat([prefix, pending, Buffer.from('\n')]));
    pending = Buffer.alloc(0);
  }
}

let exited = false;
let stderrDone = false;
let timer: NodeJS.Timeout | undefined;
function finishIfDone(): void {
  if (exited && stderrDone && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
  }
}

const err = new Socket({ fd: data.stderrFd, readable: true, writable: false });
err.on('data', (chunk: Buffer) => relay(chunk, false));
const stderrEnded = (): void => {
  if (stderrDone) return;
  relay(Buffer.alloc(0), true);
  stderrDone = true;
  err.destroy();
  set(slot.STDERR_DONE, 1);
  finishIfDone();
};
err.on('end', stderrEnded);
err.on('close', stderrEnded);
err.on('error', stderrEnded);

/**
 * A simple command (no list, pipeline, subshell, substitution or leading assignment) is run with
 * `exec`, so the shell becomes it: it is our child, reaped here, rather than the shell's, which would
 * leave it to init when both are killed at once.
 */
function shellLine(command: string): string {
  return /[;&|()`$\n]/.test(command) || /^\s*[A-Za-z_]\w*=/.test(command) ? command : `exec ${command}`;
}

// On the engine's CPU (affinity.ts): taskset sets it and becomes the shell, which may become the command.
const stdio = [data.stdio[0], data.stdio[1], data.stdio[2]];
const child =
  data.cpu === undefined
    ? spawn(shellLine(data.command), { shell: true, detached: true, stdio })
    : spawn('taskset', ['-c', String(data.cpu), '/bin/sh', '-c', shellLine(data.command)], {
        detached: true,
        stdio,
      });
child.on('error', (e) => {
  relay(Buffer.from(`could not start: ${e.message}\n`), true);
  set(slot.STATE, slot.STATE_FAILED);
});
child.on('exit', (code, signal) => {
  Atomics.store(s, slot.EXIT_CODE, code ?? -1);
  Atomics.store(s, slot.EXIT_SIGNAL, signal === null ? 0 : (constants.signals[signal] ?? 0));
  exited = true;
  set(slot.EXITED, 1);
  finishIfDone();
});
if (child.pid !== undefined) {
  Atomics.store(s, slot.PID, child.pid);
  set(slot.STATE, slot.STATE_RUNNING);
}

// The timeout: the same request seen waiting for TIMEOUT_MS (its own, set with it) or more, on ticks
// a quarter of --strategy-timeout apart.
let seenSeq = -1;
let since = 0;
timer = setInterval(() => {
  if (Atomics.load(s, slot.WAITING) !== 1) {
    seenSeq = -1;
    return;
  }
  const seq = Atomics.load(s, slot.SEQ);
  const now = performance.now();
  if (seq !== seenSeq) {
    seenSeq = seq;
    since = now;
    return;
  }
  if (
    now - since >= Atomics.load(s, slot.TIMEOUT_MS) &&
    Atomics.load(s, slot.TIMED_OUT) === 0 &&
    child.pid !== undefined
  ) {
    set(slot.TIMED_OUT, 1);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}, data.tickMs);
