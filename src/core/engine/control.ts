/**
 * The engine records in the input (docs/backtest.md, "Engine records"): `balance` sets a balance,
 * `trading_state` enables or disables trading (with on_disable=close, disabling cancels orders and
 * closes positions), `command` cancels orders or closes positions (optionally of one venue or
 * symbol), `disconnect` marks a venue (or one symbol) down until its data resumes.
 */

import type { BacktestConfig } from '../backtest/config.js';
import { dec } from '../backtest/exact.js';
import { DataError } from '../errors.js';
import type { Instrument } from '../market/instrument.js';
import type { OrderDesk } from '../orders/orders.js';
import type { Balances } from '../portfolio/balances.js';
import type { WireRecord } from '../records/record.js';
import type { TradingState } from '../risk/trading-state.js';
import type { FillDesk } from './fills.js';
import type { Recorder } from './records.js';

export const ENGINE_TYPES: ReadonlySet<string> = new Set([
  'balance',
  'trading_state',
  'command',
  'disconnect',
]);

export class Control {
  constructor(
    private readonly cfg: BacktestConfig,
    private readonly insts: readonly Instrument[],
    private readonly balances: Balances,
    private readonly state: TradingState,
    private readonly orders: OrderDesk,
    private readonly fills: FillDesk,
    private readonly rec: Recorder,
    private readonly where: (rec: WireRecord) => string,
    /** Shows a `disconnect` record to the strategy. */
    private readonly onDisconnect: (rec: WireRecord) => void,
  ) {}

  /** Cancels the instrument's orders and closes its position. */
  private flatten(inst: Instrument, reason: string): void {
    this.orders.cancelAll(inst, reason);
    this.fills.closeAtLast(inst, reason);
  }

  apply(rec: WireRecord): void {
    const insts = this.insts;
    switch (rec.type) {
      case 'balance': {
        const ex = rec.exchange;
        const asset = rec.asset;
        const total = Number(rec.total);
        if (typeof ex !== 'string' || typeof asset !== 'string' || !(total >= 0))
          throw new DataError(this.where(rec), 'a balance record needs "exchange", "asset" and "total" >= 0');
        const b = this.balances.of(ex, asset.toLowerCase());
        b.set(dec(total));
        this.rec.balance(b);
        return;
      }
      case 'trading_state': {
        if (typeof rec.enabled !== 'boolean')
          throw new DataError(this.where(rec), 'a trading_state record needs "enabled": true or false');
        this.state.set(rec.enabled);
        this.rec.tradingState(rec.enabled, 'input');
        if (!rec.enabled && this.cfg.on_disable === 'close')
          for (const inst of insts) this.flatten(inst, 'trading disabled');
        return;
      }
      case 'command': {
        const action = rec.action;
        const match = (inst: Instrument): boolean =>
          (rec.exchange === undefined || rec.exchange === inst.exchange) &&
          (rec.symbol === undefined || rec.symbol === inst.symbol);
        if (action === 'cancel_orders') {
          for (const inst of insts) if (match(inst)) this.orders.cancelAll(inst, 'command');
        } else if (action === 'close_positions') {
          for (const inst of insts) if (match(inst)) this.flatten(inst, 'command');
        } else
          throw new DataError(
            this.where(rec),
            `expected "action": "close_positions" or "cancel_orders", found ${JSON.stringify(action)}`,
          );
        return;
      }
      case 'disconnect': {
        const ex = rec.exchange;
        if (typeof ex === 'string')
          this.state.venuesDown.add(rec.symbol === undefined ? ex : `${ex}:${String(rec.symbol)}`);
        this.onDisconnect(rec);
        return;
      }
    }
  }
}
