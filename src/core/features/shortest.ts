/**
 * A double written as bytes in exactly the text `String(x)` gives it (the shortest decimal that
 * reads back as x, the closest such when there are several: ECMAScript's Number::toString), with
 * no string made. Indicator values are full doubles (16 or 17 significant digits), which the
 * fixed-decimal writers of records/number-text.ts cannot take, and `String(x)` of such a value
 * cost as much as a third of a JSON.parse of the whole candle line (docs/performance.md).
 *
 * How: for 1e-6 <= |x| < 1e17 (the numbers JavaScript writes without an exponent), D = |x| x 10^k,
 * with k chosen so that 1e16 <= D < 1e17, is computed exactly as a sum of two doubles (Dekker's
 * product; 10^k is exact for k <= 22), and split into its whole part, as two exact integers of 9
 * and 8 digits, and its fraction. The doubles next to x are x -+ ulp, so the decimals that read
 * back as x are those within u = ulp / 2 x 10^k of D (in units of D's last digit; u is exact and
 * between 0.55 and 11.2). The shortest is the nearest multiple of 10^j to D, for the largest j
 * for which that multiple is within u; its digits are the 17 - j leading digits of that multiple.
 * Every comparison is made with a margin far above the rounding error of the fraction (1e-16):
 * a decimal on or next to the edge of x's interval (where reading rounds half to even), two
 * candidates equally near, a power of two (whose interval is lopsided), and anything out of the
 * range go to `String(x)` itself. Tested against String over millions of values
 * (tests/features-number.test.ts).
 */

import { POW10, writeWhole } from '../records/number-text.js';

/** Dekker's splitting constant, 2^27 + 1. */
const SPLIT = 134217729;
/** 10^k split into halves of 26 bits each, for the exact product. */
const POW10_HIGH = POW10.map((p) => {
  const t = SPLIT * p;
  return t - (t - p);
});
const POW10_LOW = POW10.map((p, k) => p - POW10_HIGH[k]!);

/** 10^0 to 10^9 as small integers. */
const POW10_INT = new Int32Array(POW10.slice(0, 10));
/** Further than any candidate can be. */
const FAR = 1e300;

/** Decisions this close to the edge (in units of D's last digit) are left to String(x). */
const MARGIN = 1e-9;

const input = new Float64Array(1);
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** The index of the word holding the sign, exponent and high mantissa bits. */
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LOW = 1 - HIGH;

/** The 17 digits of the chosen decimal (scratch). */
const digits = new Uint8Array(17);
/** 00 to 99, two digits (values 0 to 9) each. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

/** Writes `x` (finite) as `String(x)` writes it, as ASCII into `b` at `at`; returns the index after it. Needs 25 bytes of room. */
export function writeShortest(b: Uint8Array, at: number, x: number): number {
  const a = x < 0 ? -x : x;
  if (Number.isInteger(a) && a < 1e15) {
    if (x < 0) b[at++] = 45;
    return writeWhole(b, at, a);
  }
  let end = -1;
  if (a >= 1e-6 && a < 1e17) {
    // Handed over in a typed array: a double passed as an argument to a call not inlined is boxed.
    input[0] = x;
    end = fast(b, at);
  }
  return end >= 0 ? end : slow(b, at, x);
}

/** `writeShortest` without the fallback: -1 (nothing written) where it would call String(x). For tests: how often the fast path is taken. */
export function tryShortest(b: Uint8Array, at: number, x: number): number {
  const a = x < 0 ? -x : x;
  if (!(a >= 1e-6 && a < 1e17)) return -1;
  input[0] = x;
  return fast(b, at);
}

function slow(b: Uint8Array, at: number, x: number): number {
  const t = String(x);
  for (let i = 0; i < t.length; i++) b[at++] = t.charCodeAt(i);
  return at;
}

/** The fast path for x = input[0], 1e-6 <= |x| < 1e17; -1 when it leaves the decision to String(x). */
function fast(b: Uint8Array, at: number): number {
  const x = input[0]!;
  const a = x < 0 ? -x : x;
  f64[0] = a;
  const hi = u32[HIGH]!;
  const exp = hi >>> 20;
  // A power of two: the double below is nearer than the double above.
  if ((hi & 0xfffff) === 0 && u32[LOW] === 0) return -1;
  // log10(2) x the binary exponent: the decimal exponent, or one below it (corrected next).
  let k = 16 - Math.floor((exp - 1023) * 0.3010299956639812);
  if (k < 0 || k > 22) return -1;
  let p = a * POW10[k]!;
  if (p < 1e16 && k < 22) p = a * POW10[++k]!;
  if (p >= 1e17 && k > 0) p = a * POW10[--k]!;
  // D = p + err exactly (Dekker's product).
  const t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  const ph = POW10_HIGH[k]!;
  const pl = POW10_LOW[k]!;
  const err = ah * ph - p + ah * pl + al * ph + al * pl;
  // The whole part of D as H x 1e8 + L, and the fraction f in [0, 1] (p is whole, being >= 2^53).
  const fl = Math.floor(err);
  const f = err - fl;
  let H = Math.floor(p / 1e8);
  let L = p - H * 1e8 + fl;
  while (L < 0) {
    H--;
    L += 1e8;
  }
  while (L >= 1e8) {
    H++;
    L -= 1e8;
  }
  if (H < 1e8 || H >= 1e9) return -1;
  // Both below 2^31: integer arithmetic from here.
  const Hi = H | 0;
  const Li = L | 0;
  // Half the gap to the next double, in units of D's last digit: 2^(exp - 1076) x 10^k, exact.
  u32[HIGH] = (exp - 53) << 20;
  u32[LOW] = 0;
  const u = f64[0]! * POW10[k]!;
  // j = 0: the nearer whole number is always within u (u > 0.55).
  let j = 0;
  let up = f > 0.5;
  if (Math.abs(f - 0.5) < MARGIN) return -1;
  for (let jj = 1; jj <= 16; jj++) {
    let down: number;
    let upward: number;
    if (jj <= 8) {
      const pj = POW10_INT[jj]!;
      const r = Li % pj;
      down = r + f;
      upward = pj - r - f;
    } else {
      const hp = POW10_INT[jj - 8]!;
      const hr = Hi % hp;
      down = hr === 0 ? Li + f : FAR;
      upward = hr === hp - 1 ? 1e8 - Li - f : FAR;
    }
    const best = down < upward ? down : upward;
    if (best > u + MARGIN) break;
    if (best > u - MARGIN || Math.abs(down - upward) < MARGIN) return -1;
    j = jj;
    up = upward < down;
  }
  // The chosen multiple of 10^j, as cH x 1e8 + cL.
  let cH = Hi;
  let cL = Li;
  if (j <= 8) {
    const pj = POW10_INT[j]!;
    cL = Li - (Li % pj) + (up ? pj : 0);
    if (cL >= 100000000) {
      cL -= 100000000;
      cH++;
    }
  } else {
    const hp = POW10_INT[j - 8]!;
    cH = Hi - (Hi % hp) + (up ? hp : 0);
    cL = 0;
  }
  if (cH >= 1000000000) return -1;
  // Two digits a division: cL's 8 into digits[9..16], cH's 9 into digits[0..8].
  for (let i = 15; i >= 9; i -= 2) {
    const q = (cL / 100) | 0;
    const d = (cL - q * 100) << 1;
    digits[i] = PAIRS[d]!;
    digits[i + 1] = PAIRS[d + 1]!;
    cL = q;
  }
  for (let i = 7; i >= 1; i -= 2) {
    const q = (cH / 100) | 0;
    const d = (cH - q * 100) << 1;
    digits[i] = PAIRS[d]!;
    digits[i + 1] = PAIRS[d + 1]!;
    cH = q;
  }
  digits[0] = cH;
  let n = 17 - j;
  while (n > 1 && digits[n - 1] === 0) n--;
  // The point after the first 17 - k digits of the 17-digit frame.
  const point = 17 - k;
  if (x < 0) b[at++] = 45;
  if (point <= 0) {
    b[at++] = 48;
    b[at++] = 46;
    for (let i = point; i < 0; i++) b[at++] = 48;
    for (let i = 0; i < n; i++) b[at++] = 48 + digits[i]!;
  } else if (point >= n) {
    for (let i = 0; i < n; i++) b[at++] = 48 + digits[i]!;
    for (let i = n; i < point; i++) b[at++] = 48;
  } else {
    for (let i = 0; i < point; i++) b[at++] = 48 + digits[i]!;
    b[at++] = 46;
    for (let i = point; i < n; i++) b[at++] = 48 + digits[i]!;
  }
  return at;
}
