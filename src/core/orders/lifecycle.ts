/**
 * The order life cycle as one table of (state, event) -> state (docs/execution.md). Any pair not in
 * the table is an engine bug, never a silent state change.
 *
 *   state \ event     submit  accept  partial_fill      fill    cancel     expire   reject
 *   (created)         new
 *   new                       open    partially_filled  filled  cancelled  expired  rejected
 *   open                              partially_filled  filled  cancelled  expired
 *   partially_filled                  partially_filled  filled  cancelled  expired
 *   filled, cancelled, expired, rejected: final
 */

export type OrderStatus =
  | 'created'
  | 'new'
  | 'open'
  | 'partially_filled'
  | 'filled'
  | 'cancelled'
  | 'expired'
  | 'rejected';
export type OrderEvent = 'submit' | 'accept' | 'partial_fill' | 'fill' | 'cancel' | 'expire' | 'reject';

export const LIFECYCLE: Readonly<Record<OrderStatus, Partial<Record<OrderEvent, OrderStatus>>>> = {
  created: { submit: 'new' },
  new: {
    accept: 'open',
    partial_fill: 'partially_filled',
    fill: 'filled',
    cancel: 'cancelled',
    expire: 'expired',
    reject: 'rejected',
  },
  open: { partial_fill: 'partially_filled', fill: 'filled', cancel: 'cancelled', expire: 'expired' },
  partially_filled: {
    partial_fill: 'partially_filled',
    fill: 'filled',
    cancel: 'cancelled',
    expire: 'expired',
  },
  filled: {},
  cancelled: {},
  expired: {},
  rejected: {},
};
