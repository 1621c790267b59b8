/**
 * Walk-forward (`--walk-forward train=180d,test=30d[,step=30d][,anchored]`) and `--split 0.7`.
 *
 * Folds are windows of event time from the first timed record: fold k trains on
 * [t0 + k*step, t0 + k*step + train) (anchored: from t0) and tests on the `test` that follows
 * (windows include their start, not their end); the last fold is the last whose test window
 * starts at or before the last record (its window may reach past the data). For each fold every run of the space is run on the training window alone (a fresh
 * account, indicators warmed on that window only), the best by the objective is run on the test
 * window alone, and a `sweep_fold` record says the windows, the winner and both sets of figures.
 *
 * The stitched out-of-sample run is one engine over the data up to the last test window's end,
 * one account throughout: a strategy of strategies, one per fold with that fold's winning
 * parameters, every one shown every record from the start (so each is warmed up), and only the
 * one whose test window the record falls in trading. Its records before the first test window
 * (equity at the seeded balance, nothing traded) are left out except the seeded `balance`
 * records, so `summarize` and `drawdown` read it as one ordinary run.
 */

import { createEngine, type LoadedStrategy, loadStrategy } from '../backtest/backtest.js';
import type { Decision, Strategy, StrategyContext } from '../backtest/strategy.js';
import type { PreparedData } from '../engine/data.js';
import { UsageError } from '../errors.js';
import type { RecordStream } from '../io/stream.js';
import type { WireRecord } from '../records/record.js';
import { formatTime, parseDuration, parseTime } from '../records/time.js';
import { preparedRunData } from './columns.js';
import { FIGURES, type Objective, rank } from './figures.js';
import type { Runner } from './pool.js';
import { drive, type Job, type RunResult, resolveRun, type SweepContext } from './run.js';
import { runRecord } from './sweep.js';

export interface WalkSpec {
  readonly trainUs: number;
  readonly testUs: number;
  readonly stepUs: number;
  readonly anchored: boolean;
}

export interface Fold {
  readonly fold: number;
  readonly trainFrom: number;
  readonly trainTo: number;
  readonly testFrom: number;
  readonly testTo: number;
  /** Record index ranges [start, end). */
  readonly train: readonly [number, number];
  readonly test: readonly [number, number];
}

export function parseWalkForward(text: string): WalkSpec {
  const where = `--walk-forward ${text}`;
  const parts = new Map<string, string>();
  let anchored = false;
  for (const p of text.split(',').map((x) => x.trim())) {
    if (p === 'anchored') {
      anchored = true;
      continue;
    }
    const m = /^(train|test|step)=(.+)$/.exec(p);
    if (m === null)
      throw new UsageError(`${where}: expected train=D,test=D[,step=D][,anchored], found "${p}"`);
    parts.set(m[1]!, m[2]!);
  }
  const dur = (k: string): number | undefined => {
    const v = parts.get(k);
    if (v === undefined) return undefined;
    const us = parseDuration(v);
    if (us === undefined || !(us > 0))
      throw new UsageError(`${where}: ${k}: expected a duration (30d, 12h), found "${v}"`);
    return us;
  };
  const trainUs = dur('train');
  const testUs = dur('test');
  if (trainUs === undefined || testUs === undefined)
    throw new UsageError(`${where}: train= and test= are both needed`);
  return { trainUs, testUs, stepUs: dur('step') ?? testUs, anchored };
}

/** The first index whose time is at or after `t` (untimed records count as before everything). */
function indexAt(data: PreparedData, t: number): number {
  const { us } = data;
  for (let i = 0; i < us.length; i++) if (!Number.isNaN(us[i]!) && us[i]! >= t) return i;
  return us.length;
}

function span(data: PreparedData): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const t of data.us)
    if (!Number.isNaN(t)) {
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
  return [lo, hi];
}

function fold(data: PreparedData, k: number, trainFrom: number, trainTo: number, testTo: number): Fold {
  const a = indexAt(data, trainFrom);
  const b = indexAt(data, trainTo);
  const c = indexAt(data, testTo);
  return { fold: k, trainFrom, trainTo, testFrom: trainTo, testTo, train: [a, b], test: [b, c] };
}

export function planFolds(data: PreparedData, s: WalkSpec, where = '--walk-forward'): Fold[] {
  const [t0, t1] = span(data);
  const folds: Fold[] = [];
  for (let k = 0; ; k++) {
    const from = s.anchored ? t0 : t0 + k * s.stepUs;
    const trainTo = t0 + k * s.stepUs + s.trainUs;
    if (trainTo > t1) break;
    folds.push(fold(data, k + 1, from, trainTo, trainTo + s.testUs));
  }
  if (folds.length === 0)
    throw new UsageError(
      `${where}: the data spans ${formatTime(t0)} to ${formatTime(t1)}, shorter than one training window`,
    );
  return folds;
}

/** `--split F`: in-sample the first F of the data's time span, out-of-sample the rest. */
export function planSplit(data: PreparedData, fraction: number): Fold[] {
  if (!(fraction > 0 && fraction < 1))
    throw new UsageError(`--split: expected a fraction between 0 and 1, found ${fraction}`);
  const [t0, t1] = span(data);
  return [fold(data, 1, t0, t0 + Math.round((t1 - t0) * fraction), t1 + 1)];
}

/** Shows every record to every fold's strategy; only the fold whose test window holds the time trades. */
class FoldSwitch implements Strategy {
  constructor(private readonly folds: ReadonlyArray<{ from: number; to: number; strategy: Strategy }>) {}

  private active(t: number): Strategy | undefined {
    return this.folds.find((f) => t >= f.from && t < f.to)?.strategy;
  }

  /** Every fold's strategy sees the call (so each stays warm); the active one's decision counts. */
  private all(call: (s: Strategy) => Decision, ctx: StrategyContext): Decision {
    const active = this.active(ctx.timeUs);
    let decision: Decision;
    for (const f of this.folds) {
      const d = call(f.strategy);
      if (f.strategy === active) decision = d;
    }
    return decision;
  }

  onRecord(record: WireRecord, ctx: StrategyContext): Decision {
    return this.all((s) => s.onRecord?.(record, ctx), ctx);
  }

  onFill(fill: WireRecord, ctx: StrategyContext): Decision {
    return this.active(ctx.timeUs)?.onFill?.(fill, ctx);
  }

  onDisconnect(record: WireRecord, ctx: StrategyContext): Decision {
    return this.all((s) => s.onDisconnect?.(record, ctx), ctx);
  }
}

const flat = (prefix: string, rec: WireRecord | undefined): Record<string, unknown> =>
  Object.fromEntries(FIGURES.map((f) => [`${prefix}${f}`, rec === undefined ? null : (rec[f] ?? null)]));

export interface WalkOptions {
  readonly ctx: SweepContext;
  readonly jobs: readonly Job[];
  readonly folds: readonly Fold[];
  readonly objective: Objective;
  readonly runner: Runner;
  readonly stopped: () => boolean;
  readonly warn?: (message: string) => void;
}

export async function runAll(
  runner: Runner,
  jobs: readonly Job[],
  stopped: () => boolean,
): Promise<Map<number, RunResult>> {
  const out = new Map<number, RunResult>();
  await runner.run(jobs, (r) => out.set(r.run, r), stopped);
  return out;
}

export async function* walkForward(data: PreparedData, o: WalkOptions): RecordStream {
  const winners: Array<{ fold: Fold; job: Job }> = [];
  for (const f of o.folds) {
    if (o.stopped()) break;
    const train = o.jobs.map((j) => ({ ...j, start: f.train[0], end: f.train[1] }));
    const results = await runAll(o.runner, train, o.stopped);
    const runs = train.flatMap((j) => {
      const r = results.get(j.run);
      return r === undefined ? [] : [runRecord(j, r, false)];
    });
    const best = rank(runs, o.objective)[0];
    const window = {
      type: 'sweep_fold',
      fold: f.fold,
      train_start: formatTime(f.trainFrom),
      train_end: formatTime(f.trainTo),
      test_start: formatTime(f.testFrom),
      test_end: formatTime(f.testTo, f.testTo % 1000 === 0 ? 'ms' : 'us'),
      runs: runs.length,
    };
    if (best === undefined) {
      yield [{ ...window, error: 'no run of the training window could be ranked' } as WireRecord];
      continue;
    }
    const job = o.jobs.find((j) => j.run === best.run)!;
    const test = { ...job, start: f.test[0], end: f.test[1] };
    const oos = (await runAll(o.runner, [test], () => false)).get(job.run)!;
    winners.push({ fold: f, job });
    yield [
      {
        ...window,
        run: job.run,
        ...Object.fromEntries(job.params),
        ...flat(
          'in_',
          runs.find((r) => Number(r.run) === job.run),
        ),
        ...flat('out_', runRecord(test, oos, false)),
      } as WireRecord,
    ];
  }
  if (winners.length === 0 || o.stopped()) return;
  yield* stitched(data, o.ctx, winners, o.warn);
}

async function* stitched(
  data: PreparedData,
  ctx: SweepContext,
  winners: ReadonlyArray<{ fold: Fold; job: Job }>,
  warn?: (m: string) => void,
): RecordStream {
  const folds = [];
  const loadedAll: LoadedStrategy[] = [];
  const opts = {
    config: ctx.config,
    ...(ctx.instruments === undefined ? {} : { instruments: ctx.instruments }),
  };
  for (const w of winners) {
    const r = resolveRun(ctx, w.job.params);
    const loaded = await loadStrategy(ctx.strategy, r.params, opts);
    loadedAll.push(loaded);
    folds.push({ from: w.fold.testFrom, to: w.fold.testTo, strategy: loaded.strategy });
  }
  const base = await loadStrategy(ctx.strategy, { ...ctx.params }, opts);
  loadedAll.push(base);
  const engine = createEngine({
    config: ctx.config,
    strategy: { name: base.name, params: base.params, strategy: new FoldSwitch(folds) },
    source: ctx.source,
    ...(warn === undefined ? {} : { warn }),
    ...(ctx.instruments === undefined ? {} : { instruments: ctx.instruments }),
  });
  const from = winners[0]!.fold.testFrom;
  const out: WireRecord[][] = [];
  try {
    drive(
      preparedRunData(data),
      engine,
      (records) => {
        const kept = records.filter((r) => r.type === 'balance' || (parseTime(r.time)?.us ?? from) >= from);
        if (kept.length > 0) out.push(kept);
      },
      winners.at(-1)!.fold.test[1],
    );
    for (const l of loadedAll) l.close?.(true);
  } finally {
    for (const l of loadedAll) l.close?.(false);
  }
  yield* out;
}
