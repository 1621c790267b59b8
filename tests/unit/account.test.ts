/**
 * toNum (exact.ts: the backtest account's decimal.js-to-double conversion without decimal.js's text round trip)
 * must give exactly the double toNumber gives, for every decimal.
 */

import { describe, expect, it } from 'vitest';
import { BigDec as D, toNum } from '../../src/core/backtest/exact.js';
import { Rng } from '../../src/core/generate/random.js';

type Dec = D;

function same(x: Dec): void {
  expect(Object.is(toNum(x), x.toNumber()), `${x.toString()}: ${toNum(x)} vs ${x.toNumber()}`).toBe(true);
}

describe('toNum', () => {
  it('the edge cases: zero and minus zero, powers of ten, 15 and 16 digits, tiny and huge, NaN and infinities', () => {
    for (const v of [
      '0',
      '-0',
      '1',
      '-1',
      '0.1',
      '0.3',
      '42101.18',
      '0.4210118',
      '0.00000001',
      '1e-22',
      '1e-23',
      '123456789012345',
      '1234567890123456',
      '0.1234567890123456789',
      '9007199254740992',
      '9007199254740993',
      '1e21',
      '1e22',
      '1e23',
      '123e20',
      '1e300',
      '1e-300',
      '1e-400',
      '1e400',
      'NaN',
      'Infinity',
      '-Infinity',
    ])
      same(new D(v));
  });

  it('agrees with toNumber on 200,000 decimals: parsed, summed, multiplied and divided', () => {
    const rng = new Rng(11);
    const decimal = (): Dec => {
      const digits = 1 + rng.int(0, 17);
      let s = String(rng.int(1, 9));
      for (let i = 1; i < digits; i++) s += String(rng.int(0, 9));
      const scale = rng.int(-12, 12);
      const x = new D(`${rng.uniform() < 0.3 ? '-' : ''}${s}e${scale - digits + 1}`);
      return x;
    };
    for (let i = 0; i < 50_000; i++) {
      const a = decimal();
      const b = decimal();
      same(a);
      same(a.plus(b));
      same(a.times(b));
      same(a.dividedBy(b));
    }
  });
});
