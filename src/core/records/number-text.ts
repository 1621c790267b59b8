/**
 * Writing a number that is known to have at most `k` decimal places, without the general
 * double-to-string conversion (the shortest round-trip search), which is most of the cost of a
 * record made of a dozen such figures.
 *
 * `fixedText(v, k)` is exactly `String(v)` whenever it does not fall back to it. The fast path needs
 * n = round(v x 10^k) with |n| < 10^15 and n / 10^k === v: then v is the double nearest the decimal
 * n x 10^-k, a decimal of at most 15 significant digits, and such decimals map to distinct doubles,
 * so no shorter decimal reads back as v: the shortest text of v (what String prints) is that decimal
 * without its trailing zeros. JavaScript writes numbers below 1e-6 with an exponent, so those (and
 * anything else) take `String(v)`. Tested against String on a million values (tests/unit).
 */

/** 10^0 to 10^22: the powers of ten that are exact doubles (shared by the hand-written number readers and writers). */
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);
const ZEROS = '0000000000000000000000';

/**
 * Decimal places of a number as a venue wrote it: the fewest d (up to 16) for which the double
 * nearest round(x x 10^d) / 10^d is x, so the decimal of d places that x stands for.
 */
export function decimalPlaces(x: number): number {
  for (let d = 0; d < 16; d++) {
    const p = POW10[d]!;
    if (Math.round(x * p) / p === x) return d;
  }
  return 16;
}

/**
 * A sum or difference of decimals with at most `d` places, without float noise: scaled to an
 * integer, rounded, and divided back (one correctly rounded division), while the scaled value is an
 * exact integer in a double; otherwise left as it is.
 */
export function roundTo(x: number, d: number): number {
  const p = POW10[d];
  if (p === undefined) return x;
  const scaled = x * p;
  return Math.abs(scaled) < 2 ** 52 ? Math.round(scaled) / p : x;
}

/**
 * The mid of two prices as decimals: (bid + ask) / 2 to one place more than the prices have, so
 * 41894.61 and 41894.62 give 41894.615, not the double sum's 41894.615000000005.
 */
export function decimalMid(bid: number, ask: number): number {
  return roundTo((bid + ask) / 2, Math.max(decimalPlaces(bid), decimalPlaces(ask)) + 1);
}

export function fixedText(v: number, k: number): string {
  const p = POW10[k];
  if (p === undefined) return String(v);
  const n = Math.round(v * p);
  const a = n < 0 ? -n : n;
  if (!(a < 1e15) || n / p !== v || (a !== 0 && Math.abs(v) < 1e-6)) return String(v);
  // A whole number: the engine's integer formatting is already fast.
  if (k === 0 || a % p === 0) return String(v);
  const ip = Math.floor(a / p);
  const f = String(a - ip * p);
  let frac = f.length < k ? ZEROS.slice(0, k - f.length) + f : f;
  let end = k;
  while (frac.charCodeAt(end - 1) === 48) end--;
  if (end < k) frac = frac.slice(0, end);
  return n < 0 ? `-${ip}.${frac}` : `${ip}.${frac}`;
}

/**
 * `fixedText(v, k)` written as ASCII into `b` at `at` (for records built as bytes); returns the index
 * after it. `b` needs room for 25 bytes. The same text: the digits of n = round(v x 10^k) with a
 * point k places from the right and the fraction's trailing zeros dropped, under the same conditions,
 * and `String(v)` otherwise.
 */
export function writeFixed(b: Uint8Array, at: number, v: number, k: number): number {
  const p = POW10[k];
  const n = p === undefined ? 0 : Math.round(v * p);
  const a = n < 0 ? -n : n;
  if (p === undefined || !(a < 1e15) || n / p !== v || (a !== 0 && Math.abs(v) < 1e-6)) {
    const t = String(v);
    for (let i = 0; i < t.length; i++) b[at++] = t.charCodeAt(i);
    return at;
  }
  if (n < 0) b[at++] = 45; // -
  const ip = Math.floor(a / p);
  at = writeWhole(b, at, ip);
  let f = a - ip * p;
  if (f === 0) return at;
  // k digits of the fraction, less its trailing zeros.
  let digits = k;
  while (f % 10 === 0) {
    f /= 10;
    digits--;
  }
  b[at] = 46; // .
  digitsInto(b, at + 1 + digits, f, digits);
  return at + 1 + digits;
}

/**
 * The `n` lowest decimal digits of x (a whole number, 0 <= x < 2^53), zero-padded, into
 * b[end - n, end). In pieces of 8 digits, each small enough for 32-bit integer division.
 */
function digitsInto(b: Uint8Array, end: number, x: number, n: number): void {
  while (n > 0) {
    let piece = x;
    let m = n;
    if (n > 8) {
      const high = Math.floor(x / 1e8);
      piece = x - high * 1e8;
      x = high;
      m = 8;
    }
    for (let i = 0; i < m; i++) {
      const q = (piece / 10) | 0;
      b[--end] = 48 + piece - q * 10;
      piece = q;
    }
    n -= m;
  }
}

/** A whole number 0 <= x < 2^53 in decimal digits at `at`; returns the index after them. */
export function writeWhole(b: Uint8Array, at: number, x: number): number {
  let n = 1;
  while (n < 16 && x >= POW10[n]!) n++;
  digitsInto(b, at + n, x, n);
  return at + n;
}
