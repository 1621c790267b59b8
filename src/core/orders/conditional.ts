/**
 * What conditional orders do (docs/execution.md, "Order types"): triggering (the rules are in
 * triggers.ts), one-cancels-other groups and brackets.
 *
 * - On trigger: a reduce-only order is capped to the position it reduces (refused when it would not
 *   reduce); its `order` record says `triggered` and when; the other orders of its OCO group are
 *   cancelled; then it executes as a market order (on a candle at once, at the open when the
 *   candle gapped through, else at the trigger price, with slippage; on ticks through the matcher,
 *   at the record's price) or as a limit arriving at the market.
 * - OCO (`oco`: a group name, within an instrument): when one order of the group fills (in part or
 *   whole) or triggers, the others are cancelled (`oco: order N filled|triggered`).
 * - Bracket (`bracket: {stop_loss, take_profit}` on a market or limit entry): when the entry fills,
 *   a reduce-only stop (at stop_loss) and a reduce-only take-profit (at take_profit, market) on the
 *   other side become active, for the amount filled, in an OCO group of their own; later fills of
 *   the entry grow them, a partial fill of one shrinks the other by as much. They reserve nothing
 *   (they only reduce the position the entry opened); the free balance is checked when they fill.
 * - On a candle whose range holds both legs, the stop triggers first (conservative), or the
 *   take-profit with `execution.candle_both_legs: "take_profit"`.
 */

import type { BacktestConfig } from '../backtest/config.js';
import type { Clock } from '../engine/clock.js';
import type { Instrument } from '../market/instrument.js';
import type { Execution } from '../matching/execution.js';
import type { Order } from './order.js';
import type { OrderDesk } from './orders.js';
import { fires, isStop, ratchet, type TriggerEvent } from './triggers.js';

export class ConditionalDesk {
  constructor(
    private readonly cfg: BacktestConfig,
    private readonly clock: Clock,
    private readonly orders: OrderDesk,
    private readonly x: Execution,
  ) {}

  /**
   * The instrument's armed conditional orders against one market event; on a candle, `openText`
   * (the time `openUs`) stamps the triggers and fills of those that gapped through.
   */
  evaluate(inst: Instrument, e: TriggerEvent, openText?: string, openUs = Number.NaN): void {
    let any = false;
    for (const o of inst.orders) if (o.armed && o.cond!.triggeredAt === undefined) any = true;
    if (!any) return;
    const waiting = inst.orders.filter((o) => o.armed && o.cond!.triggeredAt === undefined);
    if (openText !== undefined) {
      // Both legs in one candle: the documented order decides which acts first.
      const stopFirst = this.cfg.execution.candle_both_legs === 'stop';
      waiting.sort((a, b) => Number(isStop(b) === stopFirst) - Number(isStop(a) === stopFirst));
    }
    for (const o of waiting) {
      if (o.status !== 'open') continue; // cancelled by an OCO partner meanwhile
      const hint = fires(o, e);
      if (hint === undefined) {
        ratchet(o, e);
        continue;
      }
      // A gap through the trigger triggers (and fills) at the open; else within the candle, at its close.
      const atOpen = openText !== undefined && hint !== o.cond!.trigger;
      if (atOpen) this.clock.stampAt(openUs, openText);
      this.trigger(o, hint, openText);
      if (atOpen) this.clock.reset();
    }
  }

  private trigger(o: Order, hint: number, openText: string | undefined): void {
    const inst = o.inst;
    if (o.reduceOnly) {
      const pos = inst.pos.qtyNum;
      if (!(o.side === 'buy' ? pos < 0 : pos > 0)) {
        this.orders.end(o, 'rejected', 'reduce-only order would not reduce the position');
        return;
      }
      const left = o.amount.minus(o.filled);
      if (left.greaterThan(inst.pos.qty.abs()))
        this.resize(o, o.filled.plus(inst.pos.qty.abs()), 'reduce-only: capped to the position');
    }
    o.cond!.triggeredAt = this.clock.stamp();
    this.orders.transition(o, 'trigger', undefined);
    this.cancelGroup(o, 'triggered');
    o.armed = false;
    o.live = true;
    if (o.kind === 'limit') {
      // On a candle, a stop-limit whose limit is marketable at the price it triggered at (the
      // trigger, or the open of a gap) fills there on this candle, as backtrader's StopLimit does;
      // one whose limit is not waits from the next record (the rest of this candle's path is unknown).
      const limit = o.price!;
      if (openText !== undefined && (o.side === 'buy' ? limit >= hint : limit <= hint)) {
        const rest = o.amount.minus(o.filled);
        const slipped = this.x.slipped(o, hint, rest.toNumber());
        const price = o.side === 'buy' ? Math.min(slipped, limit) : Math.max(slipped, limit);
        this.x.fill(o, price, rest, 'taker');
        if (o.status === 'triggered') this.orders.arrive(o);
        return;
      }
      this.orders.arrive(o);
      return;
    }
    if (Number.isNaN(hint)) return; // ticks: the matcher of this record fills it
    this.x.fillMarket(o, hint);
  }

  /** The other live orders of `o`'s OCO group, cancelled. */
  private cancelGroup(o: Order, what: 'filled' | 'triggered'): void {
    if (o.oco === undefined) return;
    for (const other of [...o.inst.orders])
      if (other !== o && other.oco === o.oco)
        this.orders.end(other, 'cancelled', `oco: order ${o.id} ${what}`);
  }

  /** A new amount, written as an `order` record (same status) with the reason. */
  private resize(o: Order, amount: Order['amount'], reason?: string): void {
    o.amount = amount;
    o.amountNum = amount.toNumber();
    if (reason !== undefined) this.orders.changed(o, reason);
  }

  /** After a fill of `amount` of `o`: OCO partners, a bracket's children, a child's sibling. */
  afterFill(o: Order, amount: Order['amount']): void {
    if (o.parentId !== undefined) {
      // A bracket child: its sibling shrinks by as much (and is cancelled when nothing is left).
      for (const other of [...o.inst.orders]) {
        if (other === o || other.oco !== o.oco) continue;
        const rest = other.amount.minus(amount);
        if (rest.greaterThan(other.filled))
          this.resize(other, rest, `bracket: order ${o.id} filled ${amount.toNumber()}`);
        else this.orders.end(other, 'cancelled', `oco: order ${o.id} filled`);
      }
    } else this.cancelGroup(o, 'filled');
    const b = o.bracket;
    if (b === undefined) return;
    const live = o.children.filter((c) => c.status === 'new' || c.status === 'open');
    if (live.length > 0) {
      for (const c of live)
        this.resize(c, c.amount.plus(amount), `bracket: entry ${o.id} filled ${o.filledNum}`);
      return;
    }
    if (o.children.length > 0) return; // the bracket already closed
    const side = o.side === 'buy' ? 'sell' : 'buy';
    const leg = (type: 'stop' | 'take_profit', trigger: number): Order => {
      const c = this.orders.create({
        inst: o.inst,
        side,
        kind: 'market',
        price: undefined,
        amount: amount,
        tif: 'gtc',
        postOnly: false,
        reduceOnly: true,
        tag: o.tag,
        type,
        cond: {
          trigger,
          trail: undefined,
          trailPercent: undefined,
          best: Number.NaN,
          triggeredAt: undefined,
        },
        oco: `bracket:${o.id}`,
        parentId: o.id,
      });
      o.children.push(c);
      this.orders.add(c);
      this.orders.transition(c, 'submit', undefined);
      if (c.liveUs <= this.clock.us) this.orders.activate(c);
      return c;
    };
    leg('stop', b.stop_loss);
    leg('take_profit', b.take_profit);
  }
}
