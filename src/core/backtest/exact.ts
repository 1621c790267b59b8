/**
 * Exact decimals for the backtest account, fast where the figures are small.
 *
 * An `Exact` is either a scaled integer, m x 10^-k with m a safe integer (|m| < 2^53) and 0 <= k <=
 * 22, or, when a value does not fit that, a decimal.js value (40 significant digits, half-even).
 * Sums, differences, products, rounding to a step, floor and ceiling of scaled integers are exact
 * integer operations on doubles, checked: a result that might not fit (an integer beyond 2^53, more
 * than 22 places) is computed by decimal.js instead, as is every quotient. A scaled-integer result
 * is exact and has at most 16 digits, so it is the value decimal.js would have given too: every
 * figure is the one an all-decimal.js account computes, at a small part of the cost (prices of two
 * places, amounts of five, fees of a few more: the fill path never leaves the integers).
 *
 * Between the two, a value of at most 40 digits that is a sum, difference, product or exact quotient
 * of such values (a fill's notional: a price of two places times an amount of twelve digits) is a
 * *wide* integer, a BigInt mantissa w x 10^-k: still exact, and still the value decimal.js gives
 * (its 40 digits hold it), at a small part of decimal.js's cost. A wider result goes to decimal.js.
 *
 * One difference: zero has no sign here (decimal.js keeps a negative zero, which prints as 0 anyway).
 */

import { Decimal } from 'decimal.js';
import { POW10 } from '../records/number-text.js';

/** decimal.js as the account uses it: 40 significant digits, half-even. */
export const BigDec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type BigDec = InstanceType<typeof BigDec>;

/** Rounding modes of `toNearest` (decimal.js's numbering). */
export const ROUND_DOWN = 1;
export const ROUND_HALF_UP = 4;

const MAX = Number.MAX_SAFE_INTEGER;
const MAX_K = 22;
/** A wide mantissa is below 10^40 (decimal.js's 40 digits), with at most MAX_WK places. */
const WIDE_LIMIT = 10n ** 40n;
const MAX_WK = 60;
const WIDE_MAX = BigInt(MAX);
/** 10^i as BigInts, for aligning wide mantissas (places differ by at most MAX_WK). */
const POW10N: readonly bigint[] = Array.from({ length: MAX_WK + 1 }, (_, i) => 10n ** BigInt(i));

export class Exact {
  /**
   * @param m the scaled integer (NaN when `big` holds the value)
   * @param k its decimal places
   * @param big the decimal.js value when the value is not a scaled integer; for a scaled integer,
   *   its decimal.js form once one was needed
   * @param w a wide value's mantissa (then m is NaN and k its places)
   */
  private constructor(
    readonly m: number,
    readonly k: number,
    private big: BigDec | undefined,
    private readonly w: bigint | undefined = undefined,
  ) {
    this.isScaled = !Number.isNaN(m);
  }

  /** w x 10^-k, as a scaled integer when it fits one, wide when below 10^40; else undefined. */
  private static wide(w: bigint, k: number): Exact | undefined {
    if (w === 0n) return ZERO;
    while (k > 0 && w % 10n === 0n) {
      w /= 10n;
      k--;
    }
    const a = w < 0n ? -w : w;
    if (a <= WIDE_MAX && k <= MAX_K) return new Exact(Number(w), k, undefined);
    if (a >= WIDE_LIMIT || k > MAX_WK) return undefined;
    return new Exact(Number.NaN, k, undefined, w);
  }

  /** The mantissa as a BigInt, for a scaled or wide value (undefined: a decimal.js one). */
  private wm(): bigint | undefined {
    return this.isScaled ? BigInt(this.m) : this.w;
  }

  /** this + y (y negated when `neg`) in wide integers, when both are scaled or wide and the result fits. */
  private wideSum(y: Exact, neg: boolean): Exact | undefined {
    let a = this.wm();
    let b = y.wm();
    if (a === undefined || b === undefined) return undefined;
    if (neg) b = -b;
    const k = this.k > y.k ? this.k : y.k;
    if (this.k < k) a *= POW10N[k - this.k]!;
    if (y.k < k) b *= POW10N[k - y.k]!;
    return Exact.wide(a + b, k);
  }

  /** Whether the value is held as a scaled integer (m, k), not only as a decimal.js value. */
  readonly isScaled: boolean;

  static readonly zero: Exact = new Exact(0, 0, undefined);

  /** m x 10^-k, without trailing zeros (zero is 0 x 10^0). The caller ensures |m| <= 2^53 - 1. */
  static scaled(m: number, k: number): Exact {
    if (m === 0) return ZERO;
    while (k > 0 && m % 10 === 0) {
      m /= 10;
      k--;
    }
    return new Exact(m, k, undefined);
  }

  /** A decimal.js value, as a scaled integer when it is one that fits. */
  static of(x: BigDec): Exact {
    const d = x.d;
    if (d === null || d === undefined) return new Exact(Number.NaN, 0, x);
    if (d[0] === 0) return ZERO;
    const first = d[0]!;
    let digits = 1;
    while (digits < 7 && first >= POW10[digits]!) digits++;
    digits += 7 * (d.length - 1);
    if (digits > 15) return new Exact(Number.NaN, 0, x);
    let m = first;
    for (let i = 1; i < d.length; i++) m = m * 1e7 + d[i]!;
    let k = digits - 1 - x.e;
    if (k < 0) {
      if (-k > MAX_K) return new Exact(Number.NaN, 0, x);
      m *= POW10[-k]!;
      if (m > MAX) return new Exact(Number.NaN, 0, x);
      k = 0;
    } else if (k > MAX_K) return new Exact(Number.NaN, 0, x);
    return Exact.scaled(x.s < 0 ? -m : m, k);
  }

  /**
   * The decimal of a double as decimal.js reads it (the value of its shortest text, `String(v)`).
   * When n = round(v x 10^k) has |n| < 10^15 and n / 10^k === v, that decimal is n x 10^-k
   * (records/number-text.ts gives the argument); the smallest such k is tried first.
   */
  static fromNumber(v: number): Exact {
    if (Number.isInteger(v) && v <= MAX && v >= -MAX) return v === 0 ? ZERO : new Exact(v, 0, undefined);
    for (let k = 1; k <= 15; k++) {
      const p = POW10[k]!;
      const n = Math.round(v * p);
      if (!(n < 1e15 && n > -1e15)) break;
      if (n / p === v) return Exact.scaled(n, k);
    }
    return Exact.of(new BigDec(v));
  }

  /** A decimal from its text (as decimal.js reads it). */
  static parse(text: string): Exact {
    return Exact.of(new BigDec(text));
  }

  /** The decimal.js form. */
  toBig(): BigDec {
    let b = this.big;
    if (b === undefined) {
      if (this.w !== undefined) b = new BigDec(`${this.w}e-${this.k}`);
      else b = this.k === 0 ? new BigDec(this.m) : new BigDec(`${this.m}e-${this.k}`);
      this.big = b;
    }
    return b;
  }

  plus(y: Exact): Exact {
    if (this.isScaled && y.isScaled) {
      if (this.m === 0) return y;
      if (y.m === 0) return this;
      const r = addScaled(this.m, this.k, y.m, y.k);
      if (r !== undefined) return r;
    }
    return this.wideSum(y, false) ?? Exact.of(this.toBig().plus(y.toBig()));
  }

  minus(y: Exact): Exact {
    if (this.isScaled && y.isScaled) {
      if (y.m === 0) return this;
      if (this.m === 0) return new Exact(-y.m, y.k, undefined);
      const r = addScaled(this.m, this.k, -y.m, y.k);
      if (r !== undefined) return r;
    }
    return this.wideSum(y, true) ?? Exact.of(this.toBig().minus(y.toBig()));
  }

  times(y: Exact): Exact {
    if (this.isScaled && y.isScaled) {
      const p = this.m * y.m;
      if (p === 0) return ZERO;
      if (p <= MAX && p >= -MAX) {
        const r = Exact.scaled(p, this.k + y.k);
        if (r.k <= MAX_K) return r;
      }
    }
    const a = this.wm();
    const b = y.wm();
    if (a !== undefined && b !== undefined && this.k + y.k <= MAX_WK) {
      const r = Exact.wide(a * b, this.k + y.k);
      if (r !== undefined) return r;
    }
    return Exact.of(this.toBig().times(y.toBig()));
  }

  /** The quotient, rounded to 40 significant digits half-even (decimal.js). */
  dividedBy(y: Exact): Exact {
    if (this.m === 0 && y.isScaled && y.m !== 0) return ZERO;
    if (this.isScaled && y.isScaled && y.m !== 0) {
      // An exact quotient (an exit price: a sum of price x amount over the amounts): the first
      // a = m x 10^j that the divisor divides gives it, a / y.m x 10^-(k + j - y.k). (% and a / y.m
      // of safe integers with a zero remainder are exact.)
      let a = this.m;
      for (let j = 0; j <= 16; j++) {
        const k = this.k + j - y.k;
        if (k > MAX_K || !(a <= MAX && a >= -MAX)) break;
        if (a % y.m === 0) {
          let q = a / y.m;
          if (k >= 0) return Exact.scaled(q, k);
          if (-k > MAX_K) break;
          q *= POW10[-k]!;
          if (q <= MAX && q >= -MAX) return Exact.scaled(q, 0);
          break;
        }
        a *= 10;
      }
    }
    if (!this.isScaled || !y.isScaled) {
      // The same for wide values (an exit price: a sum of price x amount, wide, over the amounts).
      const b = y.wm();
      let a = this.wm();
      if (a !== undefined && b !== undefined && b !== 0n) {
        for (let j = 0; j <= 16; j++) {
          const k = this.k + j - y.k;
          if (k > MAX_WK) break;
          if (a % b === 0n) {
            const q = a / b;
            const r = k >= 0 ? Exact.wide(q, k) : -k <= MAX_WK ? Exact.wide(q * POW10N[-k]!, 0) : undefined;
            if (r !== undefined) return r;
            break;
          }
          a *= 10n;
        }
      }
    }
    return Exact.of(this.toBig().dividedBy(y.toBig()));
  }

  negated(): Exact {
    if (this.isScaled) return this.m === 0 ? ZERO : new Exact(-this.m, this.k, undefined);
    if (this.w !== undefined) return new Exact(Number.NaN, this.k, undefined, -this.w);
    return Exact.of(this.toBig().negated());
  }

  abs(): Exact {
    if (this.isScaled) return this.m >= 0 ? this : new Exact(-this.m, this.k, undefined);
    if (this.w !== undefined) return this.w > 0n ? this : new Exact(Number.NaN, this.k, undefined, -this.w);
    return Exact.of(this.toBig().abs());
  }

  /** The nearest multiple of `step` in the direction of `rounding` (ROUND_DOWN: towards zero; ROUND_HALF_UP). */
  toNearest(step: Exact, rounding: typeof ROUND_DOWN | typeof ROUND_HALF_UP): Exact {
    if (this.isScaled && step.isScaled && step.m > 0) {
      const k = this.k > step.k ? this.k : step.k;
      const a = this.m * POW10[k - this.k]!;
      const s = step.m * POW10[k - step.k]!;
      // |a| + s <= 2^53 - 1 keeps every step below exact: r = a % s is exact (so is every %),
      // (a - r) / s the quotient towards zero, and q s stays within |a| + s.
      if (a <= MAX && a >= -MAX && (a < 0 ? -a : a) + s <= MAX) {
        const r = a % s;
        let q = (a - r) / s;
        if (rounding === ROUND_HALF_UP && 2 * (r < 0 ? -r : r) >= s) q += a < 0 ? -1 : 1;
        const v = q * s;
        if (v <= MAX && v >= -MAX) return Exact.scaled(v, k);
      }
    }
    return Exact.of(this.toBig().toNearest(step.toBig(), rounding));
  }

  /** The greatest integer at or below the value. */
  floor(): Exact {
    if (this.isScaled) return this.k === 0 ? this : Exact.scaled(floorDiv(this.m, POW10[this.k]!), 0);
    return Exact.of(this.toBig().floor());
  }

  /** The least integer at or above the value. */
  ceil(): Exact {
    if (this.isScaled) return this.k === 0 ? this : Exact.scaled(-floorDiv(-this.m, POW10[this.k]!), 0);
    return Exact.of(this.toBig().ceil());
  }

  /** -1, 0 or 1 as the value is below, equal to or above `y`. */
  cmp(y: Exact): number {
    if (this.isScaled && y.isScaled) {
      if (this.k === y.k) return this.m < y.m ? -1 : this.m > y.m ? 1 : 0;
      const k = this.k > y.k ? this.k : y.k;
      const a = this.m * POW10[k - this.k]!;
      const b = y.m * POW10[k - y.k]!;
      if (a <= MAX && a >= -MAX && b <= MAX && b >= -MAX) return a < b ? -1 : a > b ? 1 : 0;
    }
    let a = this.wm();
    let b = y.wm();
    if (a !== undefined && b !== undefined) {
      if (this.k < y.k) a *= POW10N[y.k - this.k]!;
      else if (y.k < this.k) b *= POW10N[this.k - y.k]!;
      return a < b ? -1 : a > b ? 1 : 0;
    }
    return this.toBig().comparedTo(y.toBig());
  }

  lessThan(y: Exact): boolean {
    return this.cmp(y) < 0;
  }

  lessThanOrEqualTo(y: Exact): boolean {
    return this.cmp(y) <= 0;
  }

  greaterThan(y: Exact): boolean {
    return this.cmp(y) > 0;
  }

  greaterThanOrEqualTo(y: Exact): boolean {
    return this.cmp(y) >= 0;
  }

  isZero(): boolean {
    return this.isScaled ? this.m === 0 : this.w !== undefined ? false : this.toBig().isZero();
  }

  isNegative(): boolean {
    return this.isScaled ? this.m < 0 : this.w !== undefined ? this.w < 0n : this.toBig().isNegative();
  }

  /**
   * The nearest double (what decimal.js's toNumber gives): m / 10^k is one correctly rounded
   * division of exact doubles (m below 2^53, k at most 22). A decimal.js value is one that does not
   * fit those bounds, so it takes decimal.js's own conversion; a wide value, the conversion of its
   * digits (decimal.js's too converts its digits' text: one correctly rounded conversion of the
   * same value).
   */
  toNumber(): number {
    if (this.isScaled) return this.k === 0 ? this.m : this.m / POW10[this.k]!;
    if (this.w !== undefined) return Number(`${this.w}e-${this.k}`);
    return this.toBig().toNumber();
  }

  toString(): string {
    return this.toBig().toString();
  }
}

export const ZERO: Exact = Exact.zero;

/** A decimal from a double (its shortest text's value) or from text. */
export function dec(x: number | string): Exact {
  return typeof x === 'number' ? Exact.fromNumber(x) : Exact.parse(x);
}

/** a x 10^-ka + b x 10^-kb as a scaled integer, or undefined when it might not fit. */
function addScaled(a: number, ka: number, b: number, kb: number): Exact | undefined {
  if (ka < kb) a *= POW10[kb - ka]!;
  else if (kb < ka) b *= POW10[ka - kb]!;
  // A product of integers whose result is at most 2^53 - 1 in magnitude is exact, and so is such a sum.
  if (!(a <= MAX && a >= -MAX && b <= MAX && b >= -MAX)) return undefined;
  const s = a + b;
  if (!(s <= MAX && s >= -MAX)) return undefined;
  return Exact.scaled(s, ka > kb ? ka : kb);
}

/** floor(a / p) for a safe integer a and p = 10^k, exactly (a % p is exact, and so is (a - r) / p). */
function floorDiv(a: number, p: number): number {
  const r = a % p;
  const q = (a - r) / p;
  return r < 0 ? q - 1 : q;
}
