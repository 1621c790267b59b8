/**
 * Successive halving (`--halving ETA`), the adaptive method: every run of the space is run on the
 * first 1/ETA^R of the data (R rounds, at most 3, fewer for small spaces), the best 1/ETA of them
 * (by the objective, at least one) go on to a slice ETA times longer, and so on until the
 * survivors run on all of it. Runs are spent where results are good, as in hyperband's inner loop
 * (Li et al., 2018); a prefix of the data, not a sample, so each slice is a real backtest.
 * Each round writes a `sweep_round` record; the final round's runs are written as `sweep_run`
 * records and ranked in the `sweep_summary` like any sweep.
 *
 * A caveat the docs repeat: a strategy that is good late in the data but poor early can be cut in
 * an early round.
 */

import type { PreparedData } from '../engine/data.js';
import type { RecordStream } from '../io/stream.js';
import type { WireRecord } from '../records/record.js';
import { type Objective, rank } from './figures.js';
import type { Runner } from './pool.js';
import type { Job } from './run.js';
import { runRecord, summaryRecord } from './sweep.js';
import { runAll } from './walk.js';

export interface HalvingOptions {
  readonly jobs: readonly Job[];
  readonly eta: number;
  readonly objective: Objective;
  readonly runner: Runner;
  readonly top: number;
  readonly stopped: () => boolean;
  readonly warn?: (message: string) => void;
}

/** Rounds for n runs: enough that the first round keeps about a run per ETA, at most 3 extra. */
export function halvingRounds(n: number, eta: number): number {
  return Math.max(0, Math.min(3, Math.floor(Math.log(n) / Math.log(eta) + 1e-9)));
}

export async function* successiveHalving(data: PreparedData, o: HalvingOptions): RecordStream {
  const rounds = halvingRounds(o.jobs.length, o.eta);
  let alive = [...o.jobs];
  for (let r = 0; r <= rounds; r++) {
    if (o.stopped()) return;
    const fraction = o.eta ** (r - rounds);
    const end = r === rounds ? data.records.length : Math.max(1, Math.round(data.records.length * fraction));
    const jobs = alive.map((j) => ({ ...j, end }));
    const results = await runAll(o.runner, jobs, o.stopped);
    const records: WireRecord[] = jobs.flatMap((j) => {
      const res = results.get(j.run);
      return res === undefined ? [] : [runRecord(j, res, false)];
    });
    const keep = r === rounds ? alive.length : Math.max(1, Math.ceil(alive.length / o.eta));
    const ranked: { run: number }[] = rank(records, o.objective).slice(0, keep);
    // Too few rankable on a short slice (a ratio needs --min-periods returns): the rest in run order, said.
    const filled = r === rounds ? 0 : Math.min(keep, alive.length) - ranked.length;
    if (filled > 0) {
      const chosen = new Set(ranked.map((x) => x.run));
      ranked.push(...alive.filter((j) => !chosen.has(j.run)).slice(0, filled));
      o.warn?.(
        `--halving round ${r + 1}: only ${ranked.length - filled} of ${jobs.length} runs could be ranked on ${end} records; ${filled} more kept in run order (a longer first slice: fewer runs, or a shorter --period)`,
      );
    }
    yield [
      {
        type: 'sweep_round',
        round: r + 1,
        fraction,
        records: end,
        runs: jobs.length,
        kept: ranked.map((x) => x.run).sort((a, b) => a - b),
        ...(filled > 0 ? { unranked_kept: filled } : {}),
      } as WireRecord,
    ];
    if (r === rounds) {
      yield records;
      yield [summaryRecord(records, o.objective, o.top)];
      return;
    }
    const next = new Set(ranked.map((x) => x.run));
    alive = alive.filter((j) => next.has(j.run));
  }
}
