/** barter's `system_config.json`: recognised, and converted to the backtest configuration's shape. */

import { UsageError } from '../errors.js';
import type { BalanceConfig, ExecutionConfig, InstrumentConfig } from './config.js';
import { balanceFree, isObj, num, type Obj, str } from './config-values.js';

/** True for barter's `system_config.json` shape (instruments by `name_exchange`, `executions`). */
export function isBarterConfig(v: unknown): boolean {
  return isObj(v) && (Array.isArray(v.executions) || (isObj(v.system) && Array.isArray(v.system.executions)));
}

/**
 * barter's system configuration as ours: instruments from `name_exchange` and `underlying`, the first
 * mock execution's `latency_ms`, its `fees_percent` (barter multiplies the notional by this field
 * as it is, so 0.05 is 5% of the notional: 500 bps, maker and taker), and its `initial_state` balances.
 */
export function fromBarter(
  v: Obj,
  source: string,
): {
  instruments: InstrumentConfig[];
  balances: BalanceConfig[];
  execution: Partial<ExecutionConfig>;
  risk_free_return?: number;
} {
  const root = isObj(v.system) ? { ...v.system, instruments: v.system.instruments ?? v.instruments } : v;
  const instruments: InstrumentConfig[] = [];
  const list = Array.isArray(root.instruments) ? root.instruments : [];
  for (let i = 0; i < list.length; i++) {
    const ins = list[i];
    const where = `${source}: instruments[${i}]`;
    if (!isObj(ins) || !isObj(ins.underlying))
      throw new UsageError(`${where}: expected barter's { exchange, name_exchange, underlying }`);
    const kind = String(ins.kind ?? 'spot');
    instruments.push({
      exchange: str(`${where}.exchange`, ins.exchange),
      symbol: str(`${where}.name_exchange`, ins.name_exchange),
      base: str(`${where}.underlying.base`, ins.underlying.base).toLowerCase(),
      quote: str(`${where}.underlying.quote`, ins.underlying.quote).toLowerCase(),
      kind: kind === 'spot' ? 'spot' : 'perpetual',
    });
  }
  const balances: BalanceConfig[] = [];
  const execution: Partial<ExecutionConfig> = {};
  const executions = Array.isArray(root.executions) ? root.executions : [];
  for (const ex of executions) {
    if (!isObj(ex)) continue;
    if (execution.latency_ms === undefined && ex.latency_ms !== undefined)
      execution.latency_ms = num(`${source}: latency_ms`, ex.latency_ms, 0);
    if (execution.fees === undefined && ex.fees_percent !== undefined) {
      const bps = num(`${source}: fees_percent`, ex.fees_percent, 0) * 10_000;
      execution.fees = { maker_bps: bps, taker_bps: bps };
    }
    const state = isObj(ex.initial_state) ? ex.initial_state : undefined;
    const exchange = String(state?.exchange ?? ex.mocked_exchange ?? '');
    for (const b of Array.isArray(state?.balances) ? state.balances : []) {
      if (!isObj(b) || !isObj(b.balance)) continue;
      const total = num(`${source}: balances.balance.total`, b.balance.total, 0);
      balances.push({
        exchange,
        asset: str(`${source}: balances.asset`, b.asset).toLowerCase(),
        total,
        ...balanceFree(`${source}: balances.balance`, total, b.balance.free),
      });
    }
  }
  const rf = v.risk_free_return ?? root.risk_free_return;
  if (rf === undefined) return { instruments, balances, execution };
  return {
    instruments,
    balances,
    execution,
    risk_free_return: num(`${source}: risk_free_return`, rf, -1, true),
  };
}
