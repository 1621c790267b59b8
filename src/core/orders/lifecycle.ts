/**
 * The order life cycle as one table of (state, event) -> state (docs/execution.md). Any pair not in
 * the table is an engine bug, never a silent state change.
 *
 *   state \ event     submit  accept  trigger    partial_fill      fill    cancel     expire   reject
 *   (created)         new
 *   new                       open    triggered  partially_filled  filled  cancelled  expired  rejected
 *   open                              triggered  partially_filled  filled  cancelled  expired  rejected
 *   triggered                                    partially_filled  filled  cancelled  expired  rejected
 *   partially_filled                             partially_filled  filled  cancelled  expired  rejected
 *
 * A conditional order (stop, stop_limit, take_profit, trailing_stop) is `open` while it waits for
 * its trigger and `triggered` once it has (then it executes as a market or limit order).
 *
 * An open or partly filled order is rejected when a fill no longer fits the free balance (spot,
 * portfolio/settle.ts refusalAtFill).
 *   filled, cancelled, expired, rejected: final
 */

export type OrderStatus =
  | 'created'
  | 'new'
  | 'open'
  | 'triggered'
  | 'partially_filled'
  | 'filled'
  | 'cancelled'
  | 'expired'
  | 'rejected';
export type OrderEvent =
  | 'submit'
  | 'accept'
  | 'trigger'
  | 'partial_fill'
  | 'fill'
  | 'cancel'
  | 'expire'
  | 'reject';

export const LIFECYCLE: Readonly<Record<OrderStatus, Partial<Record<OrderEvent, OrderStatus>>>> = {
  created: { submit: 'new' },
  new: {
    accept: 'open',
    trigger: 'triggered',
    partial_fill: 'partially_filled',
    fill: 'filled',
    cancel: 'cancelled',
    expire: 'expired',
    reject: 'rejected',
  },
  open: {
    trigger: 'triggered',
    partial_fill: 'partially_filled',
    fill: 'filled',
    cancel: 'cancelled',
    expire: 'expired',
    reject: 'rejected',
  },
  triggered: {
    partial_fill: 'partially_filled',
    fill: 'filled',
    cancel: 'cancelled',
    expire: 'expired',
    reject: 'rejected',
  },
  partially_filled: {
    partial_fill: 'partially_filled',
    fill: 'filled',
    cancel: 'cancelled',
    expire: 'expired',
    reject: 'rejected',
  },
  filled: {},
  cancelled: {},
  expired: {},
  rejected: {},
};
