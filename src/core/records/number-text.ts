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
