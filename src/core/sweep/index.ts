/**
 * The sweep's one core call: market records in (read and prepared once), `sweep_run` records and a
 * `sweep_summary` out. Everything a run could refuse (an unknown parameter or configuration key, a
 * malformed range, too many runs, a shard out of range, a resume file of another sweep) is a usage
 * error before the first run.
 */

import { closeStrategyOf } from '../backtest/backtest.js';
import { type PreparedData, prepareData } from '../engine/data.js';
import { UsageError } from '../errors.js';
import type { ErrorPolicy } from '../io/lines.js';
import type { RecordStream } from '../io/stream.js';
import { MarketIntake, validateMarket } from '../records/intake.js';
import type { WireRecord } from '../records/record.js';
import { columnsOf } from './columns.js';
import { isFigure, type Objective } from './figures.js';
import { successiveHalving } from './halving.js';
import { keepRuns } from './keep.js';
import { parseShard, planGrid, resumedRuns, shardJobs } from './plan.js';
import { makeRunner, poolSize, type Runner, workerPool } from './pool.js';
import { planRandom } from './random.js';
import { engineFor, type Job, type SweepContext } from './run.js';
import { checkConfigDimension, type Dimension, isConfigKey, parseDimension, parseSpecFile } from './space.js';
import { mergeRuns, sweep } from './sweep.js';
import { parseWalkForward, planFolds, planSplit, type WalkSpec, walkForward } from './walk.js';
import { Where } from './where.js';

export interface SweepRequest {
  readonly grid: readonly string[];
  readonly space?: { readonly json: unknown; readonly source: string };
  readonly where?: string;
  readonly maxRuns: number;
  /** Random search: this many points drawn with `seed` instead of the grid. */
  readonly samples?: number;
  readonly seed?: number;
  readonly objective: {
    readonly metric: string;
    readonly direction: 'maximize' | 'minimize';
    readonly minTrades: number;
  };
  readonly top: number;
  readonly ctx: SweepContext;
  readonly threads: number;
  readonly shard?: string;
  readonly shardCount?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly resume?: { readonly records: readonly WireRecord[]; readonly source: string };
  readonly timings: boolean;
  readonly stopped?: () => boolean;
  readonly warn?: (message: string) => void;
  readonly onProgress?: (done: number, total: number) => void;
  /** `--keep N`: the full output of the best N runs into `dir`; `onKept` is told the files. */
  readonly keep?: {
    readonly count: number;
    readonly dir: string;
    readonly onKept?: (files: string[]) => void;
  };
  /** Walk-forward folds (`train=180d,test=30d[,step=30d][,anchored]`), or a one-fold `split` fraction. */
  readonly walkForward?: string;
  readonly split?: number;
  /** Successive halving with this factor (adaptive search). */
  readonly halving?: number;
  /** Told the number of failed runs once the summary is written. */
  readonly onFailed?: (failed: number) => void;
  /**
   * Where a market record that fails validation goes (`--on-error`), as in backtest: none throws
   * the located DataError at the first.
   */
  readonly policy?: ErrorPolicy;
}

function checkObjective(o: SweepRequest['objective']): Objective {
  if (!isFigure(o.metric))
    throw new UsageError(
      `--${o.direction} ${o.metric}: not a figure of sweep_run records (one of: total_return, annualised_return, sharpe_ratio, sortino_ratio, calmar_ratio, max_drawdown, trades, win_rate, profit_factor, fees)`,
    );
  return o as Objective;
}

/** The dimensions of --grid and --space, checked (configuration keys and values, strategy parameters). */
export function dimensionsOf(req: SweepRequest): { dims: Dimension[]; where: Where | undefined } {
  const dims = req.grid.map((g) => parseDimension(g));
  let whereText = req.where;
  if (req.space !== undefined) {
    const spec = parseSpecFile(req.space.json, req.space.source);
    dims.push(...spec.dims);
    if (spec.where !== undefined)
      whereText = whereText === undefined ? spec.where : `(${spec.where}) and (${whereText})`;
  }
  for (const d of dims) if (isConfigKey(d.key)) checkConfigDimension(d, req.ctx.config);
  const where =
    whereText === undefined
      ? undefined
      : Where.parse(
          whereText,
          dims.map((d) => d.key),
        );
  return { dims, where };
}

export async function* runSweep(input: RecordStream, req: SweepRequest, source = 'stdin'): RecordStream {
  const objective = checkObjective(req.objective);
  const { dims, where } = dimensionsOf(req);
  if (req.samples !== undefined && req.samples > req.maxRuns)
    throw new UsageError(`--samples ${req.samples} is more than --max-runs ${req.maxRuns}`);
  const all =
    req.samples === undefined
      ? planGrid(dims, where, req.maxRuns)
      : planRandom(dims, where, req.samples, req.seed ?? 0);
  const walk = req.walkForward === undefined ? undefined : parseWalkForward(req.walkForward);
  if (walk !== undefined || req.split !== undefined) {
    const flag = walk !== undefined ? '--walk-forward' : '--split';
    if (walk !== undefined && req.split !== undefined)
      throw new UsageError('--walk-forward and --split: give one');
    const config = dims.find((d) => isConfigKey(d.key));
    if (config !== undefined)
      throw new UsageError(
        `${flag}: varies strategy parameters only (one account runs through the folds); --grid ${config.key} is a configuration key`,
      );
    for (const [given, name] of [
      [req.shard, '--shard'],
      [req.resume, '--resume'],
      [req.keep, '--keep'],
    ] as const)
      if (given !== undefined) throw new UsageError(`${flag} cannot be combined with ${name}`);
  }
  if (req.halving !== undefined) {
    if (!(Number.isInteger(req.halving) && req.halving >= 2))
      throw new UsageError(`--halving: expected a whole factor of 2 or more, found ${req.halving}`);
    for (const [given, name] of [
      [req.walkForward, '--walk-forward'],
      [req.split, '--split'],
      [req.shard, '--shard'],
      [req.resume, '--resume'],
      [req.keep, '--keep'],
    ] as const)
      if (given !== undefined) throw new UsageError(`--halving cannot be combined with ${name}`);
  }
  const shard = req.shard === undefined ? undefined : parseShard(req.shard, req.env ?? {}, req.shardCount);
  const jobs = shardJobs(all, shard);
  const done = req.resume === undefined ? undefined : resumedRuns(all, req.resume.records, req.resume.source);
  const ctx: SweepContext = { ...req.ctx, source };
  // An unknown strategy parameter is the same for every run: a usage error now, not N failed runs.
  closeStrategyOf(await engineFor(ctx, all[0]!.params, () => {}));
  // The market records validated as backtest validates them (records/intake.ts): the same bad
  // record is refused with the same message, before any run.
  const validated = validateMarket(input, new MarketIntake(source, req.policy));
  const todo = jobs.filter((j) => !done?.has(j.run)).length;
  const plain = req.halving === undefined && walk === undefined && req.split === undefined;
  let runner: Runner;
  let kept: PreparedData | undefined;
  if (plain && req.keep === undefined && req.threads > 1 && todo > 1) {
    // Runs on workers, nothing else reads the records: they go straight into the shared columns
    // as they are read, and are never all held (docs/sweep.md, "Workers").
    const columns = await columnsOf(validated, source);
    if (columns.length === 0) return; // no data, no runs (an empty input gives no output)
    runner = workerPool(columns, ctx, poolSize(req.threads, todo), source);
  } else {
    const records: WireRecord[] = [];
    for await (const batch of validated) for (const r of batch) records.push(r);
    if (records.length === 0) return;
    let data: PreparedData | undefined = prepareData(records, source);
    records.length = 0; // prepareData keeps its own list
    if (!plain) {
      yield* adaptive(data, ctx, req, all, objective, walk);
      return;
    }
    // In process (one thread or one run), or runs that --keep does again over the records; else
    // this thread lets go of them once the workers' columns are made.
    runner = makeRunner(data, ctx, req.threads, todo);
    kept = req.keep === undefined ? undefined : data;
    data = undefined;
  }
  let summary: WireRecord | undefined;
  for await (const batch of sweep(runner, {
    ctx,
    jobs,
    ...(done === undefined ? {} : { done }),
    objective,
    threads: req.threads,
    top: req.top,
    timings: req.timings,
    stopped: req.stopped ?? (() => false),
    ...(req.onProgress === undefined ? {} : { onProgress: req.onProgress }),
    ...(req.warn === undefined ? {} : { warn: req.warn }),
  })) {
    for (const r of batch) if (r.type === 'sweep_summary') summary = r;
    yield batch;
  }
  const failed = Number(summary?.failed ?? 0);
  if (req.keep !== undefined && summary !== undefined && !(req.stopped?.() ?? false)) {
    const best = new Set((summary.best as { run: number }[]).slice(0, req.keep.count).map((b) => b.run));
    const files = await keepRuns(
      kept!,
      ctx,
      jobs.filter((j) => best.has(j.run)),
      req.keep.dir,
    );
    req.keep.onKept?.(files);
  }
  req.onFailed?.(failed);
}

/** Successive halving, walk-forward or a split: rounds of runs over the records held. */
async function* adaptive(
  data: PreparedData,
  ctx: SweepContext,
  req: SweepRequest,
  all: readonly Job[],
  objective: Objective,
  walk: WalkSpec | undefined,
): RecordStream {
  if (req.halving !== undefined) {
    const runner = makeRunner(data, ctx, req.threads, all.length);
    try {
      yield* tellFailed(
        req.onFailed,
        successiveHalving(data, {
          jobs: all,
          eta: req.halving,
          objective,
          runner,
          top: req.top,
          stopped: req.stopped ?? (() => false),
          ...(req.warn === undefined ? {} : { warn: req.warn }),
        }),
      );
    } finally {
      await runner.close();
    }
    return;
  }
  const folds = walk !== undefined ? planFolds(data, walk) : planSplit(data, req.split!);
  const runner = makeRunner(data, ctx, req.threads, all.length);
  try {
    yield* walkForward(data, {
      ctx,
      jobs: all,
      folds,
      objective,
      runner,
      stopped: req.stopped ?? (() => false),
      ...(req.warn === undefined ? {} : { warn: req.warn }),
    });
  } finally {
    await runner.close();
  }
}

/** Passes a stream on, telling `onFailed` the failed runs of its summary at the end. */
async function* tellFailed(onFailed: ((n: number) => void) | undefined, stream: RecordStream): RecordStream {
  let failed = 0;
  for await (const batch of stream) {
    for (const r of batch) if (r.type === 'sweep_summary') failed = Number(r.failed);
    yield batch;
  }
  onFailed?.(failed);
}

/** `--merge`: shards' records (any order, summaries among them) ranked as one sweep. */
export async function* mergeSweep(
  records: readonly WireRecord[],
  objective: SweepRequest['objective'],
  top: number,
  onFailed?: (failed: number) => void,
): RecordStream {
  const o = checkObjective(objective);
  if (!records.some((r) => r.type === 'sweep_run')) return;
  const out = mergeRuns(records, o, top);
  onFailed?.(Number(out[out.length - 1]!.failed));
  yield out;
}

export { FIGURES } from './figures.js';
