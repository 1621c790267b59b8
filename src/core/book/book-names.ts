/**
 * A book's name as bytes, for the byte path's lookup of a scanned line's book without making a
 * string: an FNV-1a hash of the exchange and symbol, and an in-place comparison.
 */

import type { BookScan } from './scan.js';

/** FNV-1a over bytes, continued from `h`. */
function fnv(h: number, b: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 16_777_619);
  return h;
}

/** The hash of a book's name: its exchange's bytes, a separator, its symbol's bytes (a small integer). */
export function bytesHash(exchange: Uint8Array, symbol: Uint8Array): number {
  return (
    fnv(Math.imul(fnv(2_166_136_261, exchange, 0, exchange.length), 16_777_619), symbol, 0, symbol.length) >>>
    2
  );
}

/** `bytesHash` of the exchange and symbol a scanned line names, read in place. */
export function nameHash(s: Uint8Array, u: BookScan): number {
  return (
    fnv(
      Math.imul(fnv(2_166_136_261, s, u.exchangeStart, u.exchangeEnd), 16_777_619),
      s,
      u.symbolStart,
      u.symbolEnd,
    ) >>> 2
  );
}

/** True when `s[start, end)` holds exactly `bytes`. */
export function sameBytes(s: Uint8Array, start: number, end: number, bytes: Uint8Array): boolean {
  if (end - start !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (s[start + i] !== bytes[i]) return false;
  return true;
}
