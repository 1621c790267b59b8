/**
 * The backtest configuration: its JSON shape (docs/backtest.md), checked strictly (an unknown key is a
 * usage error naming it), and barter's `system_config.json`, converted to the same shape
 * (config-barter.ts). The value readers are in config-values.ts, the flags' parsers in
 * config-flags.ts.
 */

import { UsageError } from '../errors.js';
import { fromBarter, isBarterConfig } from './config-barter.js';
import { balanceFree, bool, checkKeys, isObj, num, type Obj, oneOf, optNum, str } from './config-values.js';

export type InstrumentKind = 'spot' | 'perpetual';
export type FillModel = 'auto' | 'candle' | 'trade' | 'book';
export type FillAt = 'next-open' | 'close';
export type SizingMode = 'fixed-amount' | 'fixed-notional' | 'percent-equity' | 'kelly';

export interface InstrumentConfig {
  exchange: string;
  symbol: string;
  base: string;
  quote: string;
  kind: InstrumentKind;
  tick_size?: number | undefined;
  lot_size?: number | undefined;
  min_notional?: number | undefined;
  contract_size?: number | undefined;
  /** Perpetuals: initial margin as a fraction of notional (default 1 / max_leverage). */
  initial_margin?: number | undefined;
  /** Perpetuals: maintenance margin as a fraction of notional; below it, the account is liquidated. */
  maintenance_margin?: number | undefined;
  /** Perpetuals: the venue's liquidation fee as a fraction of the notional liquidated (default 0). */
  liquidation_fee?: number | undefined;
  /**
   * Perpetuals: an inverse (coin-margined) contract, margined and settled in the base coin, its
   * contract size in the quote currency (docs/execution.md, "Inverse contracts"). Default: true on
   * a venue whose id says coin or inverse (binance_futures_coin, bybit_inverse).
   */
  inverse?: boolean | undefined;
}

export interface BalanceConfig {
  exchange: string;
  asset: string;
  total: number;
  /** What is available to trade (barter's `free`); the rest of `total` is held outside the run. Default: total. */
  free?: number | undefined;
}

export interface ExecutionConfig {
  fees: { maker_bps: number; taker_bps: number };
  slippage_bps: number;
  /** Extra slippage, in bps, per 1,000,000 of quote notional. */
  impact_bps: number;
  latency_ms: number;
  fill_model: FillModel;
  fill_at: FillAt;
  /** A resting limit fills on a candle that only touches its price (default: strictly through). */
  fill_at_touch: boolean;
  /** One candle's range holds both a bracket's stop and its take-profit: which triggers first. */
  candle_both_legs: 'stop' | 'take_profit';
  /** Spot accounts may sell what they do not hold. */
  allow_short: boolean;
}

export interface RiskConfig {
  max_order_notional?: number | undefined;
  max_position_notional?: number | undefined;
  max_position_amount?: number | undefined;
  max_leverage?: number | undefined;
  max_exposure_percent?: number | undefined;
  max_open_orders?: number | undefined;
  daily_loss_limit_percent?: number | undefined;
  /** No new orders on an instrument for this long after one of its positions closes at a loss. */
  cooldown_after_loss_ms?: number | undefined;
  /** No new orders on an instrument after this many positions opened on it in a UTC day. */
  max_trades_per_day?: number | undefined;
  /** Per-instrument limits keyed `exchange:symbol`, over the global ones (barter's instrument risk limits). */
  instruments?: Record<string, InstrumentRisk> | undefined;
}

/** The limits an instrument may set for itself. */
export interface InstrumentRisk {
  max_order_notional?: number | undefined;
  max_position_notional?: number | undefined;
  max_position_amount?: number | undefined;
  max_exposure_percent?: number | undefined;
  cooldown_after_loss_ms?: number | undefined;
  max_trades_per_day?: number | undefined;
}

export interface SizingConfig {
  mode: SizingMode;
  value: number;
  /** Kelly only: the largest share of equity one position may take (default 0.5). */
  max_fraction?: number | undefined;
}

export interface StrategyConfig {
  name: string;
  params: Record<string, unknown>;
  /** An `exec:` strategy: how long one reply may take, in seconds (--strategy-timeout). */
  timeout_s?: number | undefined;
}

export interface BacktestConfig {
  instruments: InstrumentConfig[];
  balances: BalanceConfig[];
  execution: ExecutionConfig;
  risk: RiskConfig;
  sizing: SizingConfig;
  strategy: StrategyConfig;
  close_at_end: boolean;
  /** Equity records every this many microseconds of event time when the data is finer than candles. */
  equity_every_us: number;
  seed: number;
  on_disable: 'keep' | 'close';
  strict_instruments: boolean;
  /** For `--summary`: the risk-free return per summary interval (barter's `risk_free_return`). */
  risk_free_return?: number | undefined;
}

export const DEFAULT_CONFIG: BacktestConfig = {
  instruments: [],
  balances: [],
  execution: {
    fees: { maker_bps: 0, taker_bps: 0 },
    slippage_bps: 0,
    impact_bps: 0,
    latency_ms: 0,
    fill_model: 'auto',
    fill_at: 'next-open',
    fill_at_touch: false,
    candle_both_legs: 'stop',
    allow_short: false,
  },
  risk: {},
  sizing: { mode: 'percent-equity', value: 0.25 },
  strategy: { name: 'sma-cross', params: {} },
  close_at_end: true,
  equity_every_us: 60_000_000,
  seed: 0,
  on_disable: 'keep',
  strict_instruments: false,
};

export const INSTRUMENT_KEYS = [
  'exchange',
  'symbol',
  'base',
  'quote',
  'kind',
  'tick_size',
  'lot_size',
  'min_notional',
  'contract_size',
  'initial_margin',
  'maintenance_margin',
  'liquidation_fee',
  'inverse',
] as const;

export function parseInstrument(where: string, v: unknown, allowExtra = false): InstrumentConfig {
  if (!isObj(v)) throw new UsageError(`${where}: expected an object`);
  if (!allowExtra) checkKeys(where, v, INSTRUMENT_KEYS);
  const kind =
    v.kind === 'future'
      ? 'perpetual'
      : oneOf(`${where}.kind`, v.kind ?? 'spot', ['spot', 'perpetual'] as const);
  return {
    exchange: str(`${where}.exchange`, v.exchange),
    symbol: str(`${where}.symbol`, v.symbol),
    base: str(`${where}.base`, v.base).toLowerCase(),
    quote: str(`${where}.quote`, v.quote).toLowerCase(),
    kind,
    tick_size: optNum(`${where}.tick_size`, v.tick_size),
    lot_size: optNum(`${where}.lot_size`, v.lot_size),
    min_notional: optNum(`${where}.min_notional`, v.min_notional, 0, false),
    contract_size: optNum(`${where}.contract_size`, v.contract_size),
    initial_margin: optNum(`${where}.initial_margin`, v.initial_margin),
    maintenance_margin: optNum(`${where}.maintenance_margin`, v.maintenance_margin),
    liquidation_fee: optNum(`${where}.liquidation_fee`, v.liquidation_fee, 0, false),
    inverse: inverseFlag(where, v.inverse, String(v.exchange), kind),
  };
}

/** `inverse`: a boolean, else true for a perpetual on a venue whose id says coin or inverse. */
function inverseFlag(where: string, v: unknown, exchange: string, kind: InstrumentKind): boolean | undefined {
  if (v !== undefined && typeof v !== 'boolean')
    throw new UsageError(`${where}.inverse: expected true or false, found ${JSON.stringify(v)}`);
  const inverse = v ?? (/coin|inverse/.test(exchange) || undefined);
  if (inverse === true && kind !== 'perpetual')
    throw new UsageError(
      `${where}: an inverse (coin-margined) instrument is a perpetual; set kind to "perpetual"`,
    );
  return inverse;
}

const TOP_KEYS = [
  'instruments',
  'balances',
  'execution',
  'risk',
  'sizing',
  'strategy',
  'close_at_end',
  'equity_every_ms',
  'seed',
  'on_disable',
  'strict_instruments',
] as const;
const EXECUTION_KEYS = [
  'fees',
  'slippage_bps',
  'impact_bps',
  'latency_ms',
  'fill_model',
  'fill_at',
  'fill_at_touch',
  'candle_both_legs',
  'allow_short',
] as const;
const RISK_KEYS = [
  'max_order_notional',
  'max_position_notional',
  'max_position_amount',
  'max_leverage',
  'max_exposure_percent',
  'max_open_orders',
  'daily_loss_limit_percent',
  'cooldown_after_loss_ms',
  'max_trades_per_day',
] as const;
const INSTRUMENT_RISK_KEYS = [
  'max_order_notional',
  'max_position_notional',
  'max_position_amount',
  'max_exposure_percent',
  'cooldown_after_loss_ms',
  'max_trades_per_day',
] as const;

export const FILL_MODELS = ['auto', 'candle', 'trade', 'book'] as const;
export const SIZING_MODES = ['fixed-amount', 'fixed-notional', 'percent-equity', 'kelly'] as const;

/**
 * Parses a configuration file's JSON over the defaults. A barter `system_config.json` is recognised
 * and converted. Unknown keys are a usage error that names them.
 */
export function parseConfig(json: unknown, source: string): BacktestConfig {
  const cfg = structuredClone(DEFAULT_CONFIG);
  if (isBarterConfig(json)) {
    const b = fromBarter(json as Obj, source);
    cfg.instruments = b.instruments;
    cfg.balances = b.balances;
    Object.assign(cfg.execution, b.execution);
    if (b.risk_free_return !== undefined) cfg.risk_free_return = b.risk_free_return;
    return cfg;
  }
  if (!isObj(json)) throw new UsageError(`${source}: expected a JSON object`);
  checkKeys(source, json, TOP_KEYS);
  if (json.instruments !== undefined) {
    if (!Array.isArray(json.instruments)) throw new UsageError(`${source}: "instruments" must be an array`);
    cfg.instruments = json.instruments.map((v, i) => parseInstrument(`${source}: instruments[${i}]`, v));
  }
  if (json.balances !== undefined) {
    if (!Array.isArray(json.balances)) throw new UsageError(`${source}: "balances" must be an array`);
    cfg.balances = json.balances.map((v, i) => {
      const where = `${source}: balances[${i}]`;
      if (!isObj(v)) throw new UsageError(`${where}: expected an object`);
      checkKeys(where, v, ['exchange', 'asset', 'total', 'free']);
      const total = num(`${where}.total`, v.total, 0);
      return {
        exchange: str(`${where}.exchange`, v.exchange),
        asset: str(`${where}.asset`, v.asset).toLowerCase(),
        total,
        ...balanceFree(where, total, v.free),
      };
    });
  }
  if (json.execution !== undefined) {
    const e = json.execution;
    const where = `${source}: execution`;
    if (!isObj(e)) throw new UsageError(`${where}: expected an object`);
    checkKeys(where, e, EXECUTION_KEYS);
    const x = cfg.execution;
    if (e.fees !== undefined) {
      if (!isObj(e.fees)) throw new UsageError(`${where}.fees: expected { maker_bps, taker_bps }`);
      checkKeys(`${where}.fees`, e.fees, ['maker_bps', 'taker_bps']);
      if (e.fees.maker_bps !== undefined) x.fees.maker_bps = num(`${where}.fees.maker_bps`, e.fees.maker_bps);
      if (e.fees.taker_bps !== undefined)
        x.fees.taker_bps = num(`${where}.fees.taker_bps`, e.fees.taker_bps, 0);
    }
    if (e.slippage_bps !== undefined) x.slippage_bps = num(`${where}.slippage_bps`, e.slippage_bps, 0);
    if (e.impact_bps !== undefined) x.impact_bps = num(`${where}.impact_bps`, e.impact_bps, 0);
    if (e.latency_ms !== undefined) x.latency_ms = num(`${where}.latency_ms`, e.latency_ms, 0);
    if (e.fill_model !== undefined) x.fill_model = oneOf(`${where}.fill_model`, e.fill_model, FILL_MODELS);
    if (e.fill_at !== undefined)
      x.fill_at = oneOf(`${where}.fill_at`, e.fill_at, ['next-open', 'close'] as const);
    if (e.fill_at_touch !== undefined) x.fill_at_touch = bool(`${where}.fill_at_touch`, e.fill_at_touch);
    if (e.candle_both_legs !== undefined)
      x.candle_both_legs = oneOf(`${where}.candle_both_legs`, e.candle_both_legs, [
        'stop',
        'take_profit',
      ] as const);
    if (e.allow_short !== undefined) x.allow_short = bool(`${where}.allow_short`, e.allow_short);
  }
  if (json.risk !== undefined) {
    const r = json.risk;
    const where = `${source}: risk`;
    if (!isObj(r)) throw new UsageError(`${where}: expected an object`);
    checkKeys(where, r, [...RISK_KEYS, 'instruments']);
    for (const k of RISK_KEYS) if (r[k] !== undefined) cfg.risk[k] = num(`${where}.${k}`, r[k], 0, true);
    if (r.instruments !== undefined) {
      if (!isObj(r.instruments))
        throw new UsageError(`${where}.instruments: expected an object keyed "exchange:symbol"`);
      const per: Record<string, InstrumentRisk> = {};
      for (const [key, v] of Object.entries(r.instruments)) {
        const w = `${where}.instruments["${key}"]`;
        if (!/^[^:]+:[^:]+$/.test(key)) throw new UsageError(`${w}: the key must be "exchange:symbol"`);
        if (!isObj(v)) throw new UsageError(`${w}: expected an object`);
        checkKeys(w, v, INSTRUMENT_RISK_KEYS);
        const limits: InstrumentRisk = {};
        for (const k of INSTRUMENT_RISK_KEYS)
          if (v[k] !== undefined) limits[k] = num(`${w}.${k}`, v[k], 0, true);
        per[key] = limits;
      }
      cfg.risk.instruments = per;
    }
  }
  if (json.sizing !== undefined) {
    const s = json.sizing;
    const where = `${source}: sizing`;
    if (!isObj(s)) throw new UsageError(`${where}: expected an object`);
    checkKeys(where, s, ['mode', 'value', 'max_fraction']);
    cfg.sizing = {
      mode: oneOf(`${where}.mode`, s.mode, SIZING_MODES),
      value: num(`${where}.value`, s.value, 0, true),
      max_fraction: optNum(`${where}.max_fraction`, s.max_fraction),
    };
  }
  if (json.strategy !== undefined) {
    const s = json.strategy;
    const where = `${source}: strategy`;
    if (!isObj(s)) throw new UsageError(`${where}: expected an object`);
    checkKeys(where, s, ['name', 'params', 'timeout_s']);
    if (s.params !== undefined && !isObj(s.params))
      throw new UsageError(`${where}.params: expected an object`);
    cfg.strategy = {
      name: str(`${where}.name`, s.name),
      params: (s.params as Obj | undefined) ?? {},
      timeout_s: optNum(`${where}.timeout_s`, s.timeout_s),
    };
  }
  if (json.close_at_end !== undefined) cfg.close_at_end = bool(`${source}: close_at_end`, json.close_at_end);
  if (json.equity_every_ms !== undefined)
    cfg.equity_every_us = num(`${source}: equity_every_ms`, json.equity_every_ms, 0, true) * 1000;
  if (json.seed !== undefined) cfg.seed = num(`${source}: seed`, json.seed);
  if (json.on_disable !== undefined)
    cfg.on_disable = oneOf(`${source}: on_disable`, json.on_disable, ['keep', 'close'] as const);
  if (json.strict_instruments !== undefined)
    cfg.strict_instruments = bool(`${source}: strict_instruments`, json.strict_instruments);
  return cfg;
}
