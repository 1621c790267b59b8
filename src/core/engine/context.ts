/** The strategy's read-only view of the engine (docs/strategies.md, `StrategyContext`). */

import type { BacktestConfig } from '../backtest/config.js';
import { indicators } from '../backtest/indicators.js';
import type { OpenOrderView, PositionView, StrategyContext } from '../backtest/strategy.js';
import type { Instrument } from '../market/instrument.js';
import type { Instruments } from '../market/instruments.js';
import type { Marks } from '../marks/equity.js';
import type { Balances } from '../portfolio/balances.js';
import type { WireRecord } from '../records/record.js';
import type { Clock } from './clock.js';

const FLAT: PositionView = Object.freeze({ amount: 0, entry_price: undefined });

export function strategyContext(
  cfg: BacktestConfig,
  clock: Clock,
  instruments: Instruments,
  balances: Balances,
  marks: Marks,
  /** The record being shown to the strategy: missing symbol and exchange mean its. */
  current: () => WireRecord | undefined,
  size: (inst: Instrument, price: number) => number,
): StrategyContext {
  const find = (symbol?: string, exchange?: string): Instrument | undefined => {
    const rec = current();
    return instruments.get(exchange ?? String(rec?.exchange), symbol ?? String(rec?.symbol));
  };
  return {
    get time() {
      return clock.text;
    },
    get timeUs() {
      return clock.us;
    },
    params: Object.freeze({ ...cfg.strategy.params }),
    indicators,
    position(symbol, exchange) {
      const inst = find(symbol, exchange);
      if (inst === undefined || inst.pos.qtyNum === 0) return FLAT;
      return { amount: inst.pos.qtyNum, entry_price: inst.pos.entryNum };
    },
    balance(asset, exchange) {
      const b = balances.find(exchange ?? String(current()?.exchange), asset.toLowerCase());
      return b === undefined ? { total: 0, free: 0 } : { total: b.totalNum, free: b.freeNum };
    },
    openOrders(symbol, exchange) {
      const inst = find(symbol, exchange);
      if (inst === undefined) return [];
      return inst.orders.map(
        (o): OpenOrderView => ({
          id: o.id,
          side: o.side,
          kind: o.type,
          price: o.price,
          amount: o.amount.toNumber(),
          filled_amount: o.filled.toNumber(),
          status: o.status,
        }),
      );
    },
    price(symbol, exchange) {
      const p = find(symbol, exchange)?.last;
      return p !== undefined && p > 0 ? p : undefined;
    },
    equity() {
      return marks.equity().equity;
    },
    size(symbol, exchange) {
      const inst = find(symbol, exchange);
      return inst === undefined ? Number.NaN : size(inst, inst.last);
    },
  };
}
