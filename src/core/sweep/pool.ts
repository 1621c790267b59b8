/**
 * Where runs happen: in process (`-j 1`) or on a pool of worker threads, each holding the prepared
 * data once. Results come back in any order; the sweep puts them back in grid order.
 *
 * The pool is piscina's (the project's rule: a well-kept library unless a measurement shows a
 * hand-written path is needed; the sweep's own worker_threads pool measured the same on the same
 * jobs, docs/performance.md, "sweep").
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { PreparedData } from '../engine/data.js';
import { DataError } from '../errors.js';
import { whereOf } from '../records/record.js';
import { type ColumnarData, preparedRunData, toColumns } from './columns.js';
import { type Job, type RunResult, runOne, type SweepContext } from './run.js';

export interface Runner {
  /** Runs `jobs`, calling `done` for each result as it arrives; stops starting new ones once `stopped()`. */
  run(jobs: readonly Job[], done: (r: RunResult) => void, stopped: () => boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs one job at a time in this thread, yielding to the event loop between runs (a timer, not
 * setImmediate: a whole turn of the loop, so a signal and the progress line's timer are seen).
 */
export function inProcess(prepared: PreparedData, ctx: SweepContext): Runner {
  const data = preparedRunData(prepared);
  return {
    async run(jobs, done, stopped) {
      for (const job of jobs) {
        if (stopped()) return;
        done(await runOne(data, ctx, job));
        await new Promise((r) => setTimeout(r, 0));
      }
    },
    async close() {},
  };
}

/**
 * A worker's young generation (V8 sizes it as three semi-spaces: 96 MiB is 32 MiB semi-spaces, twice
 * Node's default). A run rebuilds every record it reads: over 1,000,000 candles, some 200 MiB that
 * die within a record or two. With the default semi-spaces enough of it is still live at each
 * scavenge to be copied and promoted that the garbage collector cost as much as the engine (about
 * 40% more CPU per run, docs/performance.md, "sweep"). It was 192 MiB while every run formatted
 * every time text again; since the texts are formatted once per sweep (columns.ts), 64 and 96 MiB
 * measured the same CPU as 192 and some 120 MiB less peak memory for -j 2.
 */
export const YOUNG_GENERATION_MB = 96;

/** The compiled worker (dist/core/sweep/worker.js), also when this module runs from src/ under tests. */
function workerPath(): string {
  const here = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../../dist/core/sweep/worker.js', import.meta.url));
}

/**
 * `size` piscina threads, each given the shared columns once (workerData), kept alive between the
 * rounds of halving and walk-forward (idle threads are not torn down), and fed one job per thread
 * at a time, so that a signal stops new runs starting at once (nothing queued ahead).
 */
export function workerPool(columns: ColumnarData, ctx: SweepContext, size: number, source?: string): Runner {
  let pool: Piscina;
  try {
    pool = new Piscina({
      filename: workerPath(),
      workerData: { columns, ctx },
      minThreads: size,
      maxThreads: size,
      idleTimeout: 60_000,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
  } catch (error) {
    // Structured clone recurses per level of nesting: a record kept whole (columns.ts) nested a
    // few thousand deep overflows the stack while the workers start. Looked for only then.
    const deep = error instanceof RangeError ? [...columns.whole.values()].find(tooDeep) : undefined;
    if (deep === undefined) throw error;
    throw new DataError(
      whereOf(deep, source),
      `a value nested more than ${MAX_DEPTH} deep cannot be handed to the sweep's worker threads (run it with --jobs 1)`,
    );
  }
  return {
    run(jobs, done, stopped) {
      return new Promise((resolve, reject) => {
        let next = 0;
        let busy = 0;
        let failed = false;
        const feed = (): void => {
          if (failed) return;
          if (next < jobs.length && !stopped()) {
            busy++;
            (pool.run(jobs[next++]) as Promise<RunResult>).then(
              (r) => {
                busy--;
                done(r);
                feed();
              },
              (error: unknown) => {
                failed = true;
                reject(error);
              },
            );
          } else if (busy === 0) resolve();
        };
        for (let i = 0; i < size; i++) feed();
        if (jobs.length === 0) resolve();
      });
    },
    async close() {
      await pool.destroy();
    },
  };
}

/**
 * In process for one thread (or one job), else a pool of at most `jobs` workers. One thread stays
 * in process: a run over the records in place costs less CPU than the same run on a worker, which
 * rebuilds every record it reads (measured at 1,000,000 candles, docs/performance.md, "sweep").
 */
export function makeRunner(data: PreparedData, ctx: SweepContext, threads: number, jobs: number): Runner {
  return threads <= 1 || jobs <= 1
    ? inProcess(data, ctx)
    : workerPool(toColumns(data), ctx, poolSize(threads, jobs));
}

/** The workers of a pool for `jobs` runs on `threads` threads: at least one, no more than the runs. */
export function poolSize(threads: number, jobs: number): number {
  return Math.max(1, Math.min(threads, jobs));
}

/** Nesting that a record handed to the workers may have and that is surely not a market record's. */
const MAX_DEPTH = 100;

/** Whether `value` nests arrays or objects more than MAX_DEPTH deep. */
function tooDeep(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= MAX_DEPTH) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value))
    if (tooDeep(child, depth + 1)) return true;
  return false;
}
