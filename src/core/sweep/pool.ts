/**
 * Where runs happen: in process (`-j 1`) or on a pool of worker threads, each holding the prepared
 * data once. Results come back in any order; the sweep puts them back in grid order.
 *
 * worker_threads directly rather than piscina: a sweep needs exactly one thing of a pool, N
 * long-lived workers that each receive the data once and then a stream of small jobs, and a
 * hand-written pool of that is 60 lines with no queue policy to configure (docs/sweep.md).
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PreparedData } from '../engine/data.js';
import { preparedRunData, toColumns } from './columns.js';
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
 * A worker's young generation (V8 sizes it as three semi-spaces: 192 MiB is 64 MiB semi-spaces, four
 * times Node's default). A run rebuilds every record it reads, and a run of 1,000,000 candles
 * allocates some 300 MiB that die within a record or two; with the default semi-spaces enough of it
 * is still live at each scavenge to be copied and promoted that the garbage collector costs as much
 * as the engine. Measured in docs/performance.md ("sweep"): about 40% less CPU per run.
 */
export const YOUNG_GENERATION_MB = 192;

/** The compiled worker (dist/core/sweep/worker.js), also when this module runs from src/ under tests. */
function workerPath(): string {
  const here = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../../dist/core/sweep/worker.js', import.meta.url));
}

export function workerPool(prepared: PreparedData, ctx: SweepContext, size: number): Runner {
  const columns = toColumns(prepared);
  const workers = Array.from(
    { length: size },
    () =>
      new Worker(workerPath(), {
        workerData: { columns, ctx },
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      }),
  );
  return {
    run(jobs, done, stopped) {
      return new Promise((resolve, reject) => {
        let next = 0;
        let busy = 0;
        const feed = (w: Worker): void => {
          if (next < jobs.length && !stopped()) {
            busy++;
            w.postMessage(jobs[next++]);
          } else if (busy === 0) resolve();
        };
        for (const w of workers) {
          w.removeAllListeners('message');
          w.removeAllListeners('error');
          w.on('message', (r: RunResult) => {
            busy--;
            done(r);
            feed(w);
          });
          w.on('error', reject);
        }
        for (const w of workers) feed(w);
        if (jobs.length === 0) resolve();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** In process for one thread (or one job), else a pool of at most `jobs` workers. */
export function makeRunner(data: PreparedData, ctx: SweepContext, threads: number, jobs: number): Runner {
  return threads <= 1 || jobs <= 1 ? inProcess(data, ctx) : workerPool(data, ctx, Math.min(threads, jobs));
}
