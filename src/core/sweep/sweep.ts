/**
 * `sweep` as one core call: runs the planned jobs over one prepared data set (in process or on a
 * worker pool), writes one `sweep_run` record per run in run order whatever order they finish in,
 * and a final `sweep_summary` ranking the runs. `mergeRuns` ranks shards' records as one sweep.
 */

import type { PreparedData } from '../engine/data.js';
import type { RecordStream } from '../io/stream.js';
import type { WireRecord } from '../records/record.js';
import { FIGURES, type Objective, rank } from './figures.js';
import { paramsOfRecord } from './plan.js';
import { makeRunner, type Runner } from './pool.js';
import type { Job, RunResult, SweepContext } from './run.js';

export interface SweepOptions {
  readonly ctx: SweepContext;
  /** The runs to do (a shard's, or all), in run order. */
  readonly jobs: readonly Job[];
  /** Runs already done (--resume), by id: written again as they are, not run. */
  readonly done?: ReadonlyMap<number, WireRecord>;
  readonly objective: Objective;
  /** Worker threads; 1 runs in this thread. */
  readonly threads: number;
  /** Best runs listed in the summary. */
  readonly top: number;
  readonly timings: boolean;
  /** True once the sweep should stop starting runs (a signal). */
  readonly stopped: () => boolean;
  readonly onProgress?: (done: number, total: number) => void;
  readonly warn?: (message: string) => void;
}

/** The `sweep_run` record of a result: the parameters, then the fixed figures (or the error). */
export function runRecord(job: Job, r: RunResult, timings: boolean): WireRecord {
  const rec: Record<string, unknown> = { type: 'sweep_run', run: job.run };
  for (const [k, v] of job.params) rec[k] = v;
  if (r.figures !== undefined) for (const f of FIGURES) rec[f] = r.figures[f];
  else rec.error = r.error;
  if (timings) rec.wall_ms = Math.round(r.wallMs * 1000) / 1000;
  return rec as WireRecord;
}

/** The `sweep_summary` of a set of `sweep_run` records: counts and the best `top`, ranked. */
export function summaryRecord(runs: readonly WireRecord[], o: Objective, top: number): WireRecord {
  const ranked = rank(runs, o);
  const byId = new Map(runs.map((r) => [Number(r.run), r]));
  return {
    type: 'sweep_summary',
    objective: o.metric,
    direction: o.direction,
    min_trades: o.minTrades,
    runs: runs.length,
    failed: runs.filter((r) => r.error !== undefined).length,
    ranked: ranked.length,
    best: ranked.slice(0, top).map((r, i) => ({
      rank: i + 1,
      run: r.run,
      [o.metric]: r.value,
      ...Object.fromEntries(paramsOfRecord(byId.get(r.run)!)),
    })),
  } as WireRecord;
}

/** A one-shot wake-up the producer (results arriving) gives the consumer (the writer). */
class Signal {
  private wake: (() => void) | undefined;
  notify(): void {
    this.wake?.();
    this.wake = undefined;
  }
  wait(): Promise<void> {
    return new Promise((r) => {
      this.wake = r;
    });
  }
}

/**
 * `data` is the prepared data, or the runner already made over it (which the sweep then owns and
 * closes): a caller that will not need the records again makes the runner, lets go of the
 * records, and the workers' shared columns are the only copy of the data left.
 */
export async function* sweep(data: PreparedData | Runner, o: SweepOptions): RecordStream {
  const done = o.done ?? new Map<number, WireRecord>();
  const todo = o.jobs.filter((j) => !done.has(j.run));
  const byId = new Map(o.jobs.map((j) => [j.run, j]));
  const results = new Map<number, WireRecord>(done);
  const warned = new Set<string>();
  const signal = new Signal();
  let finished = false;
  let failure: unknown;
  const runner: Runner = 'run' in data ? data : makeRunner(data, o.ctx, o.threads, todo.length);
  let count = done.size;
  const running = runner
    .run(
      todo,
      (r) => {
        for (const w of r.warnings)
          if (!warned.has(w)) {
            warned.add(w);
            o.warn?.(w);
          }
        results.set(r.run, runRecord(byId.get(r.run)!, r, o.timings));
        o.onProgress?.(++count, o.jobs.length);
        signal.notify();
      },
      o.stopped,
    )
    .catch((error: unknown) => {
      failure = error;
    })
    .finally(() => {
      finished = true;
      signal.notify();
    });
  const written: WireRecord[] = [];
  let next = 0;
  try {
    for (;;) {
      const batch: WireRecord[] = [];
      while (next < o.jobs.length && results.has(o.jobs[next]!.run))
        batch.push(results.get(o.jobs[next++]!.run)!);
      if (batch.length > 0) {
        written.push(...batch);
        yield batch;
      }
      if (next >= o.jobs.length) break;
      if (finished) {
        // Stopped early: the finished runs after a gap, still in run order.
        const rest = o.jobs.slice(next).flatMap((j) => (results.has(j.run) ? [results.get(j.run)!] : []));
        if (rest.length > 0) {
          written.push(...rest);
          yield rest;
        }
        break;
      }
      const wait = signal.wait();
      if (!finished && !results.has(o.jobs[next]!.run)) await wait;
    }
    await running;
  } finally {
    await runner.close();
  }
  if (failure !== undefined) throw failure;
  yield [summaryRecord(written, o.objective, o.top)];
}

/**
 * Shards' `sweep_run` records as one sweep: each run once (the first seen), in run order, then the
 * summary over all of them. The shards' own summaries are dropped.
 */
export function mergeRuns(records: Iterable<WireRecord>, o: Objective, top: number): WireRecord[] {
  const runs = new Map<number, WireRecord>();
  for (const r of records) if (r.type === 'sweep_run' && !runs.has(Number(r.run))) runs.set(Number(r.run), r);
  const sorted = [...runs.values()].sort((a, b) => Number(a.run) - Number(b.run));
  return [...sorted, summaryRecord(sorted, o, top)];
}
