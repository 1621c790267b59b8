/**
 * The fill desk: what happens once a matcher says an order trades. The account is settled
 * (portfolio/settle.ts), the order moves on in its life cycle, and the records say so in this
 * order: `fill`, `order`, `position` (closed, then opened), `balance`; then the strategy's `onFill`.
 */

import type { BacktestConfig } from '../backtest/config.js';
import { type Exact as Dec, dec, ZERO } from '../backtest/exact.js';
import { tidy } from '../backtest/money.js';
import type { Instrument } from '../market/instrument.js';
import type { Execution } from '../matching/execution.js';
import { slippedPrice } from '../matching/slippage.js';
import type { ConditionalDesk } from '../orders/conditional.js';
import type { Liquidity, Order } from '../orders/order.js';
import type { OrderDesk } from '../orders/orders.js';
import type { Balances } from '../portfolio/balances.js';
import type { Fees } from '../portfolio/fees.js';
import type { MarginCall } from '../portfolio/liquidation.js';
import { fillValue, refusalAtFill, settle } from '../portfolio/settle.js';
import type { WireRecord } from '../records/record.js';
import { US_PER_DAY } from '../records/time.js';
import { limitsFor } from '../risk/checks.js';
import type { KellyStats } from '../sizing/sizing.js';
import type { Clock } from './clock.js';
import type { Recorder } from './records.js';
import type { BacktestReport } from './report.js';

export class FillDesk implements Execution {
  /** OCO groups and brackets (set once the desk exists: it fills through this one). */
  conditional: ConditionalDesk | undefined;

  constructor(
    readonly clock: Clock,
    private readonly cfg: BacktestConfig,
    private readonly balances: Balances,
    private readonly fees: Fees,
    private readonly orders: OrderDesk,
    private readonly rec: Recorder,
    private readonly report: BacktestReport,
    private readonly kelly: KellyStats,
    /** The strategy's `onFill`, when it has one. */
    private readonly onFill: ((fill: WireRecord) => void) | undefined,
  ) {}

  slipped(o: Order, price: number, amount: number): number {
    return slippedPrice(this.cfg.execution, o.inst, o.side, price, amount);
  }

  fillMarket(o: Order, price: number): void {
    const rest = o.amount.minus(o.filled);
    this.fill(o, this.slipped(o, price, rest.toNumber()), rest, 'taker');
  }

  expire(o: Order, reason: string): void {
    this.orders.end(o, 'expired', reason);
  }

  fill(o: Order, price: number, amount: Dec, liquidity: Liquidity): void {
    if (amount.lessThanOrEqualTo(ZERO)) return;
    const inst = o.inst;
    const value = fillValue(o, price, amount);
    const refused = refusalAtFill(
      this.balances,
      this.fees,
      this.cfg.execution.allow_short,
      o,
      price,
      amount,
      liquidity,
      value,
    );
    if (refused !== undefined) {
      this.orders.end(o, 'rejected', refused);
      return;
    }
    const s = settle(
      this.balances,
      this.fees,
      this.cfg.risk.max_leverage,
      o,
      price,
      amount,
      liquidity,
      this.clock.stamp(),
      value,
    );
    o.filled = o.filled.plus(amount);
    o.filledNum = o.filled.toNumber();
    this.report.fills++;
    const fillRec = this.rec.fill(o, price, amount, s.fee, liquidity);
    const done = o.filled.greaterThanOrEqualTo(o.amount);
    this.orders.transition(o, done ? 'fill' : 'partial_fill', undefined);
    if (done) this.orders.remove(o);
    const closed = s.effect.closed;
    if (closed !== undefined) {
      this.report.positionsClosed++;
      this.kelly.record(closed.pnl);
      this.rec.positionClosed(inst, closed);
      const ms = limitsFor(this.cfg.risk, inst).cooldown_after_loss_ms;
      if (ms !== undefined && closed.pnl < 0) inst.cooldownUntilUs = this.clock.us + ms * 1000;
    }
    if (s.effect.opened) {
      this.rec.positionOpened(inst, inst.pos);
      // The day's trades (max_trades_per_day): positions opened per UTC day.
      const day = Math.floor(this.clock.us / US_PER_DAY);
      if (day !== inst.tradesDay) {
        inst.tradesDay = day;
        inst.tradesToday = 0;
      }
      inst.tradesToday++;
    }
    for (const b of s.touched) this.rec.balance(b);
    if (o.oco !== undefined || o.bracket !== undefined) this.conditional?.afterFill(o, amount);
    if (fillRec !== undefined) this.onFill?.(fillRec);
  }

  /** A market order for the whole position at the last price (end of input, commands, trading disabled). */
  closeAtLast(inst: Instrument, reason: string): void {
    if (inst.pos.qty.isZero() || !(inst.last > 0)) return;
    const o = this.orders.create({
      inst,
      side: inst.pos.qty.isNegative() ? 'buy' : 'sell',
      kind: 'market',
      price: undefined,
      amount: inst.pos.qty.abs(),
      tif: 'gtc',
      postOnly: false,
      reduceOnly: true,
      tag: reason,
    });
    this.orders.transition(o, 'submit', undefined);
    this.fillMarket(o, inst.last);
  }

  /** Liquidates an account under its maintenance margin (portfolio/liquidation.ts). */
  liquidate(call: MarginCall, orders: OrderDesk): void {
    for (const i of call.positions) {
      const quote = this.balances.settleOf(i);
      const notional = i.inverse
        ? (Math.abs(i.pos.qtyNum) * i.csNum) / i.last
        : Math.abs(i.pos.qtyNum) * i.last * i.csNum;
      const fee = dec(tidy(notional * i.liquidationFee));
      this.rec.liquidation(i, fee.toNumber(), call.equity, call.maintenance);
      orders.cancelAll(i, 'liquidation');
      this.closeAtLast(i, 'liquidation');
      if (!fee.isZero()) {
        quote.add(fee.negated());
        this.rec.balance(quote);
      }
    }
  }
}
