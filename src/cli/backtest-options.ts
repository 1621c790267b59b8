/**
 * What `backtest` and `sweep` share of their flags, turned into the core's options: the base
 * configuration and strategy parameters, `--instruments`, a JSON file, and `--store`'s selection.
 */

import { readFileSync } from 'node:fs';
import type { Interfaces } from '@oclif/core';
import type Backtest from '../commands/backtest.js';
import { type BacktestConfig, DEFAULT_CONFIG, parseConfig } from '../core/backtest/config.js';
import {
  parseBalanceFlag,
  parseFeesFlag,
  parseParamFlag,
  parseSizingFlag,
  splitBalanceFlags,
} from '../core/backtest/config-flags.js';
import { num } from '../core/backtest/config-values.js';
import { UsageError } from '../core/errors.js';
import { openInput, type StdinLike } from '../core/io/input.js';
import { ErrorPolicy } from '../core/io/lines.js';
import { readRecords } from '../core/io/pipeline.js';
import { collect } from '../core/io/stream.js';
import type { WireRecord } from '../core/records/record.js';
import { parseDuration } from '../core/records/time.js';
import type { StoreReadOptions } from '../core/store/read.js';
import { timeFlag } from './time-flag.js';

export type BacktestFlags = Interfaces.InferredFlags<typeof Backtest.flags>;

/** The base configuration and strategy parameters of `backtest`'s flags (also `sweep`'s). */
export function configFromFlags(flags: BacktestFlags): {
  config: BacktestConfig;
  params: Record<string, unknown>;
} {
  let config: BacktestConfig = structuredClone(DEFAULT_CONFIG);
  if (flags.config !== undefined) config = parseConfig(readJson(flags.config), flags.config);
  const n = (name: string, v: string | undefined, positive = false): number | undefined =>
    v === undefined ? undefined : num(`--${name}`, v, 0, positive);
  const x = config.execution;
  if (flags.fees !== undefined) Object.assign(x.fees, parseFeesFlag(flags.fees));
  x.slippage_bps = n('slippage-bps', flags['slippage-bps']) ?? x.slippage_bps;
  x.impact_bps = n('impact-bps', flags['impact-bps']) ?? x.impact_bps;
  x.latency_ms = n('latency-ms', flags['latency-ms']) ?? x.latency_ms;
  if (flags['fill-model'] !== undefined)
    x.fill_model = flags['fill-model'] as BacktestConfig['execution']['fill_model'];
  if (flags['fill-at'] !== undefined) x.fill_at = flags['fill-at'] as 'next-open' | 'close';
  if (flags['fill-at-touch'] !== undefined) x.fill_at_touch = flags['fill-at-touch'];
  if (flags['candle-both-legs'] !== undefined)
    x.candle_both_legs = flags['candle-both-legs'] as 'stop' | 'take_profit';
  if (flags['allow-short'] !== undefined) x.allow_short = flags['allow-short'];
  const risk = config.risk;
  for (const k of [
    'max-order-notional',
    'max-position-notional',
    'max-position-amount',
    'max-leverage',
    'max-exposure-percent',
    'max-open-orders',
    'daily-loss-limit-percent',
  ] as const) {
    const v = n(k, flags[k], true);
    if (v !== undefined) risk[k.replaceAll('-', '_') as Exclude<keyof typeof risk, 'instruments'>] = v;
  }
  if (flags.balance.length > 0) config.balances = splitBalanceFlags(flags.balance).map(parseBalanceFlag);
  if (flags.sizing !== undefined) config.sizing = parseSizingFlag(flags.sizing);
  if (flags['close-at-end'] !== undefined) config.close_at_end = flags['close-at-end'];
  if (flags['on-disable'] !== undefined) config.on_disable = flags['on-disable'] as 'keep' | 'close';
  if (flags['strict-instruments'] !== undefined) config.strict_instruments = flags['strict-instruments'];
  if (flags.seed !== undefined) config.seed = flags.seed;
  if (flags['strategy-timeout'] !== undefined)
    config.strategy.timeout_s = parseStrategyTimeout(flags['strategy-timeout']);
  if (flags['equity-every'] !== undefined) {
    const us = parseDuration(flags['equity-every']);
    if (us === undefined)
      throw new UsageError(
        `--equity-every: expected a duration (1s, 1m, 1h), found "${flags['equity-every']}"`,
      );
    config.equity_every_us = us;
  }
  const params: Record<string, unknown> = { ...config.strategy.params };
  if (flags.params !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(flags.params);
    } catch (error) {
      throw new UsageError(`--params: invalid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new UsageError('--params: expected a JSON object');
    Object.assign(params, parsed);
  }
  // A comma starts a new parameter only before KEY=, so a value may hold commas.
  for (const p of flags.param.flatMap((x) => x.split(/,(?=[A-Za-z_][\w.-]*=)/))) {
    const [k, v] = parseParamFlag(p);
    params[k] = v;
  }
  return { config, params };
}

/** `--instruments FILE`: its instrument records (the same reader as every input). */
export async function readInstruments(
  path: string | undefined,
  stdin: StdinLike,
): Promise<WireRecord[] | undefined> {
  if (path === undefined) return undefined;
  // The same reader as every input (gzip, located errors); only its instrument records count.
  const all = await collect(readRecords(openInput(path, stdin), new ErrorPolicy('fail')));
  const instruments = all.filter((r) => r.type === 'instrument');
  if (instruments.length === 0) throw new UsageError(`${path}: no "instrument" records`);
  return instruments;
}

/** --strategy-timeout: a duration (10s, 500ms) or plain seconds, as seconds. */
function parseStrategyTimeout(flag: string): number {
  const text = flag.trim();
  const us = parseDuration(/^\d+(\.\d+)?$/.test(text) ? `${text}s` : text);
  if (us === undefined)
    throw new UsageError(`--strategy-timeout: expected a duration (10s, 500ms), found "${flag}"`);
  return us / 1e6;
}

export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: invalid JSON: ${(error as Error).message}`);
  }
}

/**
 * The store read of `backtest --store` and `sweep --store` (undefined without --store): the same
 * selection as `store read`, one interval per symbol (a backtest over 1m and 1h candles of one
 * symbol mixed is refused).
 */
export function storeOptions(
  flags: Pick<BacktestFlags, 'store' | 'symbol' | 'kind' | 'from' | 'to'>,
  file: string | undefined,
  interval: string | undefined,
  intervalFlag: string,
  signal: AbortSignal,
): StoreReadOptions | undefined {
  if (flags.store === undefined) {
    if (flags.symbol.length > 0) throw new UsageError('--symbol selects from a store: give --store DIR too');
    return undefined;
  }
  if (file !== undefined)
    throw new UsageError(`give FILE or --store, not both (found ${file} and --store ${flags.store})`);
  const fromUs = timeFlag('from', flags.from);
  const toUs = timeFlag('to', flags.to);
  if (fromUs !== undefined && toUs !== undefined && fromUs >= toUs)
    throw new UsageError(`--from must be before --to (found ${flags.from} and ${flags.to})`);
  return {
    dir: flags.store,
    kind: flags.kind,
    symbols: flags.symbol.flatMap((s) => s.split(',')).filter((s) => s.trim() !== ''),
    ...(interval === undefined ? {} : { interval }),
    ...(fromUs === undefined ? {} : { fromUs }),
    ...(toUs === undefined ? {} : { toUs }),
    oneInterval: intervalFlag,
    signal,
  };
}
