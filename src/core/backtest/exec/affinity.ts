/**
 * One CPU for the engine and its strategy process. The two take turns (the engine waits for each
 * reply, the strategy for each event), so running them on one CPU loses no parallelism; across two
 * CPUs every turn is a wake-up of an idle CPU, which on the virtual machines these tools run on
 * costs about 80 us a round trip against about 5 us on one (docs/performance.md, "strategy-pipe").
 *
 * Linux only, with util-linux's `taskset` (Node has no affinity call); anywhere else, or with
 * `TICKPIPE_EXEC_PIN=0`, nothing is pinned and the pipe works the same, only slower.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';

export interface Pinned {
  /** The CPU the engine's thread now runs on, and the strategy process is to run on. */
  readonly cpu: number;
  /** Puts the thread's CPU list back as it was. */
  restore(): void;
}

/** The CPUs of a list such as `0-3,6`. */
export function cpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) return [];
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

function taskset(args: string[]): boolean {
  try {
    execFileSync('taskset', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Pins the calling thread to one of its CPUs: the one it runs on now on the main thread, and on a
 * worker thread (a sweep's) one by its thread id, so that workers spread over the CPUs. Undefined
 * when pinning is off, not possible, or pointless (one CPU).
 */
export function pinThisThread(env: NodeJS.ProcessEnv = process.env): Pinned | undefined {
  if (process.platform !== 'linux' || env.TICKPIPE_EXEC_PIN === '0') return undefined;
  let tid: string;
  let allowedText: string;
  let current: number;
  try {
    tid = readlinkSync('/proc/thread-self').split('/').pop() ?? '';
    const status = readFileSync('/proc/thread-self/status', 'utf8');
    allowedText = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1] ?? '';
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; the CPU is field 39.
    current = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36]);
  } catch {
    return undefined;
  }
  const allowed = cpuList(allowedText);
  if (!/^\d+$/.test(tid) || allowed.length < 2) return undefined;
  const cpu = isMainThread && allowed.includes(current) ? current : allowed[(threadId - 1) % allowed.length]!;
  if (!taskset(['-p', '-c', String(cpu), tid])) return undefined;
  return {
    cpu,
    restore: () => {
      taskset(['-p', '-c', allowedText.trim(), tid]);
    },
  };
}
