/**
 * A balance's numbers (`totalNum`, `freeNum`, what balance records print) are the doubles of its
 * exact figures after every change: free = total - reserved - margin - held, checked against
 * decimal.js on a wide total (a figure past the scaled integers) and on plain ones.
 */

import { describe, expect, it } from 'vitest';
import { BigDec as D, dec } from '../../src/core/backtest/exact.js';
import { Balance } from '../../src/core/portfolio/balance.js';

describe('Balance numbers', () => {
  it('free follows total, reserved, margin and held, as decimal.js computes them', () => {
    const b = new Balance('binance_spot', 'usdt', dec(1_000_000_000));
    let total = new D(1_000_000_000);
    let reserved = new D(0);
    const steps: [string, string][] = [
      ['add', '-1.00000000000001'],
      ['reserve', '0.5'],
      ['add', '-0.00978569331637'],
      ['reserve', '0'],
      ['add', '0.123456789012345678'],
      ['reserve', '7.25'],
      ['reserve', '0'],
    ];
    for (const [op, v] of steps) {
      if (op === 'add') {
        b.add(dec(v));
        total = total.plus(v);
      } else {
        b.reserved = dec(v);
        reserved = new D(v);
      }
      expect(b.totalNum).toBe(total.toNumber());
      expect(b.freeNum).toBe(total.minus(reserved).toNumber());
      expect(b.free.toString()).toBe(total.minus(reserved).toString());
    }
    // A free balance below the total after a reservation, then equal to it again once released.
    b.reserved = dec('0.000000000000000001');
    expect(b.freeNum).toBe(total.minus('0.000000000000000001').toNumber());
    b.margin = dec(3);
    expect(b.freeNum).toBe(total.minus('0.000000000000000001').minus(3).toNumber());
    b.reserved = dec(0);
    b.margin = dec(0);
    expect(b.freeNum).toBe(b.totalNum);
    expect(b.freeNum).toBe(total.toNumber());
  });
});
