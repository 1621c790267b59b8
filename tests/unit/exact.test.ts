/**
 * Exact (the backtest account's decimals: scaled integers, decimal.js beyond them) must give, for
 * every operation, the value decimal.js gives (40 digits, half-even) and the same double (wide
 * values, BigInt mantissas of up to 40 digits, included). The
 * operands are drawn to land on both sides of every bound: digits around 15 and 16, scales around
 * 22, integers around 2^53, steps that do and do not divide.
 */

import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { BigDec, dec, Exact, ROUND_DOWN, ROUND_HALF_UP, ZERO } from '../../src/core/backtest/exact.js';
import { Rng } from '../../src/core/generate/random.js';

const Ref = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
type Ref = InstanceType<typeof Ref>;

/** Checks value and double (only failures reach expect, which is slow over 10^5 cases). */
function agree(mine: Exact, ref: Ref, what: string): void {
  const value = mine.toBig();
  if (!(value.equals(ref) || (value.isNaN() && ref.isNaN())))
    expect(`${what}: ${mine.toString()}`).toBe(`${what}: ${ref.toString()}`);
  // Zero has no sign in Exact: compare doubles with 0 === -0.
  const a = mine.toNumber();
  const b = ref.toNumber();
  if (!(a === b || (Number.isNaN(a) && Number.isNaN(b))))
    expect(`${what} toNumber: ${a}`).toBe(`${what} toNumber: ${b}`);
}

function same<T>(a: T, b: T, what: string): void {
  if (a !== b) expect(`${what}: ${a}`).toBe(`${what}: ${b}`);
}

/** A random decimal text: 1 to 19 digits, scaled to between 12 places left and 24 right of the point. */
function text(rng: Rng): string {
  const shape = rng.int(0, 9);
  if (shape === 0) return '0';
  if (shape === 1) {
    // Integers around 2^53.
    const n = 2n ** 53n + BigInt(rng.int(-3000, 3000));
    return `${rng.uniform() < 0.5 ? '-' : ''}${n}`;
  }
  const digits = 1 + rng.int(0, 18);
  let s = String(rng.int(1, 9));
  for (let i = 1; i < digits; i++) s += String(rng.int(0, 9));
  const places = shape < 6 ? rng.int(0, 8) : rng.int(-12, 24);
  return `${rng.uniform() < 0.3 ? '-' : ''}${s}e${-places}`;
}

describe('Exact', () => {
  it('holds small figures as scaled integers, and the rest as decimal.js values', () => {
    expect(dec(42101.18).isScaled).toBe(true);
    expect(dec(42101.18).m).toBe(4210118);
    expect(dec(42101.18).k).toBe(2);
    expect(dec(0.01).times(dec(42101.18)).toString()).toBe('421.0118');
    expect(dec('1.5e-30').isScaled).toBe(false);
    expect(dec('12345678901234567').isScaled).toBe(false);
    expect(dec(1).dividedBy(dec(3)).isScaled).toBe(false);
    expect(dec(421.0118).dividedBy(dec(0.01)).isScaled).toBe(true);
    expect(dec(421.0118).dividedBy(dec(0.01)).toNumber()).toBe(42101.18);
    expect(dec(1).dividedBy(dec(8)).toString()).toBe('0.125');
    expect(dec(12000).dividedBy(dec(0.004)).toString()).toBe('3000000');
    expect(dec(1).dividedBy(dec(3)).toString()).toBe('0.3333333333333333333333333333333333333333');
    expect(dec(-0).isNegative()).toBe(false);
    expect(dec(2.5).minus(dec(2.5))).toBe(ZERO);
  });

  it('reads text as decimal.js does, and gives the same double, at the edges', () => {
    for (const v of [
      '0',
      '-0',
      '1',
      '-1',
      '0.1',
      '42101.18',
      '0.4210118',
      '0.00000001',
      '1e-22',
      '1e-23',
      '123456789012345',
      '1234567890123456',
      '0.1234567890123456789',
      '9007199254740991',
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
      agree(dec(v), new Ref(v), v);
  });

  it('reads a double as decimal.js does (the value of its shortest text)', () => {
    const rng = new Rng(7);
    const values = [
      0.1,
      0.3,
      1e-7,
      1e-22,
      5e-324,
      1e21,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 60),
      1 / 3,
      123.456,
      Math.PI,
    ];
    for (let i = 0; i < 50_000; i++) values.push(Number(text(rng)), rng.uniform() * 10 ** rng.int(-10, 20));
    for (const v of values) agree(dec(v), new Ref(v), `dec(${v})`);
  });

  it('agrees with decimal.js on 300,000 sums, differences, products, quotients and comparisons', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 60_000; i++) {
      const ta = text(rng);
      const tb = text(rng);
      const a = dec(ta);
      const b = dec(tb);
      const ra = new Ref(ta);
      const rb = new Ref(tb);
      agree(a, ra, ta);
      agree(a.plus(b), ra.plus(rb), `${ta} + ${tb}`);
      agree(a.minus(b), ra.minus(rb), `${ta} - ${tb}`);
      agree(a.times(b), ra.times(rb), `${ta} * ${tb}`);
      if (!rb.isZero()) {
        agree(a.dividedBy(b), ra.dividedBy(rb), `${ta} / ${tb}`);
        // Quotients that are exact (a product over one of its factors, a sum of prices over a count).
        agree(a.times(b).dividedBy(b), ra.times(rb).dividedBy(rb), `${ta} * ${tb} / ${tb}`);
        const n = 1 + (i % 40);
        agree(a.dividedBy(dec(n)), ra.dividedBy(n), `${ta} / ${n}`);
        agree(dec(n).dividedBy(b), new Ref(n).dividedBy(rb), `${n} / ${tb}`);
      }
      agree(a.negated(), ra.negated(), `-${ta}`);
      agree(a.abs(), ra.abs(), `|${ta}|`);
      agree(a.floor(), ra.floor(), `floor ${ta}`);
      agree(a.ceil(), ra.ceil(), `ceil ${ta}`);
      same(a.cmp(b), ra.comparedTo(rb), `cmp ${ta} ${tb}`);
      same(a.lessThan(b), ra.lessThan(rb), `${ta} < ${tb}`);
      same(a.greaterThanOrEqualTo(b), ra.greaterThanOrEqualTo(rb), `${ta} >= ${tb}`);
      same(a.isZero(), ra.isZero(), `${ta} is zero`);
      same(a.isNegative(), ra.isNegative() && !ra.isZero(), `${ta} is negative`);
      // Chains: results fed back in (a scaled integer meeting a decimal.js value and back).
      const c = a
        .times(b)
        .plus(a)
        .minus(b.dividedBy(dec(7)));
      agree(c, ra.times(rb).plus(ra).minus(rb.dividedBy(7)), `chain ${ta} ${tb}`);
    }
  });

  it('rounds to a step as decimal.js toNearest does (down, and half up), positive and negative', () => {
    const rng = new Rng(13);
    const steps = ['0.01', '0.00001', '0.5', '1', '0.1', '0.25', '5', '1e-8', '0.0001', '3'];
    for (let i = 0; i < 40_000; i++) {
      const ta = i % 4 === 0 ? String(rng.int(-2000, 2000) / 200) : text(rng);
      const ts = steps[rng.int(0, steps.length - 1)]!;
      const a = dec(ta);
      const s = dec(ts);
      agree(a.toNearest(s, ROUND_DOWN), new Ref(ta).toNearest(ts, Decimal.ROUND_DOWN), `${ta} down to ${ts}`);
      agree(
        a.toNearest(s, ROUND_HALF_UP),
        new Ref(ta).toNearest(ts, Decimal.ROUND_HALF_UP),
        `${ta} half-up to ${ts}`,
      );
    }
    // Ties: half up goes away from zero, down goes towards it.
    expect(dec(0.125).toNearest(dec(0.01), ROUND_HALF_UP).toNumber()).toBe(0.13);
    expect(dec(-0.125).toNearest(dec(0.01), ROUND_HALF_UP).toNumber()).toBe(-0.13);
    expect(dec(0.01999).toNearest(dec(0.01), ROUND_DOWN).toNumber()).toBe(0.01);
    expect(dec(-0.01999).toNearest(dec(0.01), ROUND_DOWN).toNumber()).toBe(-0.01);
  });

  it('keeps an account of wide figures (a fill notional of 17 digits, balances of 27) exactly as decimal.js does', () => {
    // An amount of twelve digits (1 / price, as fixed-notional sizing gives) times a price of two
    // places is beyond the scaled integers; a billion less 20,000 of them is beyond them too.
    const rng = new Rng(17);
    let cash = dec(1e9);
    let ref = new Ref(1e9);
    let reserved = ZERO;
    let refReserved = new Ref(0);
    for (let i = 0; i < 20_000; i++) {
      const price = 100 + rng.int(0, 4999) / 100;
      const amount = Number((1 / price).toPrecision(12));
      const notional = dec(price).times(dec(amount));
      const refNotional = new Ref(price).times(new Ref(amount));
      agree(notional, refNotional, `${price} x ${amount}`);
      if (i === 0) expect(notional.isScaled).toBe(false);
      reserved = reserved.plus(notional);
      refReserved = refReserved.plus(refNotional);
      cash = i % 2 === 0 ? cash.minus(notional) : cash.plus(notional.times(dec(0.999)));
      ref = i % 2 === 0 ? ref.minus(refNotional) : ref.plus(refNotional.times(0.999));
      agree(cash, ref, `cash after ${i + 1}`);
      same(cash.minus(reserved).cmp(cash), ref.minus(refReserved).comparedTo(ref), `free ${i}`);
      // An exit price: the sum of price x amount over the amount, exact.
      agree(notional.dividedBy(dec(amount)), refNotional.dividedBy(amount), `${notional} / ${amount}`);
    }
    agree(reserved, refReserved, 'reserved');
    agree(cash.minus(reserved).negated().abs(), ref.minus(refReserved).negated().abs(), 'free');
  });

  it('keeps its decimal.js form once made, and makes it exactly', () => {
    const x = dec(42101.18);
    expect(x.toBig()).toBe(x.toBig());
    expect(x.toBig().equals(new BigDec('42101.18'))).toBe(true);
    expect(Exact.of(new BigDec('4210118e-2'))).toEqual(dec(42101.18));
  });
});
