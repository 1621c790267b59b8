/**
 * The order desk: creates orders, moves them through the life-cycle table (lifecycle.ts) writing an
 * `order` record per change, activates them when their entry latency has elapsed, and ends them
 * (cancelled, expired, rejected), releasing what they reserved.
 */

import { ZERO } from '../backtest/exact.js';
import { DOUBLE_FIELD } from '../double-field.js';
import type { Clock } from '../engine/clock.js';
import type { Recorder } from '../engine/records.js';
import type { BacktestReport } from '../engine/report.js';
import { TickpipeError } from '../errors.js';
import type { Instrument } from '../market/instrument.js';
import { arrivalReference, queueAhead } from '../matching/arrival.js';
import { releaseAll } from '../portfolio/settle.js';
import { LIFECYCLE, type OrderEvent } from './lifecycle.js';
import { type Order, type OrderSpec, rests } from './order.js';
import { trailFrom } from './triggers.js';

export type EndStatus = 'cancelled' | 'expired' | 'rejected';
const END_EVENT: Readonly<Record<EndStatus, OrderEvent>> = {
  cancelled: 'cancel',
  expired: 'expire',
  rejected: 'reject',
};

export class OrderDesk {
  private nextId = 1;
  /**
   * The instruments with an order waiting for a time (its entry latency, a cancel, a good-till
   * date, an amend): what `due` visits on a new time, so its cost follows those, not all the
   * instruments (#20: a run over 100,000 symbols).
   */
  private readonly pending = new Set<Instrument>();
  /** Applies an amend whose latency has elapsed (engine/amend.ts). */
  onAmend: ((o: Order) => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly rec: Recorder,
    private readonly report: BacktestReport,
    private readonly latencyUs: number,
  ) {}

  /** An id for a refusal that never became an order (ids are shared with orders). */
  takeId(): number {
    return this.nextId++;
  }

  /** A new order in state `created`, live after the entry latency. */
  create(s: OrderSpec): Order {
    const o: Order = {
      id: this.nextId++,
      inst: s.inst,
      side: s.side,
      kind: s.kind,
      price: s.price,
      amount: s.amount,
      amountNum: s.amount.toNumber(),
      filled: ZERO,
      filledNum: DOUBLE_FIELD, // then 0: a double field (double-field.ts)
      tif: s.tif,
      postOnly: s.postOnly,
      reduceOnly: s.reduceOnly,
      status: 'created',
      liveUs: this.clock.us + this.latencyUs,
      cancelUs: Number.POSITIVE_INFINITY,
      live: false,
      taker: s.kind === 'market',
      reserve: undefined,
      reserved: ZERO,
      queue: Number.POSITIVE_INFINITY,
      tag: s.tag,
      atClose: false,
      type: s.type ?? s.kind,
      cond: s.cond,
      oco: s.oco,
      bracket: s.bracket,
      children: [],
      parentId: s.parentId,
      expireUs: s.expireUs ?? Number.POSITIVE_INFINITY,
      armed: false,
      amend: undefined,
    };
    o.filledNum = 0;
    this.report.orders++;
    return o;
  }

  transition(o: Order, event: OrderEvent, reason: string | undefined): void {
    const next = LIFECYCLE[o.status][event];
    if (next === undefined)
      throw new TickpipeError(`internal: order ${o.id} cannot ${event} when ${o.status}`);
    o.status = next;
    this.rec.order(o, reason);
  }

  /** Puts an order on its instrument's book of live orders. */
  add(o: Order): void {
    o.inst.orders.push(o);
    if (waits(o) || o.liveUs > this.clock.us) this.pending.add(o.inst);
  }

  /** An order of `inst` now waits for a time (a cancel or an amend asked for). */
  watch(inst: Instrument): void {
    this.pending.add(inst);
  }

  /** An order changed without changing state (its amount): written, with the reason. */
  changed(o: Order, reason: string): void {
    this.rec.order(o, reason);
  }

  remove(o: Order): void {
    const list = o.inst.orders;
    const i = list.indexOf(o);
    if (i >= 0) list.splice(i, 1);
  }

  /** Ends an order: its reservation released, its final state written, off the book. */
  end(o: Order, status: EndStatus, reason: string | undefined): void {
    if (status === 'rejected') this.report.rejected++;
    releaseAll(o);
    this.transition(o, END_EVENT[status], reason);
    this.remove(o);
    if (o.reserve !== undefined) this.rec.balance(o.reserve);
  }

  cancelAll(inst: Instrument, reason: string): void {
    for (const o of [...inst.orders]) this.end(o, 'cancelled', reason);
  }

  /** Asks for a cancel, effective after the latency (at once without latency). */
  requestCancel(inst: Instrument, id: number | 'all'): void {
    const at = this.clock.us + this.latencyUs;
    this.pending.add(inst);
    if (id === 'all') {
      for (const o of inst.orders) if (o.cancelUs === Number.POSITIVE_INFINITY) o.cancelUs = at;
    } else {
      const o = inst.orders.find((x) => x.id === id);
      if (o !== undefined && o.cancelUs === Number.POSITIVE_INFINITY) o.cancelUs = at;
    }
    if (this.latencyUs === 0)
      for (const o of [...inst.orders]) if (o.cancelUs <= this.clock.us) this.end(o, 'cancelled', undefined);
  }

  /** On a new time: cancels, good-till-date expiries and activations whose time has come. */
  due(): void {
    const pending = this.pending;
    if (pending.size === 0) return;
    const now = this.clock.us;
    // In the registry's order, as a scan of every instrument would visit them.
    const insts = pending.size === 1 ? [...pending] : [...pending].sort((a, b) => a.index - b.index);
    for (const inst of insts) {
      for (const o of [...inst.orders]) {
        if (o.cancelUs <= now) this.end(o, 'cancelled', undefined);
        else if (o.expireUs <= now) this.end(o, 'expired', 'good till date');
        else if (o.amend !== undefined && o.amend.atUs <= now) this.onAmend?.(o);
        else if (!o.live && !o.armed && o.liveUs <= now) this.activate(o);
      }
      if (!inst.orders.some(waits)) pending.delete(inst);
    }
  }

  /**
   * An order becomes live. A limit learns whether it takes liquidity on arrival and its queue; a
   * post-only one that would take is rejected; a resting gtc one is accepted (`open`).
   */
  activate(o: Order): void {
    if (o.cond !== undefined && o.cond.triggeredAt === undefined) {
      this.arm(o);
      return;
    }
    o.live = true;
    if (o.kind === 'limit') this.arrive(o);
  }

  /** A conditional order waits for its trigger (orders/triggers.ts); a trailing stop starts from the price now. */
  private arm(o: Order): void {
    o.armed = true;
    const inst = o.inst;
    if (o.type === 'trailing_stop') {
      const ref =
        o.side === 'buy' ? (inst.ask > 0 ? inst.ask : inst.last) : inst.bid > 0 ? inst.bid : inst.last;
      o.cond!.best = ref;
      o.cond!.trigger = trailFrom(o, ref);
    }
    this.transition(o, 'accept', undefined);
  }

  /** A limit arriving at the market (placed, or a conditional one triggered). */
  arrive(o: Order): void {
    const inst = o.inst;
    const buy = o.side === 'buy';
    const p = o.price!;
    const ref = arrivalReference(inst, buy);
    o.taker = ref > 0 && (buy ? p >= ref : p <= ref);
    if (o.postOnly && o.taker) {
      this.end(o, 'rejected', `post-only ${o.side} at ${p} would take liquidity (market at ${ref})`);
      return;
    }
    o.queue = queueAhead(inst, o);
    if (rests(o) && !o.taker && o.status === 'new') this.transition(o, 'accept', undefined);
  }
}

/** Whether an order waits for a time: its activation, a cancel, a good-till date or an amend. */
function waits(o: Order): boolean {
  return (
    (!o.live && !o.armed && o.status !== 'rejected') ||
    o.cancelUs !== Number.POSITIVE_INFINITY ||
    o.expireUs !== Number.POSITIVE_INFINITY ||
    o.amend !== undefined
  );
}
