/** How the engine writes computed figures: prices without float noise, money to 1e-8. */

import { fixedText, POW10, writeFixed } from '../records/number-text.js';

/** The shortest decimal of at most 12 significant digits: float noise off computed prices. */
export function tidy(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const d = 11 - mag;
  if (d < 0 || d > 18) return Number(x.toPrecision(12));
  const p = POW10[d]!;
  return Math.round(x * p) / p;
}

/** Money figures to 1e-8, as they are written. */
export function money(x: number): number {
  const r = Math.round(x * 1e8) / 1e8;
  return Math.abs(x) < 1e7 ? (r === 0 ? 0 : r) : tidy(x);
}

/**
 * `String(money(x))` without the general double-to-string conversion, which is most of the cost of
 * an equity record: a money value has at most 8 decimal places (records/number-text.ts).
 */
export function moneyText(x: number): string {
  return fixedText(money(x), 8);
}

/** `moneyText(x)` written as ASCII into `b` at `at` (number-text.ts `writeFixed`); returns the index after it. Needs room for 25 bytes. */
export function writeMoney(b: Uint8Array, at: number, x: number): number {
  return writeFixed(b, at, money(x), 8);
}
