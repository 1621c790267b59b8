/**
 * One run of a sweep: the base configuration with the run's overrides, the strategy with its
 * parameters, an engine over the prepared data, and the engine's records fed in process to the
 * summarize stage (src/core/stats/summary.ts), in slices, so no run's records are ever all held.
 * The same function runs in process (-j 1) and in every worker, so the figures cannot differ.
 */

import { closeStrategyOf, createEngine, loadStrategy } from '../backtest/backtest.js';
import type { BacktestConfig } from '../backtest/config.js';
import type { BacktestEngine } from '../engine/engine.js';
import type { WireRecord } from '../records/record.js';
import type { StatInterval } from '../stats/interval.js';
import { Summarizer } from '../stats/summary.js';
import type { RunData } from './columns.js';
import { type Figures, figuresOf } from './figures.js';
import { applyConfig, isConfigKey, type Params } from './space.js';

/** What every run of a sweep shares (structured-cloneable: it is sent to each worker once). */
export interface SweepContext {
  /** A built-in strategy name or a module path. */
  readonly strategy: string;
  /** Strategy parameters given outside the space (--param, --params, the config file). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly config: BacktestConfig;
  readonly instruments?: readonly WireRecord[];
  readonly source: string;
  readonly summary: {
    readonly interval: StatInterval;
    readonly period: StatInterval;
    readonly riskFree: number;
    readonly minPeriods: number;
  };
}

export interface Job {
  readonly run: number;
  readonly params: Params;
  /** Only the records in [start, end) of the data (a walk-forward window); untimed records before `start` (instrument rules) are read first. */
  readonly start?: number;
  readonly end?: number;
}

export interface RunResult {
  readonly run: number;
  readonly figures?: Figures;
  readonly error?: string;
  readonly wallMs: number;
  readonly warnings: readonly string[];
}

/** The run's configuration and strategy parameters, from the context and the run's parameters. */
export function resolveRun(
  ctx: SweepContext,
  params: Params,
): { config: BacktestConfig; params: Record<string, unknown> } {
  const config = structuredClone(ctx.config);
  const strategyParams: Record<string, unknown> = { ...ctx.params };
  for (const [k, v] of params) {
    if (isConfigKey(k)) applyConfig(config, k, v, `--grid ${k}=${String(v)}`);
    else strategyParams[k] = v;
  }
  return { config, params: strategyParams };
}

/**
 * Builds the run's engine (a usage error, such as an unknown strategy parameter, is thrown).
 * `texts` false (a run whose records only the summarize stage reads): no JSON text is built for
 * them (engine/records.ts); the records are the same.
 */
export async function engineFor(
  ctx: SweepContext,
  params: Params,
  warn: (m: string) => void,
  texts = true,
): Promise<BacktestEngine> {
  const r = resolveRun(ctx, params);
  const strategy = await loadStrategy(ctx.strategy, r.params, {
    config: r.config,
    ...(ctx.instruments === undefined ? {} : { instruments: ctx.instruments }),
  });
  return createEngine({
    config: r.config,
    strategy,
    source: ctx.source,
    warn,
    texts,
    ...(ctx.instruments === undefined ? {} : { instruments: ctx.instruments }),
  });
}

/** Drives `engine` over the data, handing its records to `emit` in slices. */
export function drive(
  data: RunData,
  engine: BacktestEngine,
  emit: (records: WireRecord[]) => void,
  end = data.length,
  start = 0,
): void {
  const out: WireRecord[] = [];
  if (start > 0)
    data.each(0, start, (rec, t) => {
      if (Number.isNaN(t)) engine.push(rec, out);
    });
  data.each(start, end, (rec, t, text, precision) => {
    if (Number.isNaN(t)) engine.push(rec, out);
    else engine.step(rec, t, text, precision, out);
    if (out.length >= 4096) {
      emit(out);
      out.length = 0;
    }
  });
  engine.finish(out);
  emit(out);
}

/** One run to its figures; a failure is a result with its error, never a throw. */
export async function runOne(data: RunData, ctx: SweepContext, job: Job): Promise<RunResult> {
  const started = performance.now();
  const warnings: string[] = [];
  let engine: BacktestEngine | undefined;
  try {
    engine = await engineFor(ctx, job.params, (m) => warnings.push(m), false);
    const summarizer = new Summarizer({ ...ctx.summary, source: ctx.source });
    const sink: WireRecord[] = [];
    drive(
      data,
      engine,
      (records) => {
        for (const r of records) summarizer.push(r, sink);
      },
      job.end,
      job.start,
    );
    closeStrategyOf(engine, true);
    summarizer.finish(sink);
    const summary = sink.findLast((r) => r.type === 'summary');
    if (summary === undefined) throw new Error('the run wrote no account records to summarise');
    return { run: job.run, figures: figuresOf(summary), wallMs: performance.now() - started, warnings };
  } catch (error) {
    return { run: job.run, error: (error as Error).message, wallMs: performance.now() - started, warnings };
  } finally {
    if (engine !== undefined) closeStrategyOf(engine);
  }
}
