/**
 * `backtest` as one core call: resolve the strategy (built in, or a user's module), build the
 * engine, and run it over a record stream.
 */

import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BacktestEngine } from '../engine/engine.js';
import { EngineIntake } from '../engine/intake.js';
import { DataError, TickpipeError, UsageError } from '../errors.js';
import type { ErrorPolicy } from '../io/lines.js';
import { type ByteStream, pushBatch, type RecordStream, runStage } from '../io/stream.js';
import { MarketIntake } from '../records/intake.js';
import type { WireRecord } from '../records/record.js';
import type { BacktestConfig } from './config.js';
import { EXEC_PREFIX, ExecStrategy } from './exec/exec-strategy.js';
import { indicators } from './indicators.js';
import { BUILTIN_STRATEGIES, builtinStrategy } from './strategies.js';
import type { Strategy, StrategyFactory } from './strategy.js';
import { importTypeScript } from './ts-import.js';

export interface LoadedStrategy {
  readonly name: string;
  readonly strategy: Strategy;
  readonly params: Record<string, unknown>;
  /** Ends what the strategy holds (an `exec:` process): `ended` when the run completed. */
  readonly close?: (ended: boolean) => void;
}

/** What starting an `exec:` strategy needs besides its parameters. */
export interface LoadOptions {
  /** The run's configuration: its instruments are told in `hello`, its strategy.timeout_s times replies. */
  readonly config?: BacktestConfig;
  /** --instruments records, told in `hello` too. */
  readonly instruments?: readonly WireRecord[];
}

/** `exec:COMMAND`: a process speaking the strategy protocol (docs/strategy-protocol.md). */
function loadExec(spec: string, given: Record<string, unknown>, options: LoadOptions): LoadedStrategy {
  const command = spec.slice(EXEC_PREFIX.length).trim();
  if (command === '') throw new UsageError(`--strategy ${spec}: expected a command after "exec:"`);
  const timeoutS = options.config?.strategy.timeout_s;
  const strategy = new ExecStrategy(command, {
    params: given,
    instruments: [...(options.config?.instruments ?? []), ...(options.instruments ?? [])],
    ...(timeoutS === undefined ? {} : { timeoutS }),
  });
  return {
    name: strategy.hello.name ?? spec,
    strategy,
    params: strategy.hello.params ?? { ...given },
    close: (ended) => strategy.close(ended),
  };
}

/** The defaults with the given parameters over them; a parameter the strategy does not have is a usage error (a misspelling would silently do nothing). */
function withDefaults(
  name: string,
  defaults: Readonly<Record<string, unknown>>,
  given: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const unknown = Object.keys(given).filter((k) => !(k in defaults));
  if (unknown.length > 0)
    throw new UsageError(
      `strategy ${name}: unknown parameter${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} (it has: ${Object.keys(defaults).join(', ') || 'none'})`,
    );
  return { ...defaults, ...given };
}

function isModulePath(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/') || /\.(m?js|ts|mts)$/.test(spec);
}

/**
 * A built-in strategy by name, `exec:COMMAND` (a process: exec/), or a module by path (`./my-strategy.js`, or `.ts`/`.mts`, types stripped
 * on the fly: ts-import.ts). A module exports `create(params, tools)` (named or default), or a default function that
 * is `create`; optionally `defaults` (its parameters, which makes unknown ones an error) and `name`.
 */
export async function loadStrategy(
  spec: string,
  given: Record<string, unknown>,
  options: LoadOptions = {},
): Promise<LoadedStrategy> {
  const tools = { indicators };
  if (spec.startsWith(EXEC_PREFIX)) return loadExec(spec, given, options);
  if (!isModulePath(spec)) {
    const factory = builtinStrategy(spec);
    if (factory === undefined)
      throw new UsageError(
        `unknown strategy "${spec}"; built in: ${BUILTIN_STRATEGIES.map((s) => s.name).join(', ')}, or a module path (./my-strategy.js)`,
      );
    const params = withDefaults(factory.name, factory.defaults, given);
    return { name: factory.name, strategy: factory.create(params, tools), params };
  }
  const path = isAbsolute(spec) ? spec : resolve(spec);
  let mod: Record<string, unknown>;
  try {
    if (/\.m?ts$/.test(path)) {
      // Node's own type stripping where it has it, else sucrase (an optional dependency): ts-import.ts.
      mod = await importTypeScript(path);
    } else mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(path))
      throw new UsageError(`--strategy ${spec}: no such module (${path})`);
    throw new TickpipeError(`--strategy ${spec}: the module failed to load: ${e.message}`);
  }
  const def = mod.default as Record<string, unknown> | ((...a: unknown[]) => unknown) | undefined;
  const create = (mod.create ?? (typeof def === 'function' ? def : def?.create)) as
    | StrategyFactory['create']
    | undefined;
  if (typeof create !== 'function')
    throw new UsageError(
      `--strategy ${spec}: the module exports no create(params, tools) function (docs/strategies.md)`,
    );
  const defaults = (mod.defaults ?? (typeof def === 'object' ? def?.defaults : undefined)) as
    | Record<string, unknown>
    | undefined;
  const name = String(
    mod.name ??
      (typeof def === 'object' ? def?.name : undefined) ??
      spec.replace(/^.*\//, '').replace(/\.[^.]+$/, ''),
  );
  const params = defaults === undefined ? { ...given } : withDefaults(name, defaults, given);
  let strategy: unknown;
  try {
    strategy = create(params, tools);
  } catch (error) {
    throw new TickpipeError(`strategy ${name}: create() threw: ${(error as Error).message}`);
  }
  if (typeof strategy !== 'object' || strategy === null)
    throw new UsageError(
      `strategy ${name}: create() must return an object with onRecord/onFill/onDisconnect functions`,
    );
  return { name, strategy: strategy as Strategy, params };
}

export interface BacktestOptions {
  readonly config: BacktestConfig;
  readonly strategy: LoadedStrategy;
  readonly instruments?: readonly WireRecord[];
  readonly source?: string;
  readonly warn?: (message: string) => void;
  /** False: the engine's records get no JSON text (they are read in process, never written). */
  readonly texts?: boolean;
}

/** The loaded strategy of each engine createEngine made, for closeStrategyOf. */
const strategyOf = new WeakMap<BacktestEngine, LoadedStrategy>();

/** Ends what the engine's strategy holds (an `exec:` process); `ended`: the run completed. */
export function closeStrategyOf(engine: BacktestEngine, ended = false): void {
  strategyOf.get(engine)?.close?.(ended);
}

export function createEngine(options: BacktestOptions): BacktestEngine {
  const config = {
    ...options.config,
    strategy: { name: options.strategy.name, params: options.strategy.params },
  };
  const engine = new BacktestEngine({
    config,
    strategy: options.strategy.strategy,
    strategyName: options.strategy.name,
    ...(options.instruments === undefined ? {} : { instruments: options.instruments }),
    ...(options.source === undefined ? {} : { source: options.source }),
    ...(options.warn === undefined ? {} : { warn: options.warn }),
    ...(options.texts === undefined ? {} : { texts: options.texts }),
  });
  strategyOf.set(engine, options.strategy);
  return engine;
}

/** The market record types each fill model fills orders from. */
const FILLED_FROM: Record<BacktestConfig['execution']['fill_model'], readonly string[]> = {
  auto: ['candle', 'trade', 'quote', 'book'],
  candle: ['candle'],
  trade: ['trade'],
  book: ['book', 'quote'],
};

/**
 * Runs the engine over a stream: market records in, the account's records out. Market records are
 * validated first (records/intake.ts): one that fails goes to `policy` with its place (`source:line`),
 * or throws without one; none reaches the engine. Validation, counting and the engine are one stage
 * (engine/intake.ts): each record's time is parsed once. `observe` sees every output record as it
 * goes (a tally of rejections) without another stage. An input of records none of which the fill
 * model can fill from (candles under `--fill-model trade`, equity records) is a DataError at the
 * end, after the output: a run that could fill nothing says so (exit 1).
 */
export async function* backtest(
  input: RecordStream,
  engine: BacktestEngine,
  options: {
    readonly source?: string;
    readonly policy?: ErrorPolicy;
    readonly fillModel?: BacktestConfig['execution']['fill_model'];
    readonly observe?: (record: WireRecord) => void;
  } = {},
): AsyncGenerator<WireRecord[]> {
  const source = options.source ?? 'input';
  const fillModel = options.fillModel ?? 'auto';
  const stage = new EngineIntake(engine, new MarketIntake(options.source, options.policy));
  const observe = options.observe;
  if (observe === undefined) yield* runStage(input, stage);
  else
    for await (const batch of runStage(input, stage)) {
      for (let i = 0; i < batch.length; i++) observe(batch[i]!);
      yield batch;
    }
  nothingFilled(stage, source, fillModel);
}

/**
 * An input of records none of which the fill model can fill from is a DataError at the end, after
 * the output (backtest).
 */
function nothingFilled(
  stage: EngineIntake,
  source: string,
  fillModel: BacktestConfig['execution']['fill_model'],
): void {
  const counts = stage.counts;
  const needed = FILLED_FROM[fillModel];
  if (counts.total === 0 || counts.of(...needed) > 0) return;
  const hint =
    fillModel === 'auto'
      ? "backtest reads market data (tickpipe generate candles | tickpipe backtest ...; summarize and drawdown read a backtest's output)"
      : `nothing could fill an order; --fill-model auto uses the finest data there is`;
  throw new DataError(
    source,
    `${fillModel === 'auto' ? '' : `--fill-model ${fillModel}: `}no ${needed.join(' or ')} records in the input (found ${counts.describe()}): ${hint}`,
  );
}

/**
 * `backtest` with its output as NDJSON lines (what the `backtest` command writes): the same lines
 * the records would be written as, made as the records are (engine.ts `writeLines`), equity records
 * with no object at all. `observe` sees every other record. Given `onRejected` and no `observe`,
 * only the rejected orders are seen, and the frequent records (balances, orders, fills, positions)
 * are made as lines with no object (engine/records.ts `linesOnly`): the command's way, which over
 * 100,000 instruments makes 1.3 million records nobody reads.
 */
export async function* backtestNdjson(
  input: RecordStream,
  engine: BacktestEngine,
  options: Parameters<typeof backtest>[2] & {
    readonly onRejected?: (order: WireRecord) => void;
  } = {},
): ByteStream {
  const source = options.source ?? 'input';
  const stage = new EngineIntake(engine, new MarketIntake(options.source, options.policy));
  const observe = options.observe;
  const onRejected = options.onRejected;
  engine.writeLines(observe === undefined);
  const see = (batch: readonly WireRecord[]): void => {
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      observe?.(r);
      if (onRejected !== undefined && r.type === 'order' && r.status === 'rejected') onRejected(r);
    }
  };
  const out: WireRecord[] = [];
  for await (const batch of input) {
    pushBatch(stage, batch, out);
    see(out);
    out.length = 0;
    const lines = engine.takeLines();
    if (lines !== undefined) yield lines;
  }
  for (const tail of stage.finishBatches()) {
    see(tail);
    const lines = engine.takeLines();
    if (lines !== undefined) yield lines;
  }
  // The last equity record is written with no record left to yield a batch for.
  const last = engine.takeLines();
  if (last !== undefined) yield last;
  nothingFilled(stage, source, options.fillModel ?? 'auto');
}
