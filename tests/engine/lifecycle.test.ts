/** The order life-cycle table (src/core/orders/lifecycle.ts), cell by cell against the documented table. */

import { describe, expect, it } from 'vitest';
import { LIFECYCLE, type OrderEvent, type OrderStatus } from '../../src/core/orders/lifecycle.js';

const EVENTS: OrderEvent[] = [
  'submit',
  'accept',
  'trigger',
  'partial_fill',
  'fill',
  'cancel',
  'expire',
  'reject',
];
const STATES: OrderStatus[] = [
  'created',
  'new',
  'open',
  'triggered',
  'partially_filled',
  'filled',
  'cancelled',
  'expired',
  'rejected',
];

// docs/execution.md's table, written out again: one row per state, one column per event (- = refused).
const TABLE: Record<OrderStatus, string> = {
  //                 submit accept trigger    partial_fill       fill    cancel     expire   reject
  created: '          new    -      -          -                  -       -          -        -',
  new: '              -      open   triggered  partially_filled   filled  cancelled  expired  rejected',
  open: '             -      -      triggered  partially_filled   filled  cancelled  expired  rejected',
  triggered: '        -      -      -          partially_filled   filled  cancelled  expired  rejected',
  partially_filled: '-      -      -          partially_filled   filled  cancelled  expired  rejected',
  filled: '           -      -      -          -                  -       -          -        -',
  cancelled: '        -      -      -          -                  -       -          -        -',
  expired: '          -      -      -          -                  -       -          -        -',
  rejected: '         -      -      -          -                  -       -          -        -',
};

describe('order life cycle', () => {
  for (const state of STATES) {
    const row = TABLE[state].trim().split(/\s+/);
    for (const [i, event] of EVENTS.entries()) {
      const want = row[i] === '-' ? undefined : row[i];
      it(`${state} + ${event} -> ${want ?? 'refused'}`, () => {
        expect(LIFECYCLE[state][event]).toBe(want);
      });
    }
  }

  it('has no state or event beyond the documented ones', () => {
    expect(Object.keys(LIFECYCLE).sort()).toEqual([...STATES].sort());
    for (const s of STATES) for (const e of Object.keys(LIFECYCLE[s])) expect(EVENTS).toContain(e);
  });
});
