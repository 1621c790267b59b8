/**
 * The search space: dimensions from `--grid KEY=SPEC` (or a JSON spec file), their grid expansion in
 * flag order (the first dimension varies slowest, like nested loops), and the split of a run's
 * parameters into strategy parameters and configuration overrides.
 *
 *   --grid fast=5..50:5             a range with a step (both ends included)
 *   --grid slow=20,50,100,200       a list (numbers, true/false, or text)
 *   --grid execution.slippage_bps=0,5,10   a configuration key (docs/backtest.md)
 *   --grid sizing=percent-equity:0.1,percent-equity:0.5   the sizing, as --sizing takes it
 *   --grid k=0.001..1:log           random search only: log-uniform (k=a..b: uniform)
 */

import { type BacktestConfig, parseConfig } from '../backtest/config.js';
import { parseSizingFlag } from '../backtest/config-flags.js';
import { UsageError } from '../errors.js';

export type Value = number | string | boolean;

export type Dimension =
  | { readonly key: string; readonly kind: 'list'; readonly values: readonly Value[] }
  | {
      readonly key: string;
      readonly kind: 'range';
      readonly from: number;
      readonly to: number;
      /** Grid step; undefined: continuous (random search only). */
      readonly step?: number;
      readonly log: boolean;
      /** Whole numbers only (both ends and the step are integers). */
      readonly integer: boolean;
    };

/** A run's parameters in dimension order. */
export type Params = ReadonlyArray<readonly [string, Value]>;

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function parseValue(text: string): Value {
  const t = text.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  if (NUMBER.test(t)) return Number(t);
  return t;
}

function decimals(n: number): number {
  const s = String(n);
  if (s.includes('e-')) return Number(s.split('e-')[1]) + (s.split('e')[0]!.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

/** Parses `KEY=SPEC`; `where` names the place for messages (`--grid fast=5..x`). */
export function parseDimension(text: string, where = `--grid ${text}`): Dimension {
  const i = text.indexOf('=');
  if (i <= 0) throw new UsageError(`${where}: expected KEY=a..b:step or KEY=v1,v2,..., found "${text}"`);
  const key = text.slice(0, i).trim();
  const spec = text.slice(i + 1).trim();
  if (!/^[A-Za-z_][\w.]*$/.test(key)) throw new UsageError(`${where}: "${key}" is not a parameter name`);
  return parseSpec(key, spec, where);
}

function parseSpec(key: string, spec: string, where: string): Dimension {
  if (spec === '') throw new UsageError(`${where}: no values for "${key}"`);
  const m = /^([^.]+|[-+]?\d*\.\d+)\.\.([^:]+)(?::(.+))?$/.exec(spec);
  if (m !== null && !key.startsWith('sizing')) {
    const [, a, b, s] = m as unknown as [string, string, string, string | undefined];
    const from = Number(a);
    const to = Number(b);
    if (!NUMBER.test(a.trim()) || !NUMBER.test(b.trim()))
      throw new UsageError(`${where}: expected numbers in the range a..b, found "${spec}"`);
    if (to < from) throw new UsageError(`${where}: the range ${spec} ends before it starts`);
    const log = s?.trim() === 'log';
    if (log && !(from > 0)) throw new UsageError(`${where}: a log range needs a start above 0, found ${a}`);
    let step: number | undefined;
    if (s !== undefined && !log) {
      if (!NUMBER.test(s.trim()) || !(Number(s) > 0))
        throw new UsageError(`${where}: expected a step above 0 after ":", found "${s}"`);
      step = Number(s);
    }
    const integer =
      Number.isInteger(from) && Number.isInteger(to) && (step === undefined || Number.isInteger(step));
    return { key, kind: 'range', from, to, ...(step === undefined ? {} : { step }), log, integer };
  }
  const values = spec.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) throw new UsageError(`${where}: an empty value in the list "${spec}"`);
  return { key, kind: 'list', values: values.map(parseValue) };
}

/** The values a dimension takes in a grid. */
export function gridValues(d: Dimension, where = `--grid ${d.key}`): readonly Value[] {
  if (d.kind === 'list') return d.values;
  if (d.step === undefined)
    throw new UsageError(
      `${where}: a range without a step (${d.from}..${d.to}${d.log ? ':log' : ''}) is for random search (--samples); give a step (a..b:step)`,
    );
  const places = Math.max(decimals(d.from), decimals(d.step));
  const count = Math.floor((d.to - d.from) / d.step + 1e-9) + 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Number((d.from + i * d.step).toFixed(places)));
  return out;
}

/** Runs in the full grid, before constraints (a number, never the list: a grid can be huge). */
export function gridSize(dims: readonly Dimension[]): number {
  return dims.reduce((n, d) => n * gridValues(d).length, 1);
}

/** Every combination, first dimension slowest. */
export function* expandGrid(dims: readonly Dimension[]): Generator<Params> {
  const values = dims.map((d) => gridValues(d));
  if (values.length === 0) return;
  const idx = new Array<number>(dims.length).fill(0);
  for (;;) {
    yield dims.map((d, k) => [d.key, values[k]![idx[k]!]!] as const);
    let k = dims.length - 1;
    while (k >= 0) {
      idx[k]!++;
      if (idx[k]! < values[k]!.length) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}

/**
 * A JSON spec file: `{"parameters": {"fast": "5..50:5", "slow": [20, 50, 100]}, "where": "fast < slow"}`
 * (a value is a range text or a list).
 */
export function parseSpecFile(json: unknown, source: string): { dims: Dimension[]; where?: string } {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new UsageError(`${source}: expected a JSON object {"parameters": {...}, "where": "..."}`);
  const o = json as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'parameters' && k !== 'where');
  if (extra.length > 0)
    throw new UsageError(`${source}: unknown key "${extra[0]}" (allowed: parameters, where)`);
  const p = o.parameters;
  if (typeof p !== 'object' || p === null || Array.isArray(p))
    throw new UsageError(`${source}: "parameters" must be an object of KEY: "a..b:step" or [values]`);
  const dims: Dimension[] = [];
  for (const [key, v] of Object.entries(p as Record<string, unknown>)) {
    const where = `${source}: parameters.${key}`;
    if (Array.isArray(v)) {
      if (v.length === 0) throw new UsageError(`${where}: an empty list`);
      for (const x of v)
        if (!['number', 'string', 'boolean'].includes(typeof x))
          throw new UsageError(`${where}: expected numbers, strings or booleans, found ${JSON.stringify(x)}`);
      dims.push({ key, kind: 'list', values: v as Value[] });
    } else if (typeof v === 'string') dims.push(parseSpec(key, v, where));
    else throw new UsageError(`${where}: expected "a..b:step" or a list, found ${JSON.stringify(v)}`);
  }
  if (o.where !== undefined && typeof o.where !== 'string')
    throw new UsageError(`${source}: "where" must be a string`);
  return o.where === undefined ? { dims } : { dims, where: o.where };
}

// ---------------------------------------------------------------------------------------------
// Configuration keys

/** The configuration keys a grid may vary (paths into the JSON of docs/backtest.md). */
const CONFIG_KEYS = new Set([
  'execution.fees.maker_bps',
  'execution.fees.taker_bps',
  'execution.slippage_bps',
  'execution.impact_bps',
  'execution.latency_ms',
  'execution.fill_model',
  'execution.fill_at',
  'execution.fill_at_touch',
  'execution.allow_short',
  'risk.max_order_notional',
  'risk.max_position_notional',
  'risk.max_position_amount',
  'risk.max_leverage',
  'risk.max_exposure_percent',
  'risk.max_open_orders',
  'risk.daily_loss_limit_percent',
  'sizing',
  'sizing.value',
  'sizing.max_fraction',
  'close_at_end',
  'equity_every_ms',
  'seed',
  'on_disable',
]);

/** A key with a dot, or `sizing`, is a configuration key; any other a strategy parameter. */
export function isConfigKey(key: string): boolean {
  return key.includes('.') || key === 'sizing' || CONFIG_KEYS.has(key);
}

/** Checks a configuration key and each of its values up front (a usage error naming the place). */
export function checkConfigDimension(d: Dimension, base: BacktestConfig): void {
  const where = `--grid ${d.key}`;
  if (!CONFIG_KEYS.has(d.key))
    throw new UsageError(
      `${where}: unknown configuration key "${d.key}" (allowed: ${[...CONFIG_KEYS].join(', ')})`,
    );
  const values = d.kind === 'list' ? d.values : [d.from, d.to];
  for (const v of values) applyConfig(structuredClone(base), d.key, v, `${where}=${String(v)}`);
}

/** Sets one configuration key on `config` (changed in place), validated as the config file would be. */
export function applyConfig(config: BacktestConfig, key: string, value: Value, where = key): void {
  if (key === 'sizing') {
    if (typeof value !== 'string') throw new UsageError(`${where}: expected MODE:VALUE`);
    config.sizing = parseSizingFlag(value);
    return;
  }
  const path = key.split('.');
  // Validate through the configuration parser: a one-key document with this value.
  const doc: Record<string, unknown> = {};
  let node = doc;
  for (let i = 0; i < path.length - 1; i++) {
    const next: Record<string, unknown> = {};
    node[path[i]!] = next;
    node = next;
  }
  node[path[path.length - 1]!] = value;
  if (path[0] === 'sizing') (doc.sizing as Record<string, unknown>).mode = config.sizing.mode;
  if (path[0] === 'sizing' && path[1] !== 'value')
    (doc.sizing as Record<string, unknown>).value = config.sizing.value;
  const parsed = parseConfig(doc, where) as unknown as Record<string, unknown>;
  if (key === 'equity_every_ms') {
    config.equity_every_us = parsed.equity_every_us as number;
    return;
  }
  let from = parsed;
  let to = config as unknown as Record<string, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    from = from[path[i]!] as Record<string, unknown>;
    to = to[path[i]!] as Record<string, unknown>;
  }
  const leaf = path[path.length - 1]!;
  to[leaf] = from[leaf];
}
